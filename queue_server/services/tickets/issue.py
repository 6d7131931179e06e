"""Ticket handlers: issue a number, read a ticket's status, cancel it."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Unpack

from queue_server import contract as c
from queue_server.domain import personal
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound, Rejected
from queue_server.domain.lifecycle import Action, Status
from queue_server.domain.numbering import business_day, cap_reached, format_number
from queue_server.services.hall.snapshot import service_detail
from queue_server.services.hall.views import serving_windows, ticket_public, wait_estimate
from queue_server.services.live import queue_topics
from queue_server.services.outbox.notices import subscribe
from queue_server.services.pii import protect_phone
from queue_server.services.tickets.ahead import push_people_ahead
from queue_server.services.tickets.ports import NewTicket, TicketChanges, TicketRow
from queue_server.services.unit_of_work import UnitOfWork


def issue_ticket(
    uow: UnitOfWork,
    actor: Actor,
    command: c.IssueTicket,
    channel: str = "kiosk",
    appointment_at: datetime | None = None,
) -> c.TicketPublic:
    """Take the next number of a service's prefix today: counter and ticket in one transaction.

    A checked-in booking passes its slot's start as ``appointment_at``: the slot itself is the
    hall's promise of that time (off-peak or extended hours included) and its capacity the quota,
    so the hours and the daily cap (放号量 of walk-ins) do not apply to it.
    """
    actor.require(Permission.ISSUE_TICKET)
    catalogue = uow.catalogue(actor.hall_id)
    if command.idempotency_key:
        existing = uow.stores.tickets.by_idempotency_key(actor.hall_id, command.idempotency_key)
        if existing is not None:
            if catalogue.services[existing.service_id].code != command.service_code:
                raise Rejected("ticket.idempotency_conflict")
            return ticket_public(uow, catalogue, existing)
    service = catalogue.service(command.service_code)
    if appointment_at is None:
        catalogue.check_issue(service.code, uow.now)
    if command.priority_class is not None and not service.priority_allowed:
        raise Rejected("ticket.priority_not_allowed")
    id_number = personal.normalise_id_number(command.id_number) if command.id_number else None
    phone = personal.normalise_phone(command.phone) if command.phone else None
    if command.sms and phone is None:
        raise Rejected("ticket.sms_needs_phone")
    key = uow.caches.pii_key
    id_hash = personal.keyed_hash(key, id_number) if id_number else None
    # 短信告知 keeps the number encrypted as well: hashed once, for the ticket and its opt-in alike.
    protected = protect_phone(key, phone) if command.sms and phone is not None else None
    rules = catalogue.settings
    if rules.real_name_required and id_hash is None and appointment_at is None:
        raise Rejected("ticket.id_required")

    day = business_day(uow.now, catalogue.timezone)
    if id_hash is not None and rules.person_daily_limit is not None:
        taken = uow.stores.tickets.count_person_tickets(actor.hall_id, day, service.id, id_hash)
        if taken >= rules.person_daily_limit:
            raise Rejected("ticket.person_limit", name=service.name, count=taken)
    if appointment_at is None and service.daily_cap is not None:
        issued_today = uow.stores.tickets.next_counter(actor.hall_id, f"service:{service.code}", day)
        if cap_reached(issued_today - 1, service.daily_cap):
            raise Rejected("service.daily_cap_reached", name=service.name, cap=service.daily_cap)
    seq = uow.stores.tickets.next_counter(actor.hall_id, f"prefix:{service.prefix}", day)
    number = format_number(service.prefix, seq, catalogue.settings.number_width)
    is_priority = command.priority_class is not None
    ahead = uow.stores.tickets.count_waiting(actor.hall_id, service.id, priority_only=is_priority)
    ticket = NewTicket(
        hall_id=actor.hall_id,
        token=secrets.token_urlsafe(12),
        business_day=day,
        prefix=service.prefix,
        seq=seq,
        number=number,
        service_id=service.id,
        priority_class=command.priority_class.value if command.priority_class else None,
        status=Status.WAITING.value,
        rank_at=uow.now,
        issued_at=uow.now,
        channel=channel,
        idempotency_key=command.idempotency_key,
        id_hash=id_hash,
        id_masked=personal.mask_id_number(id_number) if id_number else None,
        phone_hash=protected.digest if protected else personal.keyed_hash(key, phone) if phone else None,
        phone_masked=personal.mask_phone(phone) if phone else None,
        appointment_at=appointment_at,
    )
    ticket_id = uow.stores.tickets.add(ticket)
    if protected is not None:  # 短信告知: the number kept encrypted, the "taken" notice
        values = {"service": service.name, "service_en": service.name_en, "ahead": ahead}
        subscribe(uow, catalogue, (ticket_id, ticket.token), number, protected, values, command.language)
    uow.record(
        actor,
        "ticket.issued",
        ticket_id=ticket_id,
        service_id=service.id,
        data={"number": number, "priority": ticket.priority_class, "channel": channel},
    )
    serving = serving_windows(uow, catalogue, service.id)  # once: the estimate and the reply both show it
    estimate = wait_estimate(uow, catalogue, service.id, ahead, serving)
    waiting = ahead + 1 if not is_priority else uow.stores.tickets.count_waiting(actor.hall_id, service.id)
    uow.emit(
        actor.hall_id,
        "ticket.issued",
        queue_topics(catalogue, service.code, uow.now),
        {"number": number, "service_code": service.code, "waiting": waiting, "priority": is_priority},
    )
    return c.TicketPublic(
        token=ticket.token,
        number=number,
        service_code=service.code,
        service_name=service.name,
        status=Status.WAITING.value,
        priority_class=command.priority_class,
        people_ahead=ahead,
        estimated_wait_seconds=estimate,
        issued_at=uow.now,
        status_url=f"/t/{ticket.token}",
        id_masked=ticket.id_masked,
        phone_masked=ticket.phone_masked,
        channel=channel,
        appointment_at=appointment_at,
        serving_windows=serving,
    )


def ticket_status(uow: UnitOfWork, token: str) -> c.TicketPublic:
    """A ticket by its public token (printed as the QR code); needs no login, shows nothing personal."""
    row = uow.stores.tickets.by_token(token)
    if row is None:
        raise NotFound("ticket.not_found")
    public = ticket_public(uow, uow.catalogue(row.hall_id), row)
    return public.model_copy(update={"id_masked": None, "phone_masked": None})


def cancel_ticket(uow: UnitOfWork, token: str, actor: Actor | None = None) -> c.TicketPublic:
    """The holder (by token) or a manager gives up a waiting or parked ticket."""
    row = uow.stores.tickets.by_token(token)
    if row is None or (actor is not None and actor.hall_id != row.hall_id):
        raise NotFound("ticket.not_found")
    if not uow.stores.tickets.move(row.id, row.status, Action.CANCEL, number=row.number):
        raise Rejected("ticket.illegal_transition", number=row.number, status=row.status, action="cancel")
    holder = actor or Actor(hall_id=row.hall_id, role="kiosk", name="holder")
    uow.record(holder, "ticket.cancelled", ticket_id=row.id, service_id=row.service_id)
    catalogue = uow.catalogue(row.hall_id)
    uow.emit(
        row.hall_id,
        "ticket.cancelled",
        (*queue_topics(catalogue, catalogue.services[row.service_id].code, uow.now), f"ticket:{row.token}"),
        {"number": row.number},
    )
    push_people_ahead(uow, catalogue, row.service_id)
    return ticket_public(uow, catalogue, ticket_now(uow, row.id))


def ticket_guide(uow: UnitOfWork, token: str) -> c.ServiceDetail:
    """The full guide of a ticket's service, for the citizen's status page (public information)."""
    row = uow.stores.tickets.by_token(token)
    if row is None:
        raise NotFound("ticket.not_found")
    catalogue = uow.catalogue(row.hall_id)
    reader = Actor(hall_id=row.hall_id, role="board", name="ticket holder")
    return service_detail(uow, reader, catalogue.services[row.service_id].code)


def lookup_tickets(uow: UnitOfWork, actor: Actor, query: c.TicketLookup) -> list[c.TicketPublic]:
    """A citizen who lost the paper finds today's open tickets again by ID or phone number."""
    actor.require(Permission.ISSUE_TICKET)
    catalogue = uow.catalogue(actor.hall_id)
    day = business_day(uow.now, catalogue.timezone)
    key = uow.caches.pii_key
    if query.id_number:
        rows = uow.stores.tickets.person_tickets(
            actor.hall_id,
            day,
            id_hash=personal.keyed_hash(key, personal.normalise_id_number(query.id_number)),
        )
    elif query.phone:
        rows = uow.stores.tickets.person_tickets(
            actor.hall_id, day, phone_hash=personal.keyed_hash(key, personal.normalise_phone(query.phone))
        )
    else:
        raise Rejected("ticket.lookup_needs_key")
    return [ticket_public(uow, catalogue, row) for row in rows]


