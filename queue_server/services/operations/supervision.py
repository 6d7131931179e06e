"""Daily supervision (督查): the alert history by rule, window or day with response times, and the
差评 follow-ups past their deadline (which the alert engine also raises as red lights)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from queue_server import contract as c
from queue_server.adapters import tables as t
from queue_server.domain import supervision as sv
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import Rejected
from queue_server.domain.numbering import business_day
from queue_server.services.evaluations.ratings import list_follow_ups
from queue_server.services.unit_of_work import UnitOfWork

GROUPINGS = ("rule", "window", "day", "severity")


def _subject_ids(rows: list[Any], kind: str) -> set[int]:
    prefix = kind + ":"
    return {
        int(r.subject[len(prefix) :])
        for r in rows
        if r.subject.startswith(prefix) and r.subject[len(prefix) :].isdigit()
    }


def _windows_of(uow: UnitOfWork, hall_id: int, rows: list[Any]) -> dict[int, str | None]:
    """The window each alert concerns: its subject, its detail, or its case's / 差评's window."""
    numbers = {w.id: w.number for w in uow.catalogue(hall_id).windows.values()}
    conn = uow.repo.conn
    cases: dict[int, Any] = {}
    if ids := _subject_ids(rows, "case"):
        cases = dict(
            conn.execute(select(t.cases.c.id, t.cases.c.window_id).where(t.cases.c.id.in_(ids))).all()
        )
    follow_ups: dict[int, Any] = {}
    if ids := _subject_ids(rows, "follow_up"):
        query = (
            select(t.evaluation_follow_ups.c.id, t.evaluations.c.window_id)
            .join(t.evaluations, t.evaluations.c.id == t.evaluation_follow_ups.c.evaluation_id)
            .where(t.evaluation_follow_ups.c.id.in_(ids))
        )
        follow_ups = dict(conn.execute(query).all())
    out: dict[int, str | None] = {}
    for r in rows:
        kind, _, ident = r.subject.partition(":")
        window: str | None = None
        if kind == "window":
            window = ident
        elif (r.detail or {}).get("window"):
            window = str(r.detail["window"])
        elif kind == "case" and ident.isdigit():
            window = numbers.get(cases.get(int(ident)))  # type: ignore[arg-type]
        elif kind == "follow_up" and ident.isdigit():
            window = numbers.get(follow_ups.get(int(ident)))  # type: ignore[arg-type]
        out[r.id] = window
    return out


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
    query = select(t.alerts).where(
        t.alerts.c.hall_id == actor.hall_id, t.alerts.c.raised_at >= lower, t.alerts.c.raised_at < upper
    )
    if rule:
        query = query.where(t.alerts.c.rule == rule)
    rows = list(uow.repo.conn.execute(query.order_by(t.alerts.c.raised_at, t.alerts.c.id)))
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
        data = {k: v for k, v in r._asdict().items() if k != "hall_id"}
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
