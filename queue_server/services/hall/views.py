"""Rows and domain objects turned into the wire contract's public shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from queue_server import contract as c
from queue_server.domain.estimates import estimated_wait_seconds
from queue_server.domain.hall import HallCatalogue, WindowItem
from queue_server.services.desk.ports import Clerk, WindowRow
from queue_server.services.tickets.ports import TicketRow
from queue_server.services.unit_of_work import UnitOfWork


def ticket_public(
    uow: UnitOfWork, catalogue: HallCatalogue, row: TicketRow, people_ahead: int | None = None
) -> c.TicketPublic:
    """A ticket as its holder sees it, with people ahead and the estimated wait while it waits."""
    service = catalogue.services[row.service_id]
    window = catalogue.windows.get(row.window_id) if row.window_id else None
    estimate: int | None = None
    serving: int | None = None
    if row.status == "waiting":
        if people_ahead is None:
            people_ahead = uow.stores.tickets.count_ahead(row)
        serving = serving_windows(uow, catalogue, service.id)
        estimate = wait_estimate(uow, catalogue, service.id, people_ahead)
    shown = window if window and row.status in ("called", "serving", "parked") else None
    return c.TicketPublic(
        token=row.token,
        number=row.number,
        service_code=service.code,
        service_name=service.name,
        status=row.status,
        priority_class=_priority(row),
        priority_confirmed=bool(row.priority_confirmed),
        people_ahead=people_ahead or 0,
        estimated_wait_seconds=estimate,
        issued_at=row.issued_at,
        window=shown.number if shown else None,
        called_at=row.called_at,
        recalls=row.recalls,
        status_url=f"/t/{row.token}",
        id_masked=row.id_masked,
        phone_masked=row.phone_masked,
        paper=row.paper,
        print_failed=row.print_failed,
        channel=row.channel,
        appointment_at=row.appointment_at,
        serving_windows=serving,
        **_place(uow, catalogue, shown),
        **_transfer(uow, catalogue, row),
        **_outcome(uow, row),
    )


def _priority(row: TicketRow) -> c.PriorityClass | None:
    return c.PriorityClass(row.priority_class) if row.priority_class else None


def _place(uow: UnitOfWork, catalogue: HallCatalogue, window: WindowItem | None) -> dict[str, Any]:
    """The called window's name, zone and floor: "请到 7 号窗口" alone does not find it in a big hall."""
    if window is None:
        return {}
    place: dict[str, Any] = {"window_name": window.name or None}
    if window.zone:
        zone = uow.stores.hall.zone_place(catalogue.id, window.zone)
        if zone is not None:
            place.update(zone_name=zone.name or None, floor=zone.floor or None)
    return place


def _transfer(uow: UnitOfWork, catalogue: HallCatalogue, row: TicketRow) -> dict[str, Any]:
    """转移: a waiting ticket that was sent on says where it now waits."""
    if row.status != "waiting":
        return {}
    if not uow.stores.tickets.was_transferred(row.id):
        return {}
    target = catalogue.windows.get(row.target_window_id) if row.target_window_id else None
    return {
        "transferred_to_window": target.number if target else None,
        "transferred_to_service": catalogue.services[row.service_id].name,
    }


def _outcome(uow: UnitOfWork, row: TicketRow) -> dict[str, Any]:
    """办结: the case's outcome in the citizen's terms (承诺 date, 补正 items, reasons, where to)."""
    if row.status != "concluded":
        return {}
    case = uow.stores.tickets.outcome(row.id)
    if case is None:
        return {}
    return {
        "outcome": case.outcome,
        "promised_date": case.promised_date,
        "missing_items": list(case.missing_items),
        "refused_reasons": case.reasons,
        "referred_to": case.referred_to,
    }


def serving_windows(uow: UnitOfWork, catalogue: HallCatalogue, service_id: int) -> int:
    """How many open windows serve the service now (0: nobody can call its tickets)."""
    service = catalogue.services[service_id]
    open_ids = uow.open_window_ids(catalogue.id)
    return sum(1 for w in catalogue.windows_serving(service.code, uow.now) if w.id in open_ids)


def wait_estimate(
    uow: UnitOfWork, catalogue: HallCatalogue, service_id: int, people_ahead: int, serving: int | None = None
) -> int | None:
    """Estimated wait from the live handling mean and the open windows serving the service now
    (``serving``: their count, when the caller has it already)."""
    service = catalogue.services[service_id]
    if serving is None:
        serving = serving_windows(uow, catalogue, service_id)
    return estimated_wait_seconds(people_ahead, uow.handling(service_id, service.avg_handle_seconds), serving)


def window_ticket(catalogue: HallCatalogue, row: TicketRow, now: datetime) -> c.WindowTicket:
    """The ticket a window is on, as the clerk and the screens see it."""
    service = catalogue.services[row.service_id]
    waited = (row.called_at or now) - row.issued_at
    return c.WindowTicket(
        number=row.number,
        token=row.token,
        service_code=service.code,
        service_name=service.name,
        status=row.status,
        priority_class=_priority(row),
        called_at=row.called_at,
        recalls=row.recalls,
        waited_seconds=int(waited.total_seconds()),
    )


def window_public(
    catalogue: HallCatalogue, row: WindowRow, ticket: TicketRow | None, clerk: Clerk | None, now: datetime
) -> c.WindowPublic:
    """A window with its status, clerk, current ticket and the services it serves now."""
    window = catalogue.windows[row.id]
    return c.WindowPublic(
        number=window.number,
        name=window.name,
        type=c.WindowType(window.type),
        zone=window.zone,
        status=c.WindowStatus(row.status),
        pause_reason=c.PauseReason(row.pause_reason) if row.pause_reason else None,
        status_since=row.status_since,
        clerk=c.Clerk(staff_no=clerk.staff_no, name=clerk.name) if clerk is not None else None,
        current=window_ticket(catalogue, ticket, now) if ticket is not None else None,
        services=[a.service for a in catalogue.assignments_now(window, now)],
    )


def call_payload(
    catalogue: HallCatalogue, row: TicketRow, window_number: str, recall: bool
) -> dict[str, Any]:
    """What boards need to show and speak a call."""
    window = catalogue.by_number[window_number]
    service = catalogue.services[row.service_id]
    return {
        "number": row.number,
        "window": window.number,
        "window_name": window.name,
        "zone": window.zone,
        "service_code": service.code,
        "service_name": service.name,
        "recall": recall,
        "recalls": row.recalls,
    }