def _own_ticket(uow: UnitOfWork, actor: Actor, token: str) -> TicketRow:
    actor.require(Permission.ISSUE_TICKET)
    row = uow.stores.tickets.by_token(token)
    if row is None or row.hall_id != actor.hall_id:
        raise NotFound("ticket.not_found")
    return row


def reprint_ticket(uow: UnitOfWork, actor: Actor, token: str) -> c.TicketPublic:
    """补打: a new paper copy; the earlier paper is superseded (its copy number no longer valid)."""
    row = _own_ticket(uow, actor, token)
    moved = uow.stores.tickets.move(
        row.id, row.status, Action.REPRINT, number=row.number, paper=row.paper + 1, print_failed=False
    )
    if not moved:
        raise Rejected("ticket.illegal_transition", number=row.number, status=row.status, action="reprint")
    uow.record(
        actor,
        "ticket.reprinted",
        ticket_id=row.id,
        service_id=row.service_id,
        data={"number": row.number, "paper": row.paper + 1, "superseded": row.paper},
    )
    return ticket_public(uow, uow.catalogue(actor.hall_id), ticket_now(uow, row.id))


def _move_or_refuse(uow: UnitOfWork, row: TicketRow, action: Action, **values: Unpack[TicketChanges]) -> None:
    """One edge of the transition table, refused when another process moved the ticket first."""
    if not uow.stores.tickets.move(row.id, row.status, action, number=row.number, **values):
        raise Rejected("ticket.illegal_transition", number=row.number, status=row.status, action=action.value)


