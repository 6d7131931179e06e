"""Electronic supervision (电子监察): the rules that raise yellow and red lights, as pure functions.

``evaluate`` looks at a moment of the hall and returns every alert that should be standing now;
the alert service compares that with the alerts already raised, raising the new ones and
clearing the ones whose cause is gone. Each rule names its subject (a ticket, window, service,
case or device) so an alert is raised once and cleared once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """黄灯 / 红灯."""

    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class Thresholds:
    """Per-hall thresholds (minutes unless named otherwise)."""

    wait_yellow: float = 30
    wait_red: float = 60
    away_yellow: float = 20
    away_red: float = 30
    device_silence: float = 5
    case_warning_days: int = 3

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Thresholds:
        """Read the stored settings, defaults for anything missing."""
        defaults = cls()
        values = {
            name: type(getattr(defaults, name))(raw[name]) for name in cls.__dataclass_fields__ if name in raw
        }
        return cls(**values)


@dataclass(frozen=True)
class Finding:
    """An alert that should be standing: which rule, about what, how bad, and the facts."""

    rule: str
    subject: str
    severity: Severity
    detail: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the alert across evaluations."""
        return (self.rule, self.subject)


@dataclass(frozen=True)
class WaitingTicket:
    """A ticket still waiting."""

    number: str
    service: str
    issued_at: datetime


@dataclass(frozen=True)
class PausedWindow:
    """A paused window and since when."""

    number: str
    reason: str | None
    since: datetime


@dataclass(frozen=True)
class OpenCase:
    """A promised case not yet completed."""

    id: int
    ticket: str
    due: date


@dataclass(frozen=True)
class OpenFollowUp:
    """A 差评 follow-up not yet closed, with its current stage's due date."""

    id: int
    stage: str
    ticket: str
    due: date


@dataclass(frozen=True)
class DeviceReport:
    """A device's last report."""

    kind: str
    name: str
    state: str
    last_seen: datetime


@dataclass(frozen=True)
class OutboxDestination:
    """A destination of the outbox (SMS, the 好差评 platform) as the alert rule sees it."""

    destination: str
    failing: int  # pending messages that failed at least ``Thresholds.outbox_failures`` times
    dead: int  # messages given up and not yet retried or dropped by a manager


@dataclass(frozen=True)
class HallMoment:
    """What the rules look at."""

    now: datetime
    today: date
    waiting: tuple[WaitingTicket, ...] = ()
    paused: tuple[PausedWindow, ...] = ()
    uncovered: tuple[tuple[str, int], ...] = ()  # (service, waiting) with no open window serving it
    cases: tuple[OpenCase, ...] = ()
    devices: tuple[DeviceReport, ...] = ()
    follow_ups: tuple[OpenFollowUp, ...] = ()
    outbox: tuple[OutboxDestination, ...] = ()


WorkingDays = Callable[[date, date], int]
TROUBLE = {
    "paper_out": Severity.RED,
    "cover_open": Severity.RED,
    "offline": Severity.RED,
    "error": Severity.RED,
    "paper_low": Severity.YELLOW,
}


def _minutes(now: datetime, since: datetime) -> float:
    return (now - since).total_seconds() / 60


def _long_waits(m: HallMoment, th: Thresholds) -> Iterable[Finding]:
    for t in m.waiting:
        waited = _minutes(m.now, t.issued_at)
        if waited >= th.wait_yellow:
            severity = Severity.RED if waited >= th.wait_red else Severity.YELLOW
            yield Finding(
                "ticket.long_wait",
                f"ticket:{t.number}",
                severity,
                {"number": t.number, "service": t.service, "minutes": int(waited)},
            )


def _away_windows(m: HallMoment, th: Thresholds) -> Iterable[Finding]:
    for w in m.paused:
        away = _minutes(m.now, w.since)
        if w.reason == "away" and away >= th.away_yellow:
            severity = Severity.RED if away >= th.away_red else Severity.YELLOW
            yield Finding(
                "window.away", f"window:{w.number}", severity, {"window": w.number, "minutes": int(away)}
            )


