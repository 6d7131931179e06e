"""Check-in (预约签到): a booking becomes a ticket served from its slot time; missed bookings (爽约).

Check-in is open from the policy's ``appointment_grace`` before the slot until the hall's
``appointment_late`` after its end. The ticket is issued in the same transaction as the booking's
change, with ``appointment_at`` = the slot's start, so the calling policy serves it first once due.
Too late, the booking is recorded as missed and no ticket is issued: the citizen takes a normal
ticket knowingly, never silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from queue_server import contract as c
from queue_server.domain import appointments as rules
from queue_server.domain import personal
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound, Rejected
from queue_server.domain.hall import HallCatalogue
from queue_server.domain.numbering import business_day
from queue_server.services.cases.appointments import appointment_public, own_booking
from queue_server.services.cases.ports import AppointmentStore, Booking
from queue_server.services.hall.views import ticket_public, wait_estimate
from queue_server.services.tickets.issue import issue_ticket, ticket_now
from queue_server.services.unit_of_work import UnitOfWork

BOOKED, CHECKED_IN = c.AppointmentStatus.BOOKED.value, c.AppointmentStatus.CHECKED_IN.value


@dataclass(frozen=True)
class Missed:
    """A check-in after its window closed: the booking is recorded as missed, no ticket issued."""

    until: str


def check_in(uow: UnitOfWork, actor: Actor, command: c.AppointmentCheckIn) -> c.CheckedIn | Missed:
    """Turn a booking into a ticket now, or refuse (too early), or record it missed (too late)."""
    actor.require(Permission.ISSUE_TICKET)
    catalogue = uow.catalogue(actor.hall_id)
    store = uow.stores.appointments
    card = command.id_number is not None
    row = _card_booking(uow, actor, command) if card else own_booking(uow, actor, command.code)
    slot = store.slot(row.hall_id, row.slot_id)
    if slot is None:
        raise NotFound("appointment.not_found")
    start, end = rules.slot_bounds(slot.day, slot.start, slot.end, catalogue.timezone)
    grace, late = catalogue.settings.policy.appointment_grace, catalogue.settings.appointment_late
    closes = _wall(catalogue, rules.check_in_closes(end, late), uow.now)
    if row.status != BOOKED:
        return _settled_before(uow, catalogue, row, closes)
    decision = rules.check_in_window(start, end, uow.now, grace, late)
    if decision is rules.CheckIn.EARLY:
        opens = _wall(catalogue, rules.check_in_opens(start, grace), uow.now)
        raise Rejected(
            "appointment.too_early", day=slot.day.isoformat(), start=slot.start.strftime("%H:%M"), opens=opens
        )
    if decision is rules.CheckIn.LATE:
        miss(uow, actor, row, "late_check_in")
        return Missed(closes)
    if not store.move(row.id, BOOKED, status=CHECKED_IN, checked_in_at=uow.now, updated_at=uow.now):
        # Another server process checked it in (or it changed) a moment ago: answer as it stands now.
        return _settled_before(uow, catalogue, _booking(store, row.id), closes)
    service = catalogue.services.get(row.service_id)
    if service is None:
        raise NotFound("service.not_found", code="")
    issued = issue_ticket(uow, actor, c.IssueTicket(service_code=service.code), "appointment", start)
    ticket = uow.stores.tickets.by_token(issued.token)
    if ticket is None:  # issued a moment ago in this same transaction
        raise NotFound("ticket.not_found")
    uow.stores.tickets.update(
        ticket.id,
        ticket.status,
        id_hash=row.id_hash,
        id_masked=row.id_masked,
        phone_hash=row.phone_hash,
        phone_masked=row.phone_masked,
    )
    store.move(row.id, CHECKED_IN, ticket_id=ticket.id)
    data = {"appointment": row.id, "slot": slot.id, "number": ticket.number}
    uow.record(actor, "appointment.checked_in", ticket_id=ticket.id, service_id=row.service_id, data=data)
    uow.emit(actor.hall_id, "appointment.checked_in", ("manager",), data)
    # Due appointments go first (policy.choose_next): only those of earlier slots are ahead of it.
    ahead = store.appointments_ahead(actor.hall_id, row.service_id, start, ticket.id)
    wait = wait_estimate(uow, catalogue, row.service_id, ahead)
    masks = {"id_masked": row.id_masked, "phone_masked": row.phone_masked}
    reply = {"people_ahead": ahead, "estimated_wait_seconds": wait, **masks}
    return c.CheckedIn(
        appointment=appointment_public(uow, catalogue, _booking(store, row.id)),
        ticket=issued.model_copy(update=reply),
    )


def _booking(store: AppointmentStore, booking_id: int) -> Booking:
    """A booking read again inside this transaction (it exists: this transaction holds it)."""
    row = store.booking(id=booking_id)
    if row is None:
        raise NotFound("appointment.not_found")
    return row


def _card_booking(uow: UnitOfWork, actor: Actor, command: c.AppointmentCheckIn) -> Any:
    """Today's booking of the ID card's holder (booked first, else the one already checked in)."""
    catalogue = uow.catalogue(actor.hall_id)
    id_hash = personal.keyed_hash(uow.caches.pii_key, personal.normalise_id_number(command.id_number or ""))
    day = business_day(uow.now, catalogue.timezone)
    row = uow.stores.appointments.booked_by_person(actor.hall_id, id_hash, day)
    if row is None:
        raise NotFound("appointment.not_found")
    return row


def _settled_before(uow: UnitOfWork, catalogue: HallCatalogue, row: Any, closes: str) -> c.CheckedIn | Missed:
    """A booking no longer waiting: the same ticket again if checked in (a kiosk's retry), else why not."""
    if row.status == CHECKED_IN and row.ticket_id is not None:
        ticket = ticket_public(uow, catalogue, ticket_now(uow, row.ticket_id))
        return c.CheckedIn(appointment=appointment_public(uow, catalogue, row), ticket=ticket)
    if row.status == c.AppointmentStatus.MISSED:
        return Missed(closes)
    raise Rejected("appointment.cancelled")


def settled(result: c.CheckedIn | Missed) -> c.CheckedIn:
    """The check-in's reply; a missed booking (already recorded and committed) becomes a refusal."""
    if isinstance(result, Missed):
        raise Rejected("appointment.too_late", until=result.until)
    return result


def miss(uow: UnitOfWork, actor: Actor, row: Any, reason: str) -> bool:
    """Record a booking as missed (爽约) if it is still booked; whether it was."""
    store = uow.stores.appointments
    if not store.move(row.id, BOOKED, status=c.AppointmentStatus.MISSED.value, updated_at=uow.now):
        return False
    data = {"appointment": row.id, "slot": row.slot_id, "reason": reason}
    uow.record(actor, "appointment.missed", service_id=row.service_id, data=data)
    uow.emit(actor.hall_id, "appointment.missed", ("manager",), data)
    return True


def mark_missed(uow: UnitOfWork, hall_id: int, limit: int | None = None) -> int:
    """Housekeeping: bookings never checked in whose check-in window has closed become missed
    (at most ``limit`` of them, a housekeeping chunk)."""
    catalogue = uow.catalogue(hall_id)
    today = business_day(uow.now, catalogue.timezone)
    system = Actor(hall_id=hall_id, role="admin", name="system")
    late = catalogue.settings.appointment_late
    missed = 0
    for row in uow.stores.appointments.booked_until(hall_id, today):
        _, end = rules.slot_bounds(row.day, row.start, row.end, catalogue.timezone)
        if rules.is_missed(end, uow.now, late) and miss(uow, system, row, "no_show"):
            missed += 1
            if limit is not None and missed >= limit:
                break
    return missed


def _wall(catalogue: HallCatalogue, moment: datetime, now: datetime) -> str:
    """A moment on the hall's clock: the time alone when it is today, else with its date."""
    local = catalogue.local(moment)
    return local.strftime("%H:%M" if local.date() == catalogue.local(now).date() else "%Y-%m-%d %H:%M")
