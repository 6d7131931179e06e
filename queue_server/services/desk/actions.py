"""The clerk console's reads: the window's ticket with its guide, its queue, set-aside tickets and the
clerk's own day, all derived from ticket rows and the event record."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select

from queue_server import contract as c
from queue_server.adapters import tables as t
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.hall import HallCatalogue, WindowItem
from queue_server.domain.numbering import business_day
from queue_server.services.hall import snapshot as hall
from queue_server.services.hall.views import window_ticket
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
    row = uow.repo.window_row(window.id)
    current = uow.repo.ticket(id=row.current_ticket_id) if row.current_ticket_id else None
    return c.ClerkDesk(
        window=public,
        serving_here=row.clerk_id is not None and row.clerk_id == actor.user_id,
        current=_desk_ticket(uow, catalogue, current) if current is not None else None,
        queue=_queue(uow, catalogue, window),
        sent_here=_sent_here(uow, catalogue, window),
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


def _desk_ticket(uow: UnitOfWork, catalogue: HallCatalogue, row: Any) -> c.DeskTicket:
    """The window's ticket with masked personal data, its guide, and where it came from if sent here."""
    guide = uow.repo.conn.execute(
        select(t.services.c.guide).where(t.services.c.id == row.service_id)
    ).scalar()
    moved = uow.repo.conn.execute(
        select(t.events.c.window_id, t.events.c.data)
        .where(t.events.c.ticket_id == row.id, t.events.c.type == "ticket.transferred")
        .order_by(t.events.c.id.desc())
        .limit(1)
    ).first()
    source = catalogue.windows.get(moved.window_id) if moved is not None and moved.window_id else None
    return c.DeskTicket(
        **window_ticket(catalogue, row, uow.now).model_dump(),
        issued_at=row.issued_at,
        started_at=row.started_at,
        recall_limit=catalogue.settings.recall_limit,
        priority_confirmed=bool(row.priority_confirmed),
        id_masked=row.id_masked,
        phone_masked=row.phone_masked,
        transferred_from=source.number if source is not None else None,
        transfer_reason=str((moved.data or {}).get("reason", "")) if moved is not None else "",
        guide=c.Guide.model_validate(guide or {}),
    )


def _waiting_rows(uow: UnitOfWork, hall_id: int, where: Any) -> list[Any]:
    tk = t.tickets
    query = (
        select(tk.c.number, tk.c.service_id, tk.c.issued_at, tk.c.rank_at, tk.c.priority_class)
        .where(tk.c.hall_id == hall_id, tk.c.status == "waiting", where)
        .order_by(tk.c.rank_at, tk.c.id)
    )
    return list(uow.repo.conn.execute(query))


def _queue(uow: UnitOfWork, catalogue: HallCatalogue, window: WindowItem) -> list[c.DeskQueue]:
    """The services the window serves now, in its order, with who waits for each (priority first)."""
    assignments = catalogue.assignments_now(window, uow.now)
    ids = [catalogue.by_code[a.service].id for a in assignments]
    tk = t.tickets
    # a ticket sent to another window waits for that window only
    for_us = or_(tk.c.target_window_id.is_(None), tk.c.target_window_id == window.id)
    rows = _waiting_rows(uow, catalogue.id, and_(tk.c.service_id.in_(ids), for_us)) if ids else []
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


def _sent_here(uow: UnitOfWork, catalogue: HallCatalogue, window: WindowItem) -> list[str]:
    return [r.number for r in _waiting_rows(uow, catalogue.id, t.tickets.c.target_window_id == window.id)]


def _aside(uow: UnitOfWork, catalogue: HallCatalogue, window: WindowItem) -> list[c.DeskAside]:
    """Today's tickets parked or no-show at this window: the clerk may call them back or requeue them."""
    tk = t.tickets
    day = business_day(uow.now, catalogue.timezone)
    rows = list(
        uow.repo.conn.execute(
            select(tk.c.id, tk.c.number, tk.c.service_id, tk.c.status, tk.c.called_at)
            .where(
                tk.c.hall_id == catalogue.id,
                tk.c.business_day == day,
                tk.c.window_id == window.id,
                tk.c.status.in_(["parked", "no_show"]),
            )
            .order_by(tk.c.id)
        )
    )
    since: dict[int, datetime] = {}
    if rows:
        for ticket_id, at in uow.repo.conn.execute(
            select(t.events.c.ticket_id, t.events.c.at).where(
                t.events.c.ticket_id.in_([r.id for r in rows]),
                t.events.c.type.in_(["ticket.parked", "ticket.no_show"]),
            )
        ):
            since[ticket_id] = max(at, since.get(ticket_id, at))
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
    ev = t.events
    rows = list(
        uow.repo.conn.execute(
            select(ev.c.type, ev.c.at, ev.c.ticket_id, ev.c.actor_user_id, ev.c.data)
            .where(
                ev.c.hall_id == actor.hall_id,
                ev.c.window_id == window.id,
                ev.c.at >= midnight,
                ev.c.type.in_([*COUNTED, "ticket.started"]),
            )
            .order_by(ev.c.id)
        )
    )

    def by_caller(r: Any) -> bool:
        return actor.user_id is None or r.actor_user_id == actor.user_id

    mine = [r for r in rows if by_caller(r)]
    counts = Counter(COUNTED[r.type] for r in mine if r.type in COUNTED)
    outcomes = Counter(
        str((r.data or {}).get("outcome", "immediate")) for r in mine if r.type == "ticket.concluded"
    )
    began: dict[int, datetime] = {}
    handled: list[timedelta] = []
    for r in rows:
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
    ev, tk = t.evaluations, t.tickets
    row = uow.repo.conn.execute(
        select(ev.c.status, ev.c.level, ev.c.deadline_at, ev.c.case_id, tk.c.number, tk.c.token)
        .join(tk, tk.c.id == ev.c.ticket_id)
        .where(ev.c.window_id == window.id, ev.c.requested_at >= uow.now - timedelta(hours=12))
        .order_by(ev.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    outcome = (
        uow.repo.conn.execute(select(t.cases.c.outcome).where(t.cases.c.id == row.case_id)).scalar()
        if row.case_id
        else None
    )
    return c.DeskEvaluation(
        ticket=row.number,
        status=row.status,
        level=row.level,
        deadline=row.deadline_at,
        case_outcome=outcome,
        ticket_token=row.token,
    )
