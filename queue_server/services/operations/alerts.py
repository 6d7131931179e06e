"""The alert engine: looks at the hall, raises and clears yellow and red lights as events."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select, update

from queue_server import contract as c
from queue_server.adapters import tables as t
from queue_server.domain import alerts as rules
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound
from queue_server.domain.numbering import business_day
from queue_server.services.cases.outcomes import deadline
from queue_server.services.evaluations.ratings import open_follow_up_dues
from queue_server.services.operations.alert_names import named
from queue_server.services.unit_of_work import UnitOfWork

SYSTEM = "system"


def _moment(uow: UnitOfWork, hall_id: int) -> rules.HallMoment:
    catalogue = uow.catalogue(hall_id)
    conn = uow.repo.conn
    waiting_rows = list(
        conn.execute(
            select(t.tickets.c.number, t.tickets.c.service_id, t.tickets.c.issued_at).where(
                t.tickets.c.hall_id == hall_id, t.tickets.c.status == "waiting"
            )
        )
    )
    code = {s.id: s.code for s in catalogue.services.values()}
    windows = uow.repo.window_rows(hall_id)
    open_ids = {w.id for w in windows if w.status == "open"}
    waiting_count: dict[str, int] = {}
    for row in waiting_rows:
        waiting_count[code.get(row.service_id, "")] = waiting_count.get(code.get(row.service_id, ""), 0) + 1
    uncovered = tuple(
        (service, count)
        for service, count in sorted(waiting_count.items())
        if service and not any(w.id in open_ids for w in catalogue.windows_serving(service, uow.now))
    )
    cases = [
        rules.OpenCase(r.id, str(r.ticket_id), due)
        for r in conn.execute(select(t.cases).where(t.cases.c.hall_id == hall_id, t.cases.c.status == "open"))
        if (due := deadline(r)) is not None
    ]
    devices = [
        rules.DeviceReport(r.kind, r.device, r.state, r.last_seen_at)
        for r in conn.execute(select(t.devices).where(t.devices.c.hall_id == hall_id))
    ]
    return rules.HallMoment(
        now=uow.now,
        today=business_day(uow.now, catalogue.timezone),
        waiting=tuple(
            rules.WaitingTicket(r.number, code.get(r.service_id, ""), r.issued_at) for r in waiting_rows
        ),
        paused=tuple(
            rules.PausedWindow(catalogue.windows[w.id].number, w.pause_reason, w.status_since)
            for w in windows
            if w.status == "paused" and w.status_since is not None
        ),
        uncovered=uncovered,
        cases=tuple(cases),
        devices=tuple(devices),
        follow_ups=tuple(rules.OpenFollowUp(*due) for due in open_follow_up_dues(uow, hall_id)),
    )


def thresholds(uow: UnitOfWork, hall_id: int) -> rules.Thresholds:
    """The hall's thresholds as stored in its settings."""
    stored = uow.repo.conn.execute(select(t.halls.c.settings).where(t.halls.c.id == hall_id)).scalar()
    return rules.Thresholds.from_dict((stored or {}).get("alerts", {}))


def run_alerts(uow: UnitOfWork, hall_id: int) -> rules.Changes:
    """Evaluate every rule now; raise, escalate and clear alerts with an event row and a live event."""
    return apply_findings(uow, hall_id, findings(uow, hall_id))


def findings(uow: UnitOfWork, hall_id: int) -> list[rules.Finding]:
    """What every rule finds in the hall now; a read (the housekeeping runs it off the writer)."""
    calendar = uow.catalogue(hall_id).settings.working_days  # 催办 counts statutory working days
    moment, limits = _moment(uow, hall_id), thresholds(uow, hall_id)
    return list(rules.evaluate(moment, limits, calendar.working_days_between))


def apply_findings(
    uow: UnitOfWork, hall_id: int, found: list[rules.Finding], limit: int | None = None
) -> rules.Changes:
    """Raise, escalate and clear alerts so the standing ones match ``found``, at most ``limit``
    changes at a time (a housekeeping chunk: call again until nothing changes)."""
    conn = uow.repo.conn
    standing = [
        rules.Standing(r.id, r.rule, r.subject, rules.Severity(r.severity))
        for r in conn.execute(
            select(t.alerts).where(t.alerts.c.hall_id == hall_id, t.alerts.c.cleared_at.is_(None))
        )
    ]
    changes = rules.reconcile(standing, found)
    if limit is not None:
        changes = _first(changes, limit)
    system = Actor(hall_id=hall_id, role="admin", name=SYSTEM)
    for finding in changes.raise_:
        values = {
            "hall_id": hall_id,
            "rule": finding.rule,
            "subject": finding.subject,
            "severity": finding.severity.value,
            "raised_at": uow.now,
            "detail": finding.detail,
        }
        alert_id = conn.execute(t.alerts.insert().returning(t.alerts.c.id), values).scalar_one()
        _announce(uow, system, "alert.raised", {"id": alert_id, **values, "raised_at": uow.now.isoformat()})
    for old, finding in changes.escalate:
        conn.execute(
            update(t.alerts)
            .where(t.alerts.c.id == old.id)
            .values(severity=finding.severity.value, detail=finding.detail)
        )
        _announce(
            uow,
            system,
            "alert.raised",
            {
                "id": old.id,
                "rule": old.rule,
                "subject": old.subject,
                "severity": finding.severity.value,
                "detail": finding.detail,
                "escalated": True,
            },
        )
    for old in changes.clear:
        conn.execute(update(t.alerts).where(t.alerts.c.id == old.id).values(cleared_at=uow.now))
        _announce(uow, system, "alert.cleared", {"id": old.id, "rule": old.rule, "subject": old.subject})
    return changes


