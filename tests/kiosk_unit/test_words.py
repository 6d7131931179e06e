"""Search by characters or pinyin initials, the message catalogue, the settings file."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from hallq.bootstrap import demo_catalogue
from kiosk.config import load_settings
from kiosk.i18n import clock_text, text, wait_text
from kiosk.pinyin import PinyinCache
from queue_server import contract as c
from queue_server.domain.search import search
from queue_server.messages import CATALOGUE

KIOSK = Path(__file__).resolve().parents[2] / "kiosk"


@pytest.fixture(scope="module")
def services() -> list[c.ServiceSummary]:
    data = demo_catalogue()
    departments = {d.code: d.name for d in data.departments}
    return [
        c.ServiceSummary(
            code=s.code,
            name=s.name,
            prefix=s.prefix,
            department=s.department,
            department_name=departments[s.department],
            theme=s.theme,
            category=s.category,
            case_type=s.case_type,
            keywords=s.keywords,
        )
        for s in data.services
    ]


@pytest.fixture(scope="module")
def readings(services: list[c.ServiceSummary], tmp_path_factory: pytest.TempPathFactory) -> PinyinCache:
    cache = PinyinCache(tmp_path_factory.mktemp("pinyin") / "pinyin.json")
    cache.ensure([w for s in services for w in (s.name, *s.keywords, s.department_name, s.theme)])
    return cache


def names(found: list[c.ServiceSummary]) -> list[str]:
    return [s.name for s in found]


def test_initials_find_a_service_by_its_everyday_name(services, readings) -> None:  # type: ignore[no-untyped-def]
    assert names(search(services, "SBK", readings.get))[0] == "社会保障卡申领（含补领、换领）"
    assert names(search(services, "gjj", readings.get))[0].startswith("住房公积金")
    assert "普通护照签发" in names(search(services, "hz", readings.get))[:3]  # 护照 (换证 reads hz too)
    assert names(search(services, "huzhao", readings.get))[0] == "普通护照签发"


def test_characters_and_codes_find_services(services, readings) -> None:  # type: ignore[no-untyped-def]
    assert all("护照" in n or "出入境" in n for n in names(search(services, "护照", readings.get))[:1])
    assert names(search(services, "GA001", readings.get)) == ["居民身份证换领"]
    assert search(services, "火星移民", readings.get) == []


def test_pinyin_readings_are_kept_on_disk(readings: PinyinCache) -> None:
    again = PinyinCache(readings.path)
    assert again.get("居民身份证换领") == {
        "tones": "ju1 min2 shen1 fen4 zheng4 huan4 ling3",
        "initials": "jmsfzhl",
        "plain": "juminshenfenzhenghuanling",
    }


def test_every_kiosk_string_is_in_the_catalogue_in_both_languages() -> None:
    used = set()
    pattern = re.compile(r"""["'](kiosk\.[a-z_.]+)["']""")
    for path in [*KIOSK.rglob("*.py"), *KIOSK.rglob("*.kv")]:
        used.update(pattern.findall(path.read_text(encoding="utf-8")))
    used.update(f"kiosk.priority.{p.value}" for p in c.PriorityClass)
    used.update(f"kiosk.problem.{s}" for s in ("paper_out", "cover_open", "offline", "error"))
    missing = sorted(k for k in used if k not in CATALOGUE and k != "kiosk.pinyin_worker")
    assert not missing
    for key, (zh, en) in CATALOGUE.items():
        if key.startswith("kiosk."):
            assert zh.strip() and en.strip(), key


def test_texts_times_and_waits() -> None:
    assert text("kiosk.ticket.ahead", "en", count=3) == "3 ahead of you"
    monday = datetime(2026, 3, 2, 9, 5)
    assert clock_text(monday, "zh") == "3月2日 星期一 09:05"
    assert clock_text(monday, "en") == "Mon 2 Mar 09:05"
    assert wait_text(61, "zh") == "约 2 分钟" and wait_text(None, "en") == "not known yet"


def test_settings_come_from_the_file_then_the_environment_then_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        '[kiosk]\nserver = "http://file:8000"\ntoken = "from-file"\nprinter = "network://10.0.0.9:9100"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("HALLQ_KIOSK_TOKEN", "from-env")
    settings = load_settings(config, paper_mm=58)
    assert settings.server == "http://file:8000" and settings.token == "from-env"
    assert settings.printer == "network://10.0.0.9:9100" and settings.paper_mm == 58
    assert settings.status_base == "http://file:8000"
    assert load_settings(config, server="http://arg:1").server == "http://arg:1"
