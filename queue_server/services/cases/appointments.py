"""Bookings (预约): a citizen books a place in a slot by web, phone or through hall staff."""

from __future__ import annotations

from typing import Any

from queue_server import contract as c
from queue_server.domain import appointments as rules
from queue_server.domain import personal
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound, Rejected
from queue_server.domain.hall import HallCatalogue
from queue_server.services import pii
from queue_server.services.cases.ports import AppointmentStore, Booking, NewBooking
from queue_server.services.cases.slots import bookable_slot, slot_public, take_place
from queue_server.services.unit_of_work import UnitOfWork

CODE_ATTEMPTS = 8


def appointment_public(uow: UnitOfWork, catalogue: HallCatalogue, row: Booking) -> c.AppointmentPublic:
    """A booking with its slot, masked contact details, and its ticket's number once checked in."""
    store = uow.stores.appointments
    slot = store.slot(row.hall_id, row.slot_id)
    if slot is None:  # a booking's slot is never deleted (a foreign key holds it)
        raise NotFound("appointment.slot_not_found")
    return c.AppointmentPublic(
        code=row.code,
        status=c.AppointmentStatus(row.status),
        channel=c.AppointmentChannel(row.channel),
        slot=slot_public(catalogue, slot),
        phone_masked=row.phone_masked,
        id_masked=row.id_masked,
        created_at=row.created_at,
        checked_in_at=row.checked_in_at,
        ticket=store.ticket_number(row.ticket_id) if row.ticket_id else None,
    )


def own_booking(uow: UnitOfWork, actor: Actor, code: str) -> Booking:
    """The booking with ``code`` in the actor's hall, or NotFound (another hall's code included)."""
    row = uow.stores.appointments.booking(code=rules.normalise_code(code))
    if row is None or row.hall_id != actor.hall_id:
        raise NotFound("appointment.not_found")
    return row


def refuse_unless_booked(uow: UnitOfWork, row: Booking | None) -> None:
    """Only a booking still waiting for its citizen can move or be cancelled."""
    if row is None:
        return
    if row.status == c.AppointmentStatus.CANCELLED:
        raise Rejected("appointment.cancelled")
    if row.status == c.AppointmentStatus.MISSED:
        raise Rejected("appointment.missed")
    if row.status == c.AppointmentStatus.CHECKED_IN:
        number = uow.stores.appointments.ticket_number(row.ticket_id) if row.ticket_id else None
        raise Rejected("appointment.checked_in", ticket=number or "")


def _move(uow: UnitOfWork, row: Booking, *, status: str | None = None, slot_id: int | None = None) -> None:
    """Change a booked booking (compare-and-set); if it changed meanwhile, say how it stands now."""
    store = uow.stores.appointments
    refuse_unless_booked(uow, row)
    if not store.move(
        row.id, c.AppointmentStatus.BOOKED.value, status=status, slot_id=slot_id, updated_at=uow.now
    ):
        refuse_unless_booked(uow, store.booking(id=row.id))
        raise Rejected("appointment.not_found")


def book(uow: UnitOfWork, actor: Actor, command: c.BookAppointment) -> c.AppointmentPublic:
    """Take a place in a slot (compare-and-set on its count) and give the citizen a booking code."""
    actor.require(Permission.BOOK_APPOINTMENT)
    catalogue = uow.catalogue(actor.hall_id)
    key = uow.caches.pii_key
    phone = pii.protect_phone(key, command.phone)
    id_number = personal.normalise_id_number(command.id_number) if command.id_number else None
    if catalogue.settings.real_name_required and id_number is None:
        raise Rejected("ticket.id_required")
    slot = bookable_slot(uow, catalogue, command.slot_id)
    take_place(uow, catalogue, slot)
    store = uow.stores.appointments
    code = _fresh_code(store)
    booking = NewBooking(
        hall_id=actor.hall_id,
        slot_id=slot.id,
        service_id=slot.service_id,
        code=code,
        status=c.AppointmentStatus.BOOKED.value,
        channel=command.channel.value,
        phone_cipher=phone.cipher,
        phone_masked=phone.masked,
        phone_hash=phone.digest,
        id_hash=personal.keyed_hash(key, id_number) if id_number else None,
        id_masked=personal.mask_id_number(id_number) if id_number else None,
        created_at=uow.now,
        updated_at=uow.now,
        language=command.language,
    )
    row = _stored(store, store.insert(booking))
    _changed(uow, actor, row, "booked", slot=slot.id, channel=command.channel.value)
    return appointment_public(uow, catalogue, row)


def _stored(store: AppointmentStore, booking_id: int) -> Booking:
    """A booking this transaction holds (just written or moved: it cannot be missing)."""
    row = store.booking(id=booking_id)
    if row is None:
        raise NotFound("appointment.not_found")
    return row


def _fresh_code(store: AppointmentStore) -> str:
    """A code no booking uses (a clash is rare: 31⁸ codes; the unique index is the last word)."""
    for _ in range(CODE_ATTEMPTS):
        code = rules.new_code()
        if not store.code_taken(code):
            return code
    raise RuntimeError("no free booking code after several draws")


def read_booking(uow: UnitOfWork, actor: Actor, code: str) -> c.AppointmentPublic:
    """A booking by its code: status, service, slot and masked phone."""
    actor.require(Permission.BOOK_APPOINTMENT)
    return appointment_public(uow, uow.catalogue(actor.hall_id), own_booking(uow, actor, code))


def cancel(uow: UnitOfWork, actor: Actor, code: str) -> c.AppointmentPublic:
    """Cancel a booking and give its place back to the slot."""
    actor.require(Permission.BOOK_APPOINTMENT)
    row = own_booking(uow, actor, code)
    _move(uow, row, status=c.AppointmentStatus.CANCELLED.value)
    store = uow.stores.appointments
    store.free_place(row.slot_id)
    _changed(uow, actor, row, "cancelled", slot=row.slot_id)
    return appointment_public(uow, uow.catalogue(actor.hall_id), _stored(store, row.id))


def reschedule(
    uow: UnitOfWork, actor: Actor, code: str, command: c.RescheduleAppointment
) -> c.AppointmentPublic:
    """Move a booking to another slot of its service: one place taken, the old one freed, atomically."""
    actor.require(Permission.BOOK_APPOINTMENT)
    catalogue = uow.catalogue(actor.hall_id)
    row = own_booking(uow, actor, code)
    refuse_unless_booked(uow, row)
    store = uow.stores.appointments
    if command.slot_id == row.slot_id:
        return appointment_public(uow, catalogue, row)
    target = bookable_slot(uow, catalogue, command.slot_id)
    if target.service_id != row.service_id:
        raise Rejected("appointment.other_service")
    _move(uow, row, slot_id=target.id)
    # Touch the two slot rows in id order, so two crossing moves cannot deadlock on PostgreSQL.
    for slot_id in sorted((row.slot_id, target.id)):
        if slot_id == target.id:
            take_place(uow, catalogue, target)
        else:
            store.free_place(row.slot_id)
    _changed(uow, actor, row, "rescheduled", slot=target.id, previous_slot=row.slot_id)
    return appointment_public(uow, catalogue, _stored(store, row.id))


def _changed(uow: UnitOfWork, actor: Actor, row: Booking, what: str, **data: Any) -> None:
    """The event row of a booking's change, and the managers' live event."""
    payload = {"appointment": row.id, **data}
    uow.record(actor, f"appointment.{what}", service_id=row.service_id, data=payload)
    uow.emit(actor.hall_id, f"appointment.{what}", ("manager",), payload)
