"""Daily supervision (督查): the alert history by rule, window or day with response times, and the
差评 follow-ups past their deadline (which the alert engine also raises as red lights)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from queue_server import contract as c
from queue_server.domain import supervision as sv
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import Rejected
from queue_server.domain.numbering import business_day
from queue_server.services.evaluations.ratings import list_follow_ups
from queue_server.services.operations.ports import AlertRow
from queue_server.services.unit_of_work import UnitOfWork

GROUPINGS = ("rule", "window", "day", "severity")


def _subject_ids(rows: list[AlertRow], kind: str) -> set[int]:
    prefix = kind + ":"
    return {
        int(r.subject[len(prefix) :])
        for r in rows
        if r.subject.startswith(prefix) and r.subject[len(prefix) :].isdigit()
    }


def _windows_of(uow: UnitOfWork, hall_id: int, rows: list[AlertRow]) -> dict[int, str | None]:
    """The window each alert concerns: its subject, its detail, or its case's / 差评's window."""
    numbers = {w.id: w.number for w in uow.catalogue(hall_id).windows.values()}
    cases = uow.stores.alerts.case_windows(sorted(_subject_ids(rows, "case")))
    follow_ups = uow.stores.alerts.follow_up_windows(sorted(_subject_ids(rows, "follow_up")))
    out: dict[int, str | None] = {}
    for r in rows:
        kind, _, ident = r.subject.partition(":")
        window: str | None = None
        if kind == "window":
            window = ident
        elif r.detail.get("window"):
            window = str(r.detail["window"])
        elif kind == "case" and ident.isdigit():
            window = _number(numbers, cases.get(int(ident)))
        elif kind == "follow_up" and ident.isdigit():
            window = _number(numbers, follow_ups.get(int(ident)))
        out[r.id] = window
    return out


def _number(numbers: dict[int, str], window_id: int | None) -> str | None:
    return numbers.get(window_id) if window_id is not None else None


def _times(x: sv.Times) -> c.ResponseTimes:
    return c.ResponseTimes(count=x.count, mean=x.mean, median=x.median, max=x.max)


def _row(g: sv.Group) -> c.AlertGroup:
    return c.AlertGroup(
        key=g.key,
        raised=g.raised,
        red=g.red,
        open=g.open,
        acknowledge=_times(g.acknowledge),
        clear=_times(g.clear),
    )


def alert_history(
    uow: UnitOfWork, actor: Actor, by: str, start: date | None, end: date | None, rule: str | None = None
) -> c.AlertHistory:
    """Alerts raised on local days start..end (default: the last 30 days), grouped ``by``."""
    actor.require(Permission.MANAGE_HALL)
    if by not in GROUPINGS:
        raise Rejected("request.invalid", detail=f"by: one of {', '.join(GROUPINGS)}")
    timezone = uow.catalogue(actor.hall_id).timezone
    zone = ZoneInfo(timezone)
    end = end or business_day(uow.now, timezone)
    start = start or end - timedelta(days=29)
    if start > end:
        raise Rejected("request.invalid", detail="from after to")
    lower = datetime.combine(start, datetime.min.time(), zone)
    upper = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone)
    rows = uow.stores.alerts.raised_between(actor.hall_id, lower, upper, rule)
    windows = _windows_of(uow, actor.hall_id, rows)
    records = [
        sv.AlertRecord(r.id, r.rule, windows[r.id], r.severity, r.raised_at, r.acknowledged_at, r.cleared_at)
        for r in rows
    ]
    keys: dict[str, Callable[[sv.AlertRecord], str]] = {
        "rule": lambda a: a.rule,
        "window": lambda a: a.window or "",
        "day": lambda a: a.raised_at.astimezone(zone).date().isoformat(),
        "severity": lambda a: a.severity,
    }
    total = sv.group(records, lambda _a: "all")
    alerts = []
    for r in reversed(rows):
        data = r.public()
        ack = (r.acknowledged_at - r.raised_at).total_seconds() if r.acknowledged_at else None
        clear = (r.cleared_at - r.raised_at).total_seconds() if r.cleared_at else None
        alerts.append(
            c.SupervisedAlert.model_validate(
                {**data, "window": windows[r.id], "acknowledge_seconds": ack, "clear_seconds": clear}
            )
        )
    empty = sv.Group("all", 0, 0, 0, sv.times([]), sv.times([]))
    return c.AlertHistory(
        by=by,
        date_from=start,
        date_to=end,
        total=_row(total[0] if total else empty),
        rows=[_row(g) for g in sv.group(records, keys[by])],
        alerts=alerts[:500],
    )


def overdue_follow_ups(uow: UnitOfWork, actor: Actor) -> list[c.FollowUpPublic]:
    """Open 差评 follow-ups past their current stage's deadline, earliest due first."""
    return [f for f in list_follow_ups(uow, actor, open_only=True) if f.overdue]
