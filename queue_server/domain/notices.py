"""SMS notices to a ticket's holder: which ones a hall sends, their wording, and when they are held.

A hall turns each notice on or off and words it (zh-CN; English optional). Quiet hours (安静时段)
hold every notice: a queue notice written then is not queued at all, since by the morning it would
be stale. A number gets at most ``daily_cap`` messages a day, and a ticket one "N ahead" notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from string import Formatter
from typing import Any

from queue_server.domain.errors import Rejected

KINDS = ("taken", "ahead", "called", "missed", "correction", "ready", "reminder")
# The languages a notice is worded in: zh-CN always, English where the hall wrote it.
LANGUAGES = ("zh-CN", "en")

DEFAULT_TEMPLATES = {
    "taken": "【{hall}】您已取号 {number}（{service}），前面还有 {ahead} 人。进度：{link}",
    "ahead": "【{hall}】{number} 号前面还有 {ahead} 人，请回到大厅等候叫号。",
    "called": "【{hall}】{number} 号，请到 {window} 号窗口办理。",
    "missed": "【{hall}】{number} 号已过号，请到服务台重新排队（按大厅规则后移）。",
    "correction": (
        "【{hall}】{number} 号办理的{service}需补正材料：{missing}。请备齐后再来办理，告知书：{link}"
    ),
    "ready": "【{hall}】您办理的{service}（{number} 号）已办结，请携带受理回执到大厅领取结果。",
    "reminder": "【{hall}】您预约了 {day} {time} 办理{service}，预约码 {code}，请按时到大厅签到。",
}


# What each notice's wording may name: the values its cause fills in (the issue, a call, a case's
# outcome, the reminder chore), and nothing else. Saving a wording that names anything more is
# refused, and the settings page lists these beside each notice.
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "taken": ("hall", "number", "service", "ahead", "link"),
    "ahead": ("hall", "number", "service", "ahead"),
    "called": ("hall", "number", "service", "window"),
    "missed": ("hall", "number", "service"),
    "correction": ("hall", "number", "service", "missing", "link"),
    "ready": ("hall", "number", "service", "link"),
    "reminder": ("hall", "service", "day", "time", "code"),
}
# Made-up values for the settings page's preview (the hall's own name and page address are used
# where it has them). The number is the preview's masked sample; no real number is ever shown.
SAMPLES: dict[str, str] = {
    "hall": "明川市政务服务中心",
    "number": "A012",
    "service": "居民身份证换领",
    "ahead": "3",
    "window": "5",
    "link": "/t/8KQ2ZP",
    "missing": "户口簿原件、近期免冠照片",
    "day": "2026-12-08",
    "time": "09:30",
    "code": "Y7K2P4",
}
SAMPLE_PHONE = "138****8000"
_FORMATTER = Formatter()


def check_wording(kind: str, language: str, wording: str) -> None:
    """Refuse a notice's wording that names a value its notice never has, or has broken braces
    (a stable code for each, with where: ``kind`` and ``language``)."""
    known = PLACEHOLDERS[kind]
    at = f"notices.templates.{kind}.{language}"  # the settings' field, for the page to point at
    try:
        parts = list(_FORMATTER.parse(wording))
    except ValueError as error:  # a lone "{" or "}": literal braces are written "{{" and "}}"
        raise Rejected("settings.notice_template", notice=kind, at=at, detail=str(error)) from error
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in known:
            listed = " ".join(f"{{{k}}}" for k in known)
            raise Rejected("settings.notice_placeholder", notice=kind, at=at, name=name, known=listed)
        if spec or conversion:
            raise Rejected(
                "settings.notice_template", notice=kind, at=at, detail=f"{{{name}}} takes no format"
            )


def check_wordings(templates: Mapping[str, Mapping[str, Any]]) -> None:
    """Every notice's zh-CN and English wording of a hall's settings (``notices.templates``)."""
    for kind, template in templates.items():
        for language in ("zh", "en"):
            check_wording(kind, language, str(template.get(language) or ""))


@dataclass(frozen=True)
class Template:
    """One notice's wording and whether the hall sends it."""

    on: bool
    zh: str
    en: str = ""

    def render(self, values: dict[str, Any], language: str = "zh-CN") -> str:
        """The text in ``language`` (English only where the hall wrote it, zh-CN otherwise), with
        ``{name}`` fields filled in (an unknown field stays as written)."""
        wording = self.en if language == "en" and self.en else self.zh
        return wording.format_map(_Lenient(values))


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class NoticeRules:
    """A hall's SMS notices as stored in its settings (``notices``)."""

    enabled: bool = False
    ahead_at: int = 3  # "前面还有 N 人" when a ticket reaches this many ahead
    quiet_from: time | None = None
    quiet_until: time | None = None
    daily_cap: int = 10
    page_base: str = ""  # the ticket page's public address, for the link in "taken"
    templates: dict[str, Template] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> NoticeRules:
        """Read the stored settings, defaults for anything missing."""
        quiet = raw.get("quiet_hours") or None
        stored = raw.get("templates") or {}
        templates = {}
        for kind in KINDS:
            mine = stored.get(kind) or {}
            templates[kind] = Template(
                on=bool(mine.get("on", True)),
                zh=str(mine.get("zh") or DEFAULT_TEMPLATES[kind]),
                en=str(mine.get("en") or ""),
            )
        return cls(
            enabled=bool(raw.get("enabled", False)),
            ahead_at=int(raw.get("ahead_at", 3)),
            quiet_from=time.fromisoformat(str(quiet[0])) if quiet else None,
            quiet_until=time.fromisoformat(str(quiet[1])) if quiet else None,
            daily_cap=int(raw.get("daily_cap", 10)),
            page_base=str(raw.get("page_base", "")),
            templates=templates,
        )

    def quiet(self, local: time) -> bool:
        """Whether ``local`` (the hall's wall clock) falls in the quiet hours (they may span midnight)."""
        if self.quiet_from is None or self.quiet_until is None:
            return False
        if self.quiet_from <= self.quiet_until:
            return self.quiet_from <= local < self.quiet_until
        return local >= self.quiet_from or local < self.quiet_until

    def ahead_for(self, service_ahead_at: int | None) -> int:
        """The "N ahead" figure of a service: its own N where it has one, the hall's otherwise."""
        return service_ahead_at if service_ahead_at is not None else self.ahead_at

    def sends(self, kind: str) -> bool:
        """Whether the hall sends notices of ``kind`` at all."""
        template = self.templates.get(kind)
        return self.enabled and template is not None and template.on