def _first(changes: rules.Changes, limit: int) -> rules.Changes:
    """The first ``limit`` of ``changes``: clears, then escalations, then new alerts."""
    clear = changes.clear[:limit]
    escalate = changes.escalate[: limit - len(clear)]
    raise_ = changes.raise_[: limit - len(clear) - len(escalate)]
    return replace(changes, clear=clear, escalate=escalate, raise_=raise_)


def size(changes: rules.Changes) -> int:
    """How many alerts ``changes`` touches."""
    return len(changes.raise_) + len(changes.escalate) + len(changes.clear)


def _announce(uow: UnitOfWork, actor: Actor, type_: str, payload: dict[str, Any]) -> None:
    uow.record(actor, type_, data={k: v for k, v in payload.items() if k != "hall_id"})
    topics: tuple[str, ...] = ("manager",)
    subject = str(payload.get("subject", ""))
    if subject.startswith("window:"):
        topics = (*topics, subject)
    uow.emit(actor.hall_id, type_, topics, {k: v for k, v in payload.items() if k != "hall_id"})


def list_alerts(uow: UnitOfWork, actor: Actor, *, open_only: bool) -> list[c.AlertPublic]:
    """Standing alerts, or the history (newest first)."""
    actor.require(Permission.MANAGE_HALL)
    query = select(t.alerts).where(t.alerts.c.hall_id == actor.hall_id)
    if open_only:
        query = query.where(t.alerts.c.cleared_at.is_(None))
    rows = list(uow.repo.conn.execute(query.order_by(t.alerts.c.id.desc()).limit(5000)))
    return named(uow, actor.hall_id, [_public(row) for row in rows])


def acknowledge_many(uow: UnitOfWork, actor: Actor, ids: list[int]) -> list[c.AlertPublic]:
    """Bulk triage: acknowledge every alert of the list that stands unacknowledged, in one step."""
    actor.require(Permission.MANAGE_HALL)
    rows = list(
        uow.repo.conn.execute(
            select(t.alerts).where(t.alerts.c.hall_id == actor.hall_id, t.alerts.c.id.in_(ids))
        )
    )
    if len(rows) != len(set(ids)):
        raise NotFound("alert.not_found")
    fresh = [r for r in rows if r.acknowledged_at is None]
    if fresh:
        uow.repo.conn.execute(
            update(t.alerts)
            .where(t.alerts.c.id.in_([r.id for r in fresh]))
            .values(acknowledged_at=uow.now, acknowledged_by=actor.label)
        )
        uow.record(actor, "alert.acknowledged", data={"ids": [r.id for r in fresh], "bulk": True})
        uow.emit(actor.hall_id, "alert.acknowledged", ("manager",), {"ids": [r.id for r in fresh]})
    done = uow.repo.conn.execute(select(t.alerts).where(t.alerts.c.id.in_(ids)).order_by(t.alerts.c.id))
    return named(uow, actor.hall_id, [_public(row) for row in done])


def acknowledge(uow: UnitOfWork, actor: Actor, alert_id: int) -> c.AlertPublic:
    """A manager has seen the alert and is on it (response times count from raised to here)."""
    actor.require(Permission.MANAGE_HALL)
    row = uow.repo.conn.execute(select(t.alerts).where(t.alerts.c.id == alert_id)).first()
    if row is None or row.hall_id != actor.hall_id:
        raise NotFound("alert.not_found")
    if row.acknowledged_at is None:
        uow.repo.conn.execute(
            update(t.alerts)
            .where(t.alerts.c.id == alert_id)
            .values(acknowledged_at=uow.now, acknowledged_by=actor.label)
        )
        _announce(
            uow, actor, "alert.acknowledged", {"id": alert_id, "rule": row.rule, "subject": row.subject}
        )
    row = uow.repo.conn.execute(select(t.alerts).where(t.alerts.c.id == alert_id)).one()
    return named(uow, actor.hall_id, [_public(row)])[0]


def _public(row: Any) -> c.AlertPublic:
    return c.AlertPublic.model_validate({k: v for k, v in row._asdict().items() if k != "hall_id"})
