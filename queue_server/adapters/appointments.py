"""The SQL of appointments: slots with their places, bookings, and compare-and-set moves.

A place is taken with ``UPDATE … SET booked = booked + 1 WHERE booked < capacity``: the row
lock and the re-checked condition make it exact across transactions and server processes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, Row, func, select, update

from queue_server.adapters import tables as t
from queue_server.services.cases.ports import Booking, DueBooking, NewBooking, Slot

slots, bookings = t.appointment_slots, t.appointments
BOOKING_FIELDS = tuple(name for name in Booking.__dataclass_fields__)


def _slot(row: Row[Any] | None) -> Slot | None:
    if row is None:
        return None
    return Slot(
        id=row.id,
        hall_id=row.hall_id,
        service_id=row.service_id,
        day=row.day,
        start=row.start,
        end=row.end,
        capacity=row.capacity,
        booked=row.booked,
        open=bool(row.open),
    )


def _booking(row: Row[Any] | None) -> Booking | None:
    if row is None:
        return None
    return Booking(**{name: getattr(row, name) for name in BOOKING_FIELDS})


class SqlAppointmentStore:
    """Reads and writes of slots and bookings on one unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ---------------------------------------------------------------- slots

    def slot(self, hall_id: int, slot_id: int) -> Slot | None:
        """A slot of the hall, or None."""
        query = select(slots).where(slots.c.id == slot_id, slots.c.hall_id == hall_id)
        return _slot(self.conn.execute(query).first())

    def slot_starting(self, hall_id: int, service_id: int, day: date, start: time) -> Slot | None:
        """The service's slot starting at ``start`` on ``day``, or None."""
        query = select(slots).where(
            slots.c.hall_id == hall_id,
            slots.c.service_id == service_id,
            slots.c.day == day,
            slots.c.start == start,
        )
        return _slot(self.conn.execute(query).first())

    def insert_slot(
        self, hall_id: int, service_id: int, day: date, start: time, end: time, capacity: int
    ) -> int:
        """Add an open slot with no place booked and return its id."""
        values = {
            "hall_id": hall_id,
            "service_id": service_id,
            "day": day,
            "start": start,
            "end": end,
            "capacity": capacity,
            "booked": 0,
            "open": True,
        }
        return int(self.conn.execute(slots.insert().returning(slots.c.id), values).scalar_one())

    def update_slot(
        self, slot_id: int, *, open: bool, end: time | None = None, capacity: int | None = None
    ) -> None:
        """Open or close a slot (and set its end and capacity when given)."""
        values: dict[str, Any] = {"open": open}
        if end is not None:
            values["end"] = end
        if capacity is not None:
            values["capacity"] = capacity
        self.conn.execute(update(slots).where(slots.c.id == slot_id).values(**values))

    def slots(
        self, hall_id: int, *, service_id: int | None, day: date | None, from_day: date | None
    ) -> list[Slot]:
        """The hall's slots on ``day`` (or from ``from_day`` on), of one service or all."""
        query = select(slots).where(slots.c.hall_id == hall_id)
        if service_id is not None:
            query = query.where(slots.c.service_id == service_id)
        if day is not None:
            query = query.where(slots.c.day == day)
        elif from_day is not None:
            query = query.where(slots.c.day >= from_day)
        rows = self.conn.execute(query.order_by(slots.c.day, slots.c.start, slots.c.id))
        return [slot for row in rows if (slot := _slot(row)) is not None]

    def take_place(self, hall_id: int, slot_id: int) -> bool:
        """Book one place if the slot is open and not full (compare-and-set); False otherwise."""
        result = self.conn.execute(
            update(slots)
            .where(
                slots.c.id == slot_id,
                slots.c.hall_id == hall_id,
                slots.c.open.is_(True),
                slots.c.booked < slots.c.capacity,
            )
            .values(booked=slots.c.booked + 1)
        )
        return result.rowcount == 1

    def free_place(self, slot_id: int) -> None:
        """Give one place back."""
        self.conn.execute(
            update(slots).where(slots.c.id == slot_id, slots.c.booked > 0).values(booked=slots.c.booked - 1)
        )

    # ---------------------------------------------------------------- bookings

    def code_taken(self, code: str) -> bool:
        """Whether any hall already uses this booking code."""
        return self.conn.execute(select(bookings.c.id).where(bookings.c.code == code)).first() is not None

    def insert(self, booking: NewBooking) -> int:
        """Add a booking and return its id."""
        values = {name: getattr(booking, name) for name in NewBooking.__dataclass_fields__}
        return int(self.conn.execute(bookings.insert().returning(bookings.c.id), values).scalar_one())

    def booking(self, *, id: int | None = None, code: str | None = None) -> Booking | None:
        """The booking with this id or code, or None."""
        query = select(bookings)
        if id is not None:
            query = query.where(bookings.c.id == id)
        if code is not None:
            query = query.where(bookings.c.code == code)
        return _booking(self.conn.execute(query).first())

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
        """Change a booking only if it is still in ``expected_status`` (compare-and-set)."""
        given = {
            "status": status,
            "slot_id": slot_id,
            "ticket_id": ticket_id,
            "checked_in_at": checked_in_at,
            "updated_at": updated_at,
        }
        values = {name: value for name, value in given.items() if value is not None}
        result = self.conn.execute(
            update(bookings)
            .where(bookings.c.id == booking_id, bookings.c.status == expected_status)
            .values(**values)
        )
        return result.rowcount == 1

    def appointments_ahead(self, hall_id: int, service_id: int, at: datetime, ticket_id: int) -> int:
        """Waiting checked-in tickets of a service whose slot is not later (the policy calls them first)."""
        tickets = t.tickets
        query = select(func.count()).where(
            tickets.c.hall_id == hall_id,
            tickets.c.service_id == service_id,
            tickets.c.status == "waiting",
            tickets.c.appointment_at.is_not(None),
            tickets.c.id != ticket_id,
            tickets.c.appointment_at <= at,
        )
        return int(self.conn.execute(query).scalar_one())

    def booked_by_person(self, hall_id: int, id_hash: str, day: date) -> Booking | None:
        """A person's first booking on ``day`` still waiting for them (None when there is none)."""
        query = (
            select(bookings)
            .join(slots, slots.c.id == bookings.c.slot_id)
            .where(bookings.c.hall_id == hall_id, bookings.c.id_hash == id_hash, slots.c.day == day)
            .where(bookings.c.status.in_(("booked", "checked_in")))
            .order_by(bookings.c.status, slots.c.start, bookings.c.id)
        )
        return _booking(self.conn.execute(query).first())

    def bookings_of_person(self, hall_id: int, id_hash: str, day: date) -> list[Booking]:
        """A person's bookings on ``day`` still waiting for them, in slot order."""
        query = (
            select(bookings)
            .join(slots, slots.c.id == bookings.c.slot_id)
            .where(bookings.c.hall_id == hall_id, bookings.c.id_hash == id_hash, slots.c.day == day)
            .where(bookings.c.status == "booked")
            .order_by(slots.c.start, bookings.c.id)
        )
        return [
            Booking(**{name: getattr(r, name) for name in BOOKING_FIELDS}) for r in self.conn.execute(query)
        ]

    def booked_until(self, hall_id: int, day: date) -> list[DueBooking]:
        """Bookings still waiting for their citizen whose slot is on ``day`` or earlier, with slot times."""
        query = (
            select(bookings, slots.c.day, slots.c.start, slots.c.end)
            .join(slots, slots.c.id == bookings.c.slot_id)
            .where(bookings.c.hall_id == hall_id, bookings.c.status == "booked", slots.c.day <= day)
            .order_by(slots.c.day, slots.c.start, bookings.c.id)
        )
        return _due_bookings(self.conn.execute(query))

    def ticket_number(self, ticket_id: int) -> str | None:
        """The number of the ticket a booking was checked in as."""
        number = self.conn.execute(select(t.tickets.c.number).where(t.tickets.c.id == ticket_id)).scalar()
        return None if number is None else str(number)

    def to_remind(self, hall_id: int, after: date, through: date, limit: int | None) -> list[DueBooking]:
        """Booked, with a phone, not yet reminded, the slot's day in (after, through]."""
        b = bookings.c
        query = (
            select(bookings, slots.c.day, slots.c.start, slots.c.end)
            .join(slots, slots.c.id == b.slot_id)
            .where(
                b.hall_id == hall_id,
                b.status == "booked",
                b.reminded_at.is_(None),
                b.phone_cipher.is_not(None),
                slots.c.day > after,
                slots.c.day <= through,
            )
            .order_by(slots.c.day, slots.c.start, b.id)
        )
        if limit is not None:
            query = query.limit(limit)
        return _due_bookings(self.conn.execute(query))

    def mark_reminded(self, booking_id: int, at: datetime) -> None:
        """Note that a booking's reminder was dealt with."""
        self.conn.execute(update(bookings).where(bookings.c.id == booking_id).values(reminded_at=at))


# The name the ticket check-in still builds the store by (it takes ``uow.stores.appointments`` once
# its own package speaks to ports).
AppointmentStore = SqlAppointmentStore


def _due_bookings(rows: Iterable[Any]) -> list[DueBooking]:
    """Booking rows read with their slot's day, start and end."""
    return [
        DueBooking(
            **{name: getattr(row, name) for name in BOOKING_FIELDS},
            day=row.day,
            start=row.start,
            end=row.end,
        )
        for row in rows
    ]
