"""排班建议 in the browser: a manager asks for a day's recommendation on a hall whose allocation was
made lopsided, sees today and the proposal side by side, applies it through the audited work-profile
API, tries a what-if, and compares a past day's prediction with what happened."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from hallq.bootstrap import build_runtime
from hallq.simulate import simulate
from queue_server.config import ServerSettings
from tests.consoles.conftest import ServedHall, log_in, shot
from tests.support.browser import checked_context
from tests.support.served_hall import prepared_hall

RECORDED = date(2026, 3, 2)  # Monday and Tuesday of history
PLANNED = "2026-03-09"  # the next Monday


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHall]:
    db = tmp_path_factory.mktemp("advisor") / "hall.db"
    tokens = prepared_hall(db)
    runtime = build_runtime(ServerSettings(db=str(db)))
    simulate(runtime, "t1", RECORDED, 2, seed=4, load=0.6)
    runtime.stop()
    runtime.write_engine.dispose()
    with ServedHall(db, tokens) as server:
        yield server


def _api(served: ServedHall, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(
        method, served.url + "/api/v1" + path, json=body, headers=served.as_("manager"), timeout=120
    )
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def test_a_manager_gets_a_recommendation_applies_it_and_checks_a_past_day(
    served: ServedHall, browser: Any
) -> None:
    # Window 2 is moved off 事项S2: only window 1, as its second choice, still serves it.
    lopsided = _api(served, "POST", "/work-profiles", {"name": "临时", "services": ["S3"]})
    _api(served, "POST", f"/work-profiles/{lopsided['id']}/apply", {"windows": ["2"]})
    with checked_context(browser, viewport={"width": 1366, "height": 768}) as context:
        page = context.new_page()
        log_in(page, served, "M1", "pw-m1", then="/manager/advisor")
        page.wait_for_selector("body[data-ready='1']")
        page.fill("#ask-date", PLANNED)
        page.fill("#ask-replications", "4")
        page.click("#ask-run")
        page.wait_for_selector("body[data-advised]", timeout=180_000)
        summary = page.inner_text("#summary")
        assert "全厅90%等候" in summary and "Hall p90 wait" in summary
        assert page.locator("#compare tbody tr[data-service='S2']").count() == 1
        assert "2 天" in page.inner_text("#learned-summary")  # the Monday and Tuesday of history
        season = page.inner_text("#learned-season")  # a Monday's rates; nothing a year back
        assert "周一" in season and "×1.00" in season and "0 天" in season
        # Each language names the kind of day in its own words (the catalogue's).
        english = page.inner_text("#learned-season .en")
        assert "Rates of Monday days" in english and "周" not in english
        # Each window's breaks learned from its recorded pauses, with the days behind them.
        assert page.locator("#learned-breaks tbody tr").count() >= 2
        assert "2" in page.inner_text("#learned-breaks tbody tr >> nth=0 >> td >> nth=1")
        learned_s1 = page.inner_text("#learned tbody tr[data-service='S1']")
        assert "/" in learned_s1  # each share with the count behind it
        assert page.locator("#chart svg polyline.series.now").count() == 1
        assert page.locator("#chart svg polyline.series.proposed").count() == 1
        assert page.locator("#moves li[data-window='2']").count() == 1
        shot(page, "advisor-recommendation-1366x768", full_page=True)
        page.click("#apply button[data-block='00:00']")
        page.wait_for_selector("body[data-applied='00:00']", timeout=180_000)
        given = _api(served, "GET", "/windows/2/assignments")
        assert "S2" in [a["service_code"] for a in given["assignments"]]
        audited = _api(served, "GET", "/audit?subject=window:2&action=assignments")
        assert audited[0]["detail"]["profile"].startswith("建议 2026-03-09")

        page.select_option("#wi-window", "1")
        page.fill("#wi-services", "S1, S2")
        page.click("#wi-add")
        page.click("#wi-run")
        page.wait_for_selector("body[data-whatif='1']", timeout=180_000)
        assert "调整后" in page.inner_text("#wi-result")

        page.fill("#check-date", "2026-03-03")  # Tuesday, predicted from Monday
        page.click("#check-run")
        page.wait_for_selector("body[data-checked='1']", timeout=180_000)
        observed = page.inner_text("#checked tbody tr[data-service='S1']")
        assert "—" not in observed.split("\t")[2]
        assert page.locator("#checked tbody tr[data-stored='true']").count() == 0  # recomputed
        shot(page, "advisor-what-if-and-check-1366x768", full_page=True)

        # Applying the block kept the day's prediction: its check compares against that one.
        page.evaluate("delete document.body.dataset.checked")
        page.fill("#check-date", PLANNED)
        page.click("#check-run")
        page.wait_for_selector("body[data-checked='1']", timeout=180_000)
        kept = page.locator("#checked tbody tr[data-stored='true']")
        assert kept.count() >= 2 and "套用时存" in kept.first.inner_text()
