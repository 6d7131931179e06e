"""In-memory stores of the cases' ports, behaving as the SQL ones do for what the services use."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date, datetime, time
from typing import Any

from queue_server.services.cases.ports import (
    Booking,
    CalendarMark,
    Case,
    DueBooking,
    FollowUpDues,
    NewBooking,
    NewCase,
    OpenFollowUp,
    Slot,
    TicketRef,
    WindowHours,
)
from tests.fakes.tickets import FakeTicketStore


class FakeAppointmentStore:
    """Slots and bookings in dictionaries; the tickets bookings were checked in to are read from the
    tickets' fake (the SQL store reads the tickets table)."""

    def __init__(self, tickets: FakeTicketStore) -> None:
        self.slots_by_id: dict[int, Slot] = {}
        self.bookings: dict[int, Booking] = {}
        self.reminded: dict[int, datetime] = {}
        self.tickets = tickets

    def slot(self, hall_id: int, slot_id: int) -> Slot | None:
        found = self.slots_by_id.get(slot_id)
        return found if found is not None and found.hall_id == hall_id else None

    def slot_starting(self, hall_id: int, service_id: int, day: date, start: time) -> Slot | None:
        return next(
            (
                s
                for s in self.slots_by_id.values()
                if (s.hall_id, s.service_id, s.day, s.start) == (hall_id, service_id, day, start)
            ),
            None,
        )

    def insert_slot(
        self, hall_id: int, service_id: int, day: date, start: time, end: time, capacity: int
    ) -> int:
        if self.slot_starting(hall_id, service_id, day, start) is not None:
            raise ValueError("uq_appointment_slots_start")
        slot_id = len(self.slots_by_id) + 1
        self.slots_by_id[slot_id] = Slot(slot_id, hall_id, service_id, day, start, end, capacity, 0, True)
        return slot_id

    def update_slot(
        self, slot_id: int, *, open: bool, end: time | None = None, capacity: int | None = None
    ) -> None:
        slot = self.slots_by_id[slot_id]
        self.slots_by_id[slot_id] = replace(
            slot, open=open, end=end or slot.end, capacity=slot.capacity if capacity is None else capacity
        )

    def slots(
        self, hall_id: int, *, service_id: int | None, day: date | None, from_day: date | None
    ) -> list[Slot]:
        found = [
            s
            for s in self.slots_by_id.values()
            if s.hall_id == hall_id
            and (service_id is None or s.service_id == service_id)
            and (s.day == day if day is not None else from_day is None or s.day >= from_day)
        ]
        return sorted(found, key=lambda s: (s.day, s.start, s.id))

    def take_place(self, hall_id: int, slot_id: int) -> bool:
        slot = self.slot(hall_id, slot_id)
        if slot is None or not slot.open or slot.booked >= slot.capacity:
            return False
        self.slots_by_id[slot_id] = replace(slot, booked=slot.booked + 1)
        return True

    def free_place(self, slot_id: int) -> None:
        slot = self.slots_by_id[slot_id]
        if slot.booked > 0:
            self.slots_by_id[slot_id] = replace(slot, booked=slot.booked - 1)

    def code_taken(self, code: str) -> bool:
        return any(b.code == code for b in self.bookings.values())

    def insert(self, booking: NewBooking) -> int:
        booking_id = len(self.bookings) + 1
        self.bookings[booking_id] = Booking(
            id=booking_id, checked_in_at=None, ticket_id=None, **asdict(booking)
        )
        return booking_id

    def booking(self, *, id: int | None = None, code: str | None = None) -> Booking | None:
        return next(
            (
                b
                for b in self.bookings.values()
                if (id is None or b.id == id) and (code is None or b.code == code)
            ),
            None,
        )

    def move(
        self,
        booking_id: int,
        expected_status: str,
        *,
        status: str | None = None,
        slot_id: int | None = None,
        ticket_id: int | None = None,
        checked_in_at: datetime | None = None,
        updated_at: datetime | None = None,
    ) -> bool:
        found = self.bookings.get(booking_id)
        if found is None or found.status != expected_status:
            return False
        given = {
            "status": status,
            "slot_id": slot_id,
            "ticket_id": ticket_id,
            "checked_in_at": checked_in_at,
            "updated_at": updated_at,
        }
        self.bookings[booking_id] = replace(found, **{k: v for k, v in given.items() if v is not None})
        return True

    def appointments_ahead(self, hall_id: int, service_id: int, at: datetime, ticket_id: int) -> int:
        return sum(
            1
            for r in self.tickets.waiting(hall_id, [service_id])
            if r.id != ticket_id and r.appointment_at is not None and r.appointment_at <= at
        )

    def _with_slot(self, booking: Booking) -> DueBooking:
        slot = self.slots_by_id[booking.slot_id]
        return DueBooking(**asdict(booking), day=slot.day, start=slot.start, end=slot.end)

    def bookings_of_person(self, hall_id: int, id_hash: str, day: date) -> list[Booking]:
        found = [
            self._with_slot(b)
            for b in self.bookings.values()
            if b.hall_id == hall_id and b.id_hash == id_hash and b.status == "booked"
        ]
        return [
            self.bookings[b.id]
            for b in sorted((b for b in found if b.day == day), key=lambda b: (b.start, b.id))
        ]

    def booked_by_person(self, hall_id: int, id_hash: str, day: date) -> Booking | None:
        found = [
            self._with_slot(b)
            for b in self.bookings.values()
            if b.hall_id == hall_id and b.id_hash == id_hash and b.status in ("booked", "checked_in")
        ]
        found = sorted((b for b in found if b.day == day), key=lambda b: (b.status, b.start, b.id))
        return self.bookings[found[0].id] if found else None

    def booked_until(self, hall_id: int, day: date) -> list[DueBooking]:
        found = [
            self._with_slot(b)
            for b in self.bookings.values()
            if b.hall_id == hall_id and b.status == "booked"
        ]
        return sorted((b for b in found if b.day <= day), key=lambda b: (b.day, b.start, b.id))

    def ticket_number(self, ticket_id: int) -> str | None:
        found = self.tickets.by_id(ticket_id)
        return found.number if found is not None else None

    def to_remind(self, hall_id: int, after: date, through: date, limit: int | None) -> list[DueBooking]:
        found = sorted(
            (
                self._with_slot(b)
                for b in self.bookings.values()
                if b.hall_id == hall_id and b.status == "booked" and b.phone_cipher
                if b.id not in self.reminded
            ),
            key=lambda b: (b.day, b.start, b.id),
        )
        due = [b for b in found if after < b.day <= through]
        return due[:limit] if limit is not None else due

    def mark_reminded(self, booking_id: int, at: datetime) -> None:
        self.reminded[booking_id] = at