def print_failed(uow: UnitOfWork, actor: Actor, token: str, report: c.PrintFailed) -> c.TicketPublic:
    """The kiosk could not print: flag the ticket for the clerk, or cancel it (per-hall setting)."""
    row = _own_ticket(uow, actor, token)
    catalogue = uow.catalogue(actor.hall_id)
    if catalogue.settings.print_failure == "cancel" and row.status == Status.WAITING.value:
        _move_or_refuse(uow, row, Action.CANCEL, print_failed=True)
        uow.record(
            actor,
            "ticket.cancelled",
            ticket_id=row.id,
            service_id=row.service_id,
            data={"number": row.number, "reason": "print_failed", "detail": report.reason},
        )
        topics = queue_topics(catalogue, catalogue.services[row.service_id].code, uow.now)
        uow.emit(actor.hall_id, "ticket.cancelled", topics, {"number": row.number})
    else:
        _move_or_refuse(uow, row, Action.PRINT_FAIL, print_failed=True)
        uow.record(
            actor,
            "ticket.print_failed",
            ticket_id=row.id,
            service_id=row.service_id,
            data={"number": row.number, "detail": report.reason},
        )
    return ticket_public(uow, catalogue, ticket_now(uow, row.id))


def ticket_now(uow: UnitOfWork, ticket_id: int) -> TicketRow:
    """A ticket as it stands now (one this transaction found or changed a moment ago)."""
    row = uow.stores.tickets.by_id(ticket_id)
    if row is None:  # it was there a moment ago in this same transaction
        raise NotFound("ticket.not_found")
    return row
