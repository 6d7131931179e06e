"""Bookable slots (预约时段): a manager opens and closes them, kiosks and booking platforms list them."""

from __future__ import annotations

from datetime import date

from queue_server import contract as c
from queue_server.domain import appointments as rules
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound, Rejected
from queue_server.domain.hall import HallCatalogue
from queue_server.domain.numbering import business_day
from queue_server.services.cases.ports import Slot
from queue_server.services.hall.ports import SlotView
from queue_server.services.unit_of_work import UnitOfWork


def slot_public(catalogue: HallCatalogue, row: Slot | SlotView) -> c.SlotPublic:
    """A slot with its places booked and free."""
    service = catalogue.services[row.service_id]
    return c.SlotPublic(
        id=row.id,
        service_code=service.code,
        service_name=service.name,
        day=row.day,
        start=row.start,
        end=row.end,
        capacity=row.capacity,
        booked=row.booked,
        free=max(row.capacity - row.booked, 0) if row.open else 0,
        open=row.open,
    )


def bookable_slot(uow: UnitOfWork, catalogue: HallCatalogue, slot_id: int) -> Slot:
    """A slot a booking may go to now: of this hall, on a working day, not over; else a domain error."""
    row = uow.stores.appointments.slot(catalogue.id, slot_id)
    if row is None or row.service_id not in catalogue.services:
        raise NotFound("appointment.slot_not_found")
    if not catalogue.settings.hours.is_open_day(row.day):
        raise Rejected("appointment.slot_not_working_day", day=row.day.isoformat())
    _, ends = rules.slot_bounds(row.day, row.start, row.end, catalogue.timezone)
    if ends <= uow.now:
        raise Rejected("appointment.slot_past")
    return row


def take_place(uow: UnitOfWork, catalogue: HallCatalogue, row: Slot) -> None:
    """Book one place of a slot atomically, or say why not (closed, full)."""
    if not uow.stores.appointments.take_place(catalogue.id, row.id):
        if not row.open:
            raise Rejected("appointment.slot_closed")
        raise Rejected("appointment.slot_full", capacity=row.capacity)


def open_slot(uow: UnitOfWork, actor: Actor, command: c.OpenSlot) -> c.SlotPublic:
    """Offer bookings of a service at a time of a working day (off-peak and extended hours included).

    A closed slot at the same start opens again with the new end and capacity.
    """
    actor.require(Permission.MANAGE_HALL)
    catalogue = uow.catalogue(actor.hall_id)
    service = catalogue.service(command.service_code)
    rules.check_slot(command.start, command.end)
    if not catalogue.settings.hours.is_open_day(command.day):
        raise Rejected("appointment.slot_not_working_day", day=command.day.isoformat())
    _, ends = rules.slot_bounds(command.day, command.start, command.end, catalogue.timezone)
    if ends <= uow.now:
        raise Rejected("appointment.slot_past")
    store = uow.stores.appointments
    existing = store.slot_starting(actor.hall_id, service.id, command.day, command.start)
    if existing is None:
        slot_id = store.insert_slot(
            actor.hall_id, service.id, command.day, command.start, command.end, command.capacity
        )
    elif existing.open:
        raise Rejected(
            "appointment.slot_exists", day=command.day.isoformat(), start=command.start.strftime("%H:%M")
        )
    elif command.capacity < existing.booked:
        raise Rejected("appointment.below_booked", booked=existing.booked)
    else:
        slot_id = existing.id
        store.update_slot(slot_id, open=True, end=command.end, capacity=command.capacity)
    return _changed(uow, actor, catalogue, slot_id, "opened")


def close_slot(uow: UnitOfWork, actor: Actor, slot_id: int) -> c.SlotPublic:
    """Stop taking bookings for a slot; the bookings it holds stay valid."""
    actor.require(Permission.MANAGE_HALL)
    catalogue = uow.catalogue(actor.hall_id)
    store = uow.stores.appointments
    row = store.slot(actor.hall_id, slot_id)
    if row is None:
        raise NotFound("appointment.slot_not_found")
    if not row.open:
        return slot_public(catalogue, row)
    store.update_slot(slot_id, open=False)
    return _changed(uow, actor, catalogue, slot_id, "closed")


def _changed(uow: UnitOfWork, actor: Actor, catalogue: HallCatalogue, slot_id: int, how: str) -> c.SlotPublic:
    """Record a slot's change and tell the managers."""
    row = uow.stores.appointments.slot(actor.hall_id, slot_id)
    if row is None:
        raise NotFound("appointment.slot_not_found")
    public = slot_public(catalogue, row)
    data = public.model_dump(mode="json", exclude={"service_name"})
    service_id = catalogue.service(public.service_code).id
    uow.record(actor, f"appointment.slot_{how}", service_id=service_id, data=data)
    uow.emit(actor.hall_id, "appointment.slots", ("manager",), {"change": how, **data})
    return public


def list_slots(
    uow: UnitOfWork, actor: Actor, service_code: str | None, day: date | None
) -> list[c.SlotPublic]:
    """Slots of a day (or from today on), of one service or all, with places booked and free."""
    actor.require(Permission.READ_CATALOGUE)
    catalogue = uow.catalogue(actor.hall_id)
    service_id = catalogue.service(service_code).id if service_code else None
    today = business_day(uow.now, catalogue.timezone)
    rows = uow.stores.appointments.slots(
        actor.hall_id, service_id=service_id, day=day, from_day=None if day else today
    )
    return [slot_public(catalogue, r) for r in rows if r.service_id in catalogue.services]
