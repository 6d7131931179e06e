"""The clerk console's reads: the window's ticket with its guide, its queue, set-aside tickets and the
clerk's own day, all derived from ticket rows and the event record."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from queue_server import contract as c
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.hall import HallCatalogue, WindowItem
from queue_server.domain.numbering import business_day
from queue_server.services.desk.ports import WindowEvent
from queue_server.services.hall import snapshot as hall
from queue_server.services.hall.views import window_ticket
from queue_server.services.tickets.ports import TicketRow
from queue_server.services.unit_of_work import UnitOfWork

NEXT_SHOWN = 5  # numbers listed per service in the window's queue

# event type → the ClerkToday counter it feeds
COUNTED = {
    "ticket.called": "called",
    "ticket.called_back": "called",
    "ticket.concluded": "served",
    "ticket.no_show": "no_shows",
    "ticket.transferred": "transferred",
    "ticket.parked": "parked",
    "ticket.recalled": "recalls",
}


def desk(uow: UnitOfWork, actor: Actor, number: str) -> c.ClerkDesk:
    """Everything the clerk at window ``number`` sees, in one read."""
    actor.require(Permission.OPERATE_WINDOW, window=number)
    catalogue = uow.catalogue(actor.hall_id)
    window = catalogue.window(number)
    public = hall.window_view(uow, actor, number)
    row = uow.stores.windows.row(window.id)
    current = uow.stores.tickets.by_id(row.current_ticket_id) if row.current_ticket_id else None
    waiting = uow.stores.desk.waiting_here(catalogue.id, _serving_ids(uow, catalogue, window), window.id)
    return c.ClerkDesk(
        window=public,
        serving_here=row.clerk_id is not None and row.clerk_id == actor.user_id,
        current=_desk_ticket(uow, catalogue, current) if current is not None else None,
        queue=_queue(uow, catalogue, window, waiting),
        sent_here=[r.number for r in waiting if r.target_window_id == window.id],
        aside=_aside(uow, catalogue, window),
        today=today(uow, actor, number),
        evaluation=_evaluation(uow, window),
        windows=[w.number for w in sorted(catalogue.windows.values(), key=lambda w: _natural(w.number))],
        now=uow.now,
    )


def _natural(number: str) -> tuple[str, int, str]:
    head = number.rstrip("0123456789")
    digits = number[len(head) :]
    return (head, int(digits) if digits else 0, number)


def _desk_ticket(uow: UnitOfWork, catalogue: HallCatalogue, row: TicketRow) -> c.DeskTicket:
    """The window's ticket with masked personal data, its guide, and where it came from if sent here."""
    guide = uow.stores.desk.service_guide(row.service_id)
    moved = uow.stores.desk.last_transfer(row.id)
    source = catalogue.windows.get(moved.from_window_id) if moved and moved.from_window_id else None
    return c.DeskTicket(
        **window_ticket(catalogue, row, uow.now).model_dump(),
        issued_at=row.issued_at,
        started_at=row.started_at,
        recall_limit=catalogue.settings.recall_limit,
        priority_confirmed=bool(row.priority_confirmed),
        id_masked=row.id_masked,
        phone_masked=row.phone_masked,
        transferred_from=source.number if source is not None else None,
        transfer_reason=moved.reason if moved is not None else "",
        guide=c.Guide.model_validate(guide),
    )


def _serving_ids(uow: UnitOfWork, catalogue: HallCatalogue, window: WindowItem) -> list[int]:
    return [catalogue.by_code[a.service].id for a in catalogue.assignments_now(window, uow.now)]


