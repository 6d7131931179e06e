"""What the hall manager's console reads and changes beyond the clerk's actions.

The allocation matrix (every window's assignments at once), window status set by the manager
(audited with before and after), the devices' last reports, a day's bookings with their check-ins,
and the audit log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from queue_server import contract as c
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import Rejected
from queue_server.services.cases.slots import slot_public
from queue_server.services.desk import windows
from queue_server.services.desk.assignments import read_assignments
from queue_server.services.hall.snapshot import _natural as natural_order
from queue_server.services.hall.snapshot import window_view
from queue_server.services.operations.alerts import thresholds
from queue_server.services.unit_of_work import UnitOfWork

AUDIT_LIMIT = 500


def all_assignments(uow: UnitOfWork, actor: Actor) -> list[c.WindowAssignments]:
    """Every window's assignments (all seasons), windows in their natural order: the matrix."""
    actor.require(Permission.READ_HALL)
    catalogue = uow.catalogue(actor.hall_id)
    numbers = sorted((w.number for w in catalogue.windows.values()), key=natural_order)
    return [read_assignments(uow, actor, number) for number in numbers]


def set_window_status(
    uow: UnitOfWork, actor: Actor, number: str, change: c.WindowStatusChange
) -> c.WindowPublic:
    """Open, pause or close a window from the console; the board follows; audited before/after.

    Opening keeps whoever was recorded as the window's clerk: the manager does not become the
    clerk of a window by opening it.
    """
    actor.require(Permission.MANAGE_HALL)
    before = window_view(uow, actor, number)
    if change.status != before.status:
        if change.status == c.WindowStatus.OPEN and before.status == c.WindowStatus.PAUSED:
            windows.resume(uow, actor, number)
        elif change.status == c.WindowStatus.OPEN:
            window_id = uow.catalogue(actor.hall_id).window(number).id
            clerk_id = uow.stores.windows.row(window_id).clerk_id
            windows.open_window(uow, actor, number)
            uow.stores.windows.update(window_id, clerk_id=clerk_id)
        elif change.status == c.WindowStatus.PAUSED:
            windows.pause(uow, actor, number, c.Pause(reason=change.reason))
        else:
            windows.close_window(uow, actor, number)
    elif change.status == c.WindowStatus.PAUSED and change.reason != before.pause_reason:
        windows.pause(uow, actor, number, c.Pause(reason=change.reason))
    after = window_view(uow, actor, number)
    detail = {"before": _status_of(before), "after": _status_of(after)}
    uow.audit(actor, "window.status", f"window:{number}", detail)
    return after


def _status_of(window: c.WindowPublic) -> dict[str, Any]:
    return {
        "status": window.status.value,
        "pause_reason": window.pause_reason.value if window.pause_reason else None,
        "clerk": window.clerk.name if window.clerk else None,
    }


def device_reports(uow: UnitOfWork, actor: Actor) -> list[c.DeviceReport]:
    """Each device's last report; ``silent`` when it has not reported within the hall's threshold."""
    actor.require(Permission.MANAGE_HALL)
    silence = thresholds(uow, actor.hall_id).device_silence * 60
    return [
        c.DeviceReport(
            kind=c.DeviceKind(r.kind),
            device=r.device,
            state=c.DeviceState(r.state),
            detail=r.detail,
            last_seen_at=r.last_seen_at,
            silent=(uow.now - r.last_seen_at).total_seconds() >= silence,
        )
        for r in uow.stores.hall.devices(actor.hall_id)
    ]


def bookings_of_day(
    uow: UnitOfWork, actor: Actor, day: date, service_code: str | None, status: c.AppointmentStatus | None
) -> c.BookingsDay:
    """A day's bookings by slot time, with check-ins and the day's counts (personal data masked)."""
    actor.require(Permission.MANAGE_HALL)
    catalogue = uow.catalogue(actor.hall_id)
    service_id = catalogue.service(service_code).id if service_code else None
    rows = [
        r
        for r in uow.stores.hall.bookings_on(actor.hall_id, day, service_id)
        if r.service_id in catalogue.services
    ]
    tickets = uow.stores.tickets.by_ids(r.ticket_id for r in rows if r.ticket_id)
    counts = {s.value: 0 for s in c.AppointmentStatus}
    out = []
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
        if status is not None and row.status != status.value:
            continue
        ticket = tickets.get(row.ticket_id) if row.ticket_id else None
        out.append(
            c.AppointmentPublic(
                code=row.code,
                status=c.AppointmentStatus(row.status),
                channel=c.AppointmentChannel(row.channel),
                slot=slot_public(catalogue, row.slot),
                phone_masked=row.phone_masked,
                id_masked=row.id_masked,
                created_at=row.created_at,
                checked_in_at=row.checked_in_at,
                ticket=ticket.number if ticket else None,
            )
        )
    return c.BookingsDay(
        day=day,
        bookings=out,
        booked=counts["booked"],
        checked_in=counts["checked_in"],
        missed=counts["missed"],
        cancelled=counts["cancelled"],
    )


def audit_entries(
    uow: UnitOfWork,
    actor: Actor,
    *,
    action: str | None = None,
    subject: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[c.AuditEntry]:
    """The audit log, newest first: ``action`` matches a prefix ("assignments", "window.status")."""
    actor.require(Permission.MANAGE_HALL)
    if not 1 <= limit <= AUDIT_LIMIT:
        raise Rejected("request.invalid", detail=f"limit between 1 and {AUDIT_LIMIT}")
    lines = uow.stores.hall.audit_lines(
        actor.hall_id, action=action, subject=subject, since=since, limit=limit
    )
    return [
        c.AuditEntry(at=r.at, actor=r.actor, action=r.action, subject=r.subject, detail=r.detail)
        for r in lines
    ]
