"""The alert engine: looks at the hall, raises and clears yellow and red lights as events."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from queue_server import contract as c
from queue_server.domain import alerts as rules
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound
from queue_server.domain.numbering import business_day
from queue_server.services.cases.outcomes import deadline
from queue_server.services.evaluations.ratings import open_follow_up_dues
from queue_server.services.operations.alert_names import named
from queue_server.services.operations.ports import AlertRow
from queue_server.services.unit_of_work import UnitOfWork

SYSTEM = "system"


def _moment(uow: UnitOfWork, hall_id: int) -> rules.HallMoment:
    catalogue = uow.catalogue(hall_id)
    waiting_rows = uow.stores.alerts.waiting_since(hall_id)
    code = {s.id: s.code for s in catalogue.services.values()}
    windows = uow.stores.windows.rows(hall_id)
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
        for r in uow.stores.alerts.open_cases(hall_id)
        if (due := deadline(r)) is not None
    ]
    devices = [
        rules.DeviceReport(r.kind, r.device, r.state, r.last_seen_at)
        for r in uow.stores.hall.devices(hall_id)
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
        outbox=tuple(rules.OutboxDestination(*trouble) for trouble in uow.stores.outbox.troubles(hall_id)),
    )


def thresholds(uow: UnitOfWork, hall_id: int) -> rules.Thresholds:
    """The hall's thresholds as stored in its settings."""
    stored = uow.stores.hall.rules(hall_id).settings
    return rules.Thresholds.from_dict(stored.get("alerts", {}))


def run_alerts(uow: UnitOfWork, hall_id: int) -> rules.Changes:
    """Evaluate every rule now; raise, escalate and clear alerts with an event row and a live event."""
    return apply_changes(uow, hall_id, plan(uow, hall_id))


def findings(uow: UnitOfWork, hall_id: int) -> list[rules.Finding]:
    """What every rule finds in the hall now; a read (the housekeeping runs it off the writer)."""
    calendar = uow.catalogue(hall_id).settings.working_days  # 催办 counts statutory working days
    moment, limits = _moment(uow, hall_id), thresholds(uow, hall_id)
    return list(rules.evaluate(moment, limits, calendar.working_days_between))


def plan(uow: UnitOfWork, hall_id: int) -> rules.Changes:
    """The changes that make the standing alerts match what the rules find now: a read of the whole
    hall (open cases, follow-ups, waiting tickets, standing alerts), so the housekeeping runs it on a
    reader and hands the writer only the changes, a few at a time (``split``)."""
    standing = [
        rules.Standing(r.id, r.rule, r.subject, rules.Severity(r.severity))
        for r in uow.stores.alerts.standing(hall_id)
    ]
    return rules.reconcile(standing, findings(uow, hall_id))


def apply_changes(uow: UnitOfWork, hall_id: int, changes: rules.Changes) -> rules.Changes:
    """Raise, escalate and clear alerts as planned; each change only where the alert it acts on is
    still as the plan saw it (a plan read a moment ago never raises an alert twice, clears one twice
    or announces a change nobody made). Returns the changes made."""
    alerts = uow.stores.alerts
    system = Actor(hall_id=hall_id, role="admin", name=SYSTEM)
    raised: list[rules.Finding] = []
    for finding in changes.raise_:
        values = {
            "hall_id": hall_id,
            "rule": finding.rule,
            "subject": finding.subject,
            "severity": finding.severity.value,
            "raised_at": uow.now,
            "detail": finding.detail,
        }
        alert_id = alerts.raise_(
            hall_id, finding.rule, finding.subject, finding.severity.value, uow.now, finding.detail
        )
        if alert_id is None:
            continue
        raised.append(finding)
        _announce(uow, system, "alert.raised", {"id": alert_id, **values, "raised_at": uow.now.isoformat()})
    escalated: list[tuple[rules.Standing, rules.Finding]] = []
    for old, finding in changes.escalate:
        if not alerts.escalate(old.id, finding.severity.value, finding.detail):
            continue
        escalated.append((old, finding))
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
    cleared: list[rules.Standing] = []
    for old in changes.clear:
        if not alerts.clear(old.id, uow.now):
            continue
        cleared.append(old)
        _announce(uow, system, "alert.cleared", {"id": old.id, "rule": old.rule, "subject": old.subject})
    return rules.Changes(tuple(raised), tuple(escalated), tuple(cleared))


def split(changes: rules.Changes, limit: int) -> tuple[rules.Changes, rules.Changes]:
    """The first ``limit`` of ``changes`` (clears, then escalations, then new alerts) and the rest."""
    clear = changes.clear[:limit]
    escalate = changes.escalate[: limit - len(clear)]
    raise_ = changes.raise_[: limit - len(clear) - len(escalate)]
    rest = rules.Changes(
        changes.raise_[len(raise_) :], changes.escalate[len(escalate) :], changes.clear[len(clear) :]
    )
    return replace(changes, clear=clear, escalate=escalate, raise_=raise_), rest


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
    rows = uow.stores.alerts.latest(actor.hall_id, open_only=open_only, limit=5000)
    return named(uow, actor.hall_id, [_public(row) for row in rows])


def acknowledge_many(uow: UnitOfWork, actor: Actor, ids: list[int]) -> list[c.AlertPublic]:
    """Bulk triage: acknowledge every alert of the list that stands unacknowledged, in one step."""
    actor.require(Permission.MANAGE_HALL)
    rows = uow.stores.alerts.by_ids(actor.hall_id, ids)
    if len(rows) != len(set(ids)):
        raise NotFound("alert.not_found")
    fresh = [r for r in rows if r.acknowledged_at is None]
    if fresh:
        uow.stores.alerts.acknowledge([r.id for r in fresh], uow.now, actor.label)
        uow.record(actor, "alert.acknowledged", data={"ids": [r.id for r in fresh], "bulk": True})
        uow.emit(actor.hall_id, "alert.acknowledged", ("manager",), {"ids": [r.id for r in fresh]})
    done = uow.stores.alerts.by_ids(actor.hall_id, ids)
    return named(uow, actor.hall_id, [_public(row) for row in done])


def acknowledge(uow: UnitOfWork, actor: Actor, alert_id: int) -> c.AlertPublic:
    """A manager has seen the alert and is on it (response times count from raised to here)."""
    actor.require(Permission.MANAGE_HALL)
    row = uow.stores.alerts.get(alert_id)
    if row is None or row.hall_id != actor.hall_id:
        raise NotFound("alert.not_found")
    if row.acknowledged_at is None:
        uow.stores.alerts.acknowledge([alert_id], uow.now, actor.label)
        _announce(
            uow, actor, "alert.acknowledged", {"id": alert_id, "rule": row.rule, "subject": row.subject}
        )
    row = uow.stores.alerts.get(alert_id)
    if row is None:  # acknowledged a moment ago in this same transaction
        raise NotFound("alert.not_found")
    return named(uow, actor.hall_id, [_public(row)])[0]


def _public(row: AlertRow) -> c.AlertPublic:
    return c.AlertPublic.model_validate(row.public())