class FakeCaseStore:
    """Cases and services' guides in dictionaries; the tickets cases belong to are read from the
    tickets' fake (the SQL store joins the tickets table)."""

    def __init__(self, tickets: FakeTicketStore) -> None:
        self.rows: dict[int, Case] = {}
        self.guides: dict[int, dict[str, Any]] = {}
        self.ticket_rows = tickets

    def service_guide(self, service_id: int) -> dict[str, Any]:
        return dict(self.guides.get(service_id, {}))

    def add(self, case: NewCase) -> int:
        if any(r.ticket_id == case.ticket_id for r in self.rows.values()):
            raise ValueError("cases.ticket_id is unique")
        case_id = len(self.rows) + 1
        self.rows[case_id] = Case(id=case_id, extensions=[], **asdict(case))
        return case_id

    def case(self, case_id: int) -> Case | None:
        return self.rows.get(case_id)

    def case_of_ticket(self, ticket_id: int) -> Case | None:
        return next((r for r in self.rows.values() if r.ticket_id == ticket_id), None)

    def cases(self, hall_id: int, status: str | None) -> list[Case]:
        found = [r for r in self.rows.values() if r.hall_id == hall_id and (not status or r.status == status)]
        # NULL promised dates sort last, as on both databases' default ascending order
        return sorted(found, key=lambda r: (r.promised_date is None, r.promised_date or date.min, r.id))

    def open_promised(self, hall_id: int) -> list[tuple[Case, str]]:
        return [
            (r, self.ticket_rows.rows[r.ticket_id].number)
            for r in sorted(self.rows.values(), key=lambda r: r.id)
            if r.hall_id == hall_id and r.status == "open" and r.promised_date is not None
        ]

    def complete(self, case_id: int, at: datetime) -> None:
        self.rows[case_id] = replace(self.rows[case_id], status="done", completed_at=at)

    def set_extensions(self, case_id: int, extensions: list[Any]) -> None:
        self.rows[case_id] = replace(self.rows[case_id], extensions=list(extensions))

    def ticket(self, *, id: int | None = None, token: str | None = None) -> TicketRef | None:
        found = self.ticket_rows.by_id(id) if id is not None else self.ticket_rows.by_token(token or "")
        if found is None or (token is not None and found.token != token):
            return None
        return TicketRef(found.id, found.hall_id, found.service_id, found.number, found.token)


class FakeCalendarStore:
    """Marked dates, windows' extended hours and open follow-ups in dictionaries."""

    def __init__(self) -> None:
        self.days: dict[tuple[int, date], CalendarMark] = {}
        self.hours: dict[tuple[int, date], tuple[int, WindowHours]] = {}
        self.follow_ups: dict[int, OpenFollowUp] = {}

    def marks(self, hall_id: int, start: date, end: date) -> list[CalendarMark]:
        return [m for (hall, day), m in self.days.items() if hall == hall_id and start <= day <= end]

    def set_mark(self, hall_id: int, mark: CalendarMark) -> None:
        self.days[(hall_id, mark.day)] = mark

    def clear_mark(self, hall_id: int, day: date) -> None:
        self.days.pop((hall_id, day), None)

    def window_hours(self, hall_id: int, day: date) -> list[WindowHours]:
        return [h for (_, d), (hall, h) in self.hours.items() if hall == hall_id and d == day]

    def set_window_hours(self, hall_id: int, hours: WindowHours) -> None:
        self.hours[(hours.window_id, hours.day)] = (hall_id, hours)

    def clear_window_hours(self, window_id: int, day: date) -> None:
        self.hours.pop((window_id, day), None)

    def open_follow_ups(self, hall_id: int) -> list[OpenFollowUp]:
        return [f for _, f in sorted(self.follow_ups.items()) if f.stage != "closed"]

    def move_follow_ups(self, dues: list[FollowUpDues]) -> None:
        for d in dues:
            self.follow_ups[d.id] = replace(
                self.follow_ups[d.id],
                verify_due=d.verify_due,
                rectify_due=d.rectify_due,
                revisit_due=d.revisit_due,
            )