def _queue(
    uow: UnitOfWork, catalogue: HallCatalogue, window: WindowItem, waiting: list[TicketRow]
) -> list[c.DeskQueue]:
    """The services the window serves now, in its order, with who waits for each (priority first)."""
    assignments = catalogue.assignments_now(window, uow.now)
    # a ticket sent to another window waits for that window only (those come without their target)
    rows = [r for r in waiting if r.target_window_id in (None, window.id)]
    out = []
    for assignment in assignments:
        service = catalogue.by_code[assignment.service]
        mine = [r for r in rows if r.service_id == service.id]
        mine.sort(key=lambda r: r.priority_class is None)  # stable: priority first, then by rank
        oldest = min((r.issued_at for r in mine), default=None)
        out.append(
            c.DeskQueue(
                service_code=service.code,
                service_name=service.name,
                preference=assignment.preference,
                waiting=len(mine),
                longest_wait_seconds=int((uow.now - oldest).total_seconds()) if oldest else 0,
                next=[r.number for r in mine[:NEXT_SHOWN]],
            )
        )
    return out


def _aside(uow: UnitOfWork, catalogue: HallCatalogue, window: WindowItem) -> list[c.DeskAside]:
    """Today's tickets parked or no-show at this window: the clerk may call them back or requeue them."""
    day = business_day(uow.now, catalogue.timezone)
    rows = uow.stores.desk.set_aside(catalogue.id, day, window.id)
    since = uow.stores.desk.set_aside_since([r.id for r in rows])
    return [
        c.DeskAside(
            number=r.number,
            service_code=catalogue.services[r.service_id].code,
            service_name=catalogue.services[r.service_id].name,
            status=r.status,
            since=since.get(r.id),
        )
        for r in rows
    ]


def today(uow: UnitOfWork, actor: Actor, number: str) -> c.ClerkToday:
    """The caller's work at window ``number`` since the hall's midnight, counted from the events.

    Handling time of a case runs from its start (or its call, when the clerk went straight to 办结)
    to its conclusion at this window; the average is over the cases this clerk concluded.
    """
    actor.require(Permission.OPERATE_WINDOW, window=number)
    catalogue = uow.catalogue(actor.hall_id)
    window = catalogue.window(number)
    zone = ZoneInfo(catalogue.timezone)
    midnight = datetime.combine(business_day(uow.now, catalogue.timezone), datetime.min.time(), zone)
    rows = uow.stores.desk.window_events(actor.hall_id, window.id, midnight, [*COUNTED, "ticket.started"])

    def by_caller(r: WindowEvent) -> bool:
        return actor.user_id is None or r.actor_user_id == actor.user_id

    mine = [r for r in rows if by_caller(r)]
    counts = Counter(COUNTED[r.type] for r in mine if r.type in COUNTED)
    outcomes = Counter(str(r.data.get("outcome", "immediate")) for r in mine if r.type == "ticket.concluded")
    began: dict[int, datetime] = {}
    handled: list[timedelta] = []
    for r in rows:
        if r.ticket_id is None:
            continue
        if r.type in ("ticket.called", "ticket.called_back", "ticket.started"):
            began[r.ticket_id] = r.at
        elif r.type == "ticket.concluded" and r.ticket_id in began and by_caller(r):
            handled.append(r.at - began[r.ticket_id])
    average = int(sum(h.total_seconds() for h in handled) / len(handled)) if handled else None
    return c.ClerkToday(
        called=counts["called"],
        served=counts["served"],
        no_shows=counts["no_shows"],
        transferred=counts["transferred"],
        parked=counts["parked"],
        recalls=counts["recalls"],
        average_handling_seconds=average,
        outcomes=dict(outcomes),
    )


def _evaluation(uow: UnitOfWork, window: WindowItem) -> c.DeskEvaluation | None:
    """The rating asked for the window's latest concluded ticket today (pending, rated or lapsed)."""
    row = uow.stores.desk.latest_rating(window.id, uow.now - timedelta(hours=12))
    if row is None:
        return None
    return c.DeskEvaluation.model_validate(
        {
            "ticket": row.number,
            "status": row.status,
            "level": row.level,
            "deadline": row.deadline_at,
            "case_outcome": row.case_outcome,
            "ticket_token": row.token,
        }
    )
