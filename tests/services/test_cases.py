"""The cases' commands on in-memory stores: slots, bookings, promised cases and their deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.domain.errors import Rejected
from queue_server.services.cases import appointments, outcomes, slots
from tests.fakes.stores import FakeStores

MONDAY = date(2026, 3, 2)
NINE = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
MANAGER = Actor(hall_id=1, role="manager", user_id=7, name="王经理")
KIOSK = Actor(hall_id=1, role="kiosk", token_id=3)
CLERK = Actor(hall_id=1, role="clerk", window="1", user_id=9, name="李办事员")


def open_afternoon_slot(stores: FakeStores, capacity: int = 1) -> c.SlotPublic:
    command = c.OpenSlot(service_code="A", day=MONDAY, start=time(14), end=time(14, 30), capacity=capacity)
    return slots.open_slot(stores.unit(NINE), MANAGER, command)


def test_a_booking_takes_a_place_and_is_read_back_by_its_code_with_the_phone_masked() -> None:
    stores = FakeStores()
    slot = open_afternoon_slot(stores, capacity=2)

    booked = appointments.book(
        stores.unit(NINE), KIOSK, c.BookAppointment(slot_id=slot.id, phone="13800138000")
    )

    assert booked.status is c.AppointmentStatus.BOOKED
    assert booked.phone_masked == "138****8000"
    assert (booked.slot.booked, booked.slot.free) == (1, 1)
    read = appointments.read_booking(stores.unit(NINE), KIOSK, booked.code.lower())
    assert read.code == booked.code
    assert [e.type for e in stores.events] == ["appointment.slot_opened", "appointment.booked"]
    assert "13800138000" not in str(stores.events)


def test_a_full_slot_refuses_the_next_booking_and_a_cancellation_frees_its_place() -> None:
    stores = FakeStores()
    slot = open_afternoon_slot(stores, capacity=1)
    first = appointments.book(
        stores.unit(NINE), KIOSK, c.BookAppointment(slot_id=slot.id, phone="13800138000")
    )

    with pytest.raises(Rejected) as refused:
        appointments.book(stores.unit(NINE), KIOSK, c.BookAppointment(slot_id=slot.id, phone="13900139000"))
    assert refused.value.code == "appointment.slot_full"

    cancelled = appointments.cancel(stores.unit(NINE), KIOSK, first.code)
    assert cancelled.status is c.AppointmentStatus.CANCELLED
    assert cancelled.slot.free == 1
    again = appointments.book(
        stores.unit(NINE), KIOSK, c.BookAppointment(slot_id=slot.id, phone="13900139000")
    )
    assert again.slot.booked == 1


def test_a_checked_in_booking_can_no_longer_be_cancelled_and_names_its_ticket() -> None:
    stores = FakeStores()
    slot = open_afternoon_slot(stores)
    booked = appointments.book(
        stores.unit(NINE), KIOSK, c.BookAppointment(slot_id=slot.id, phone="13800138000")
    )
    booking = stores.appointments.booking(code=booked.code)
    assert booking is not None
    stores.tickets.put(41, hall_id=1, service_id=1, number="A007", token="tok-41")
    assert stores.appointments.move(
        booking.id, "booked", status="checked_in", checked_in_at=NINE, ticket_id=41
    )

    with pytest.raises(Rejected) as refused:
        appointments.cancel(stores.unit(NINE), KIOSK, booked.code)

    assert refused.value.code == "appointment.checked_in"
    assert appointments.read_booking(stores.unit(NINE), KIOSK, booked.code).ticket == "A007"


def test_a_slot_of_the_past_cannot_be_booked() -> None:
    stores = FakeStores()
    slot = open_afternoon_slot(stores)
    evening = NINE + timedelta(hours=10)

    with pytest.raises(Rejected) as refused:
        appointments.book(
            stores.unit(evening), KIOSK, c.BookAppointment(slot_id=slot.id, phone="13800138000")
        )

    assert refused.value.code == "appointment.slot_past"


def promised_case(stores: FakeStores, limit_days: int = 5, *, green: bool = False) -> int:
    """A ticket concluded as a promised case (承诺件) at window 1 on Monday morning."""
    stores.cases.guides[1] = {"promised_limit_days": limit_days}
    stores.tickets.put(11, hall_id=1, service_id=1, number="A011", token="tok-11")
    ticket = _Ticket(id=11, service_id=1, priority_class="green" if green else "normal")
    conclude = c.Conclude(outcome=c.Outcome.PROMISED, phone="13800138000")
    outcomes.record_outcome(stores.unit(NINE), CLERK, ticket, 1, conclude)
    (case,) = stores.cases.rows.values()
    return case.id


class _Ticket:
    def __init__(self, id: int, service_id: int, priority_class: str) -> None:
        self.id, self.service_id, self.priority_class = id, service_id, priority_class


def test_a_promised_case_is_due_after_its_limit_in_working_days_and_halved_on_the_green_channel() -> None:
    stores = FakeStores()
    case_id = promised_case(stores, limit_days=5)

    (listed,) = outcomes.list_cases(stores.unit(NINE), CLERK, "open")

    assert listed.id == case_id
    assert listed.promised_date == date(2026, 3, 9)  # five working days after Monday: next Monday
    assert listed.phone_masked == "138****8000"
    green = FakeStores()
    promised_case(green, limit_days=5, green=True)
    assert outcomes.list_cases(green.unit(NINE), CLERK)[0].promised_date == date(2026, 3, 5)


def test_an_extension_moves_the_deadline_and_completion_counts_against_the_moved_date() -> None:
    stores = FakeStores()
    case_id = promised_case(stores, limit_days=1)  # due Tuesday
    extend = c.ExtendCase(working_days=2, reason="材料需外部核验")

    extended = outcomes.extend_case(stores.unit(NINE), MANAGER, case_id, extend)

    assert extended.promised_date == date(2026, 3, 5)  # Tuesday + two working days
    assert [e["to"] for e in extended.extensions] == ["2026-03-05"]
    assert stores.hall.audit_log[-1].action == "case.extend"
    thursday = NINE + timedelta(days=3)
    done = outcomes.complete_case(stores.unit(thursday), CLERK, case_id)
    assert (done.status, done.on_time) == ("done", True)
    with pytest.raises(Rejected) as refused:
        outcomes.complete_case(stores.unit(thursday), CLERK, case_id)
    assert refused.value.code == "case.not_open"


def test_a_case_completed_after_its_date_is_late() -> None:
    stores = FakeStores()
    case_id = promised_case(stores, limit_days=1)  # due Tuesday

    done = outcomes.complete_case(stores.unit(NINE + timedelta(days=2)), CLERK, case_id)

    assert done.on_time is False
