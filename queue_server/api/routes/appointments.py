"""Appointments (预约): slots, bookings, and check-in at the kiosk."""

from __future__ import annotations

from fastapi import APIRouter

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.api.params import Day, RowId
from queue_server.services.cases import appointments, person_bookings
from queue_server.services.cases import slots as appointment_slots
from queue_server.services.tickets import check_in

router = APIRouter(prefix="/appointments", tags=["appointments"])


@router.post("/slots", response_model=c.SlotPublic, status_code=201)
async def open_slot(body: c.OpenSlot, runtime: RuntimeDep, actor: ActorDep) -> c.SlotPublic:
    """Open a bookable slot of a service on a working day (manager); a closed one opens again."""
    return await runtime.write(lambda uow: appointment_slots.open_slot(uow, actor, body))


@router.get("/slots", response_model=list[c.SlotPublic])
async def list_slots(
    runtime: RuntimeDep, actor: ActorDep, service: str | None = None, day: Day | None = None
) -> list[c.SlotPublic]:
    """Slots of ``day`` (default: today and later), of one ``service`` or all, with booked and free."""
    return await runtime.read(lambda uow: appointment_slots.list_slots(uow, actor, service, day))


@router.post("/slots/{slot_id}/close", response_model=c.SlotPublic)
async def close_slot(slot_id: RowId, runtime: RuntimeDep, actor: ActorDep) -> c.SlotPublic:
    """Stop taking bookings for a slot (manager); bookings already made stay valid."""
    return await runtime.write(lambda uow: appointment_slots.close_slot(uow, actor, slot_id))


@router.post("", response_model=c.AppointmentPublic, status_code=201)
async def book(body: c.BookAppointment, runtime: RuntimeDep, actor: ActorDep) -> c.AppointmentPublic:
    """Book a place in a slot: the reply carries the 8-character booking code."""
    return await runtime.write(lambda uow: appointments.book(uow, actor, body))


@router.post("/check-in", response_model=c.CheckedIn)
async def check_in_booking(body: c.AppointmentCheckIn, runtime: RuntimeDep, actor: ActorDep) -> c.CheckedIn:
    """The citizen arrived: the booking becomes a ticket served from its slot time.

    Too early: 409 ``appointment.too_early`` with the time check-in opens. Too late: the booking is
    recorded as missed and the reply is 409 ``appointment.too_late``; no ticket is issued.
    Checking in again returns the same ticket.
    """
    result = await runtime.write(lambda uow: check_in.check_in(uow, actor, body))
    return check_in.settled(result)


@router.post("/lookup", response_model=list[c.AppointmentPublic])
async def lookup_bookings(
    body: c.BookingLookup, runtime: RuntimeDep, actor: ActorDep
) -> list[c.AppointmentPublic]:
    """Today's bookings still to check in of an ID card's holder (the kiosk's service list)."""
    return await runtime.read(lambda uow: person_bookings.bookings_of_person(uow, actor, body))


@router.get("/{code}", response_model=c.AppointmentPublic)
async def read_booking(code: str, runtime: RuntimeDep, actor: ActorDep) -> c.AppointmentPublic:
    """A booking by its code: status, service, slot, masked phone."""
    return await runtime.read(lambda uow: appointments.read_booking(uow, actor, code))


@router.post("/{code}/cancel", response_model=c.AppointmentPublic)
async def cancel(code: str, runtime: RuntimeDep, actor: ActorDep) -> c.AppointmentPublic:
    """Cancel a booking; its place goes back to the slot."""
    return await runtime.write(lambda uow: appointments.cancel(uow, actor, code))


@router.post("/{code}/reschedule", response_model=c.AppointmentPublic)
async def reschedule(
    code: str, body: c.RescheduleAppointment, runtime: RuntimeDep, actor: ActorDep
) -> c.AppointmentPublic:
    """Move a booking to another slot of its service, atomically."""
    return await runtime.write(lambda uow: appointments.reschedule(uow, actor, code, body))