def _uncovered(m: HallMoment) -> Iterable[Finding]:
    for service, waiting in m.uncovered:
        yield Finding(
            "service.uncovered", f"service:{service}", Severity.RED, {"service": service, "waiting": waiting}
        )


def _cases(m: HallMoment, th: Thresholds, working_days: WorkingDays) -> Iterable[Finding]:
    for case in m.cases:
        left = working_days(m.today, case.due)
        detail = {
            "case": case.id,
            "ticket": case.ticket,
            "due": case.due.isoformat(),
            "working_days_left": left,
        }
        if left < 0:
            yield Finding("case.overdue", f"case:{case.id}", Severity.RED, detail)  # 催办警告
        elif left == 0:
            yield Finding("case.due", f"case:{case.id}", Severity.YELLOW, detail)  # 催办
        elif left <= th.case_warning_days:
            yield Finding("case.due_soon", f"case:{case.id}", Severity.YELLOW, detail)  # 催办预告


def _follow_ups(m: HallMoment, working_days: WorkingDays) -> Iterable[Finding]:
    for f in m.follow_ups:
        left = working_days(m.today, f.due)
        detail = {
            "follow_up": f.id,
            "stage": f.stage,
            "ticket": f.ticket,
            "due": f.due.isoformat(),
            "working_days_left": left,
        }
        if left < 0:
            yield Finding("evaluation.follow_up_overdue", f"follow_up:{f.id}", Severity.RED, detail)
        elif left == 0:
            yield Finding("evaluation.follow_up_due", f"follow_up:{f.id}", Severity.YELLOW, detail)


def _devices(m: HallMoment, th: Thresholds) -> Iterable[Finding]:
    for d in m.devices:
        subject = f"{d.kind}:{d.name}"
        if _minutes(m.now, d.last_seen) >= th.device_silence:
            yield Finding("device.silent", subject, Severity.RED, {"device": d.name, "kind": d.kind})
        elif d.state in TROUBLE:
            yield Finding(
                "device.trouble",
                subject,
                TROUBLE[d.state],
                {"device": d.name, "kind": d.kind, "state": d.state},
            )


def _outbox(m: HallMoment) -> Iterable[Finding]:
    for d in m.outbox:
        detail = {"destination": d.destination, "failing": d.failing, "dead": d.dead}
        if d.dead:
            yield Finding("outbox.dead", f"outbox:{d.destination}", Severity.RED, detail)
        elif d.failing:
            yield Finding("outbox.failing", f"outbox:{d.destination}", Severity.YELLOW, detail)


def evaluate(moment: HallMoment, thresholds: Thresholds, working_days: WorkingDays) -> list[Finding]:
    """Every alert that should be standing at ``moment``."""
    return [
        *_long_waits(moment, thresholds),
        *_away_windows(moment, thresholds),
        *_uncovered(moment),
        *_cases(moment, thresholds, working_days),
        *_devices(moment, thresholds),
        *_follow_ups(moment, working_days),
        *_outbox(moment),
    ]


@dataclass(frozen=True)
class Standing:
    """An alert already raised and not yet cleared."""

    id: int
    rule: str
    subject: str
    severity: Severity


@dataclass(frozen=True)
class Changes:
    """What to do to the stored alerts."""

    raise_: tuple[Finding, ...]
    escalate: tuple[tuple[Standing, Finding], ...]
    clear: tuple[Standing, ...]


def reconcile(standing: Iterable[Standing], findings: Iterable[Finding]) -> Changes:
    """Compare the alerts standing with those that should: raise, change severity, clear."""
    wanted = {f.key: f for f in findings}
    have = {(s.rule, s.subject): s for s in standing}
    raise_ = tuple(f for k, f in wanted.items() if k not in have)
    escalate = tuple(
        (s, wanted[k]) for k, s in have.items() if k in wanted and wanted[k].severity != s.severity
    )
    clear = tuple(s for k, s in have.items() if k not in wanted)
    return Changes(raise_, escalate, clear)
