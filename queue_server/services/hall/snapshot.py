"""Read handlers: the hall snapshot, the service catalogue with live queues, one window."""

from __future__ import annotations

from queue_server import contract as c
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound
from queue_server.domain.hall import HallCatalogue
from queue_server.services.assessment.scores import rectification_until
from queue_server.services.desk.ports import WindowRow
from queue_server.services.hall.ports import ServiceEntry
from queue_server.services.hall.views import wait_estimate, window_public
from queue_server.services.unit_of_work import UnitOfWork

RECENT_CALLS = 10


def hall_snapshot(uow: UnitOfWork, actor: Actor, zone: str | None = None) -> c.HallSnapshot:
    """Windows, who serves what, the queues and the latest calls (optionally of one zone)."""
    actor.require(Permission.READ_HALL)
    catalogue = uow.catalogue(actor.hall_id)
    rows = uow.stores.windows.rows(actor.hall_id)
    windows = _windows(uow, catalogue, rows, zone)
    waiting = uow.stores.tickets.waiting_by_service(actor.hall_id)
    open_ids = {r.id for r in rows if r.status == "open"}
    queues = []
    for service in sorted(catalogue.services.values(), key=lambda s: s.code):
        count, oldest = waiting.get(service.id, (0, None))
        serving = [w for w in catalogue.windows_serving(service.code, uow.now) if w.id in open_ids]
        if zone is not None and not any(
            w.zone == zone for w in catalogue.windows_serving(service.code, uow.now)
        ):
            continue
        queues.append(
            c.QueueStat(
                service_code=service.code,
                service_name=service.name,
                waiting=count,
                longest_wait_seconds=int((uow.now - oldest).total_seconds()) if oldest else 0,
                estimated_wait_seconds=wait_estimate(uow, catalogue, service.id, count),
                windows_open=len(serving),
            )
        )
    calls = []
    for event in uow.stores.hall.recent_calls(actor.hall_id, RECENT_CALLS * 3):
        window = catalogue.windows.get(event.window_id) if event.window_id else None
        if window is None or (zone is not None and window.zone != zone):
            continue
        called = catalogue.services.get(event.service_id) if event.service_id else None
        calls.append(
            c.RecentCall(
                number=event.number,
                window=window.number,
                service_code=called.code if called else "",
                at=event.at,
                recall=event.type == "ticket.recalled",
            )
        )
    return c.HallSnapshot(
        hall=c.HallInfo(
            code=catalogue.code,
            name=catalogue.name,
            name_en=catalogue.name_en,
            timezone=catalogue.timezone,
            notice=catalogue.notice,
            now=uow.now,
            sms_notices=catalogue.settings.notices.enabled,
        ),
        windows=windows,
        queues=queues,
        recent_calls=calls[:RECENT_CALLS],
    )


def window_view(uow: UnitOfWork, actor: Actor, number: str) -> c.WindowPublic:
    """One window as its screen and its clerk see it."""
    actor.require(Permission.READ_HALL)
    catalogue = uow.catalogue(actor.hall_id)
    window = catalogue.window(number)
    view = _windows(uow, catalogue, [uow.stores.windows.row(window.id)], None)[0]
    view.rectification_until = rectification_until(uow, actor.hall_id, window.id)  # 限期整改窗口 sign
    return view


def _windows(
    uow: UnitOfWork, catalogue: HallCatalogue, rows: list[WindowRow], zone: str | None
) -> list[c.WindowPublic]:
    rows = [r for r in rows if zone is None or catalogue.windows[r.id].zone == zone]
    tickets = uow.stores.tickets.by_ids(r.current_ticket_id for r in rows if r.current_ticket_id)
    clerks = uow.stores.windows.clerks(r.clerk_id for r in rows if r.clerk_id)
    ordered = sorted(rows, key=lambda r: _natural(catalogue.windows[r.id].number))
    return [
        window_public(
            catalogue,
            r,
            tickets.get(r.current_ticket_id) if r.current_ticket_id else None,
            clerks.get(r.clerk_id) if r.clerk_id else None,
            uow.now,
        )
        for r in ordered
    ]


def _natural(number: str) -> tuple[str, int, str]:
    """Sort "2" before "10" and "A2" before "A10"."""
    head = number.rstrip("0123456789")
    digits = number[len(head) :]
    return (head, int(digits) if digits else 0, number)


def list_services(uow: UnitOfWork, actor: Actor) -> list[c.ServiceSummary]:
    """Every active service with its live queue."""
    actor.require(Permission.READ_CATALOGUE)
    return [s for s, _ in _services(uow, actor.hall_id)]


def service_detail(uow: UnitOfWork, actor: Actor, code: str) -> c.ServiceDetail:
    """One service with its full guide (办事指南)."""
    actor.require(Permission.READ_CATALOGUE)
    for summary, row in _services(uow, actor.hall_id, code):
        return c.ServiceDetail(**summary.model_dump(), guide=c.Guide.model_validate(row.guide))
    raise NotFound("service.not_found", code=code)


def _services(
    uow: UnitOfWork, hall_id: int, code: str | None = None
) -> list[tuple[c.ServiceSummary, ServiceEntry]]:
    catalogue = uow.catalogue(hall_id)
    waiting = uow.stores.tickets.waiting_counts(hall_id)
    open_ids = uow.open_window_ids(hall_id)
    out = []
    for row in uow.stores.hall.service_entries(hall_id, code):
        count = waiting.get(row.id, 0)
        out.append(
            (
                c.ServiceSummary(
                    code=row.code,
                    name=row.name,
                    name_en=row.name_en,
                    prefix=row.prefix,
                    department=row.department,
                    department_name=row.department_name,
                    theme=row.theme,
                    category=c.ServiceCategory(row.category),
                    case_type=c.CaseType(row.case_type),
                    daily_cap=row.daily_cap,
                    priority_allowed=row.priority_allowed,
                    keywords=list(row.keywords),
                    waiting=count,
                    estimated_wait_seconds=wait_estimate(uow, catalogue, row.id, count),
                    windows_open=sum(
                        1 for w in catalogue.windows_serving(row.code, uow.now) if w.id in open_ids
                    ),
                ),
                row,
            )
        )
    return out
