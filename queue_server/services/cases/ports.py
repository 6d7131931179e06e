"""The cases' ports: bookable slots and bookings, case outcomes and promised cases, the calendar.

Typed rows in, typed rows out: the services never see the database's rows. The SQLAlchemy stores
are in ``queue_server.adapters.appointments`` and ``queue_server.adapters.cases``; the tests hand in
in-memory fakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Literal, Protocol

CaseStatus = Literal["open", "done"]  # open: a promised case (承诺件) not completed yet
JsonList = list[Any]  # a JSON column's list, as stored (missing items, extensions, periods)


# ---------------------------------------------------------------------------- appointments


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable slot (预约时段) with its places."""

    id: int
    hall_id: int
    service_id: int
    day: date
    start: time
    end: time
    capacity: int
    booked: int
    open: bool


@dataclass(frozen=True, slots=True)
class NewBooking:
    """A booking as it is first written (the store gives it its id)."""

    hall_id: int
    slot_id: int
    service_id: int
    code: str
    status: str
    channel: str
    phone_cipher: str | None
    phone_masked: str | None
    phone_hash: str | None
    id_hash: str | None
    id_masked: str | None
    created_at: datetime
    updated_at: datetime
    language: str  # the booking's language: its reminder's wording (zh-CN or en)


@dataclass(frozen=True, slots=True)
class Booking(NewBooking):
    """A booking (预约) of a place in a slot."""

    id: int
    checked_in_at: datetime | None
    ticket_id: int | None


@dataclass(frozen=True, slots=True)
class DueBooking(Booking):
    """A booking with its slot's day and times (what the missed-booking sweep needs)."""

    day: date
    start: time
    end: time


class AppointmentStore(Protocol):
    """Slots with their places, bookings, and compare-and-set moves."""

    def slot(self, hall_id: int, slot_id: int) -> Slot | None:
        """A slot of the hall, or None."""
        ...

    def slot_starting(self, hall_id: int, service_id: int, day: date, start: time) -> Slot | None:
        """The service's slot starting at ``start`` on ``day``, or None."""
        ...

    def insert_slot(
        self, hall_id: int, service_id: int, day: date, start: time, end: time, capacity: int
    ) -> int:
        """Add an open slot with no place booked and return its id."""
        ...

    def update_slot(
        self, slot_id: int, *, open: bool, end: time | None = None, capacity: int | None = None
    ) -> None:
        """Open or close a slot (and set its end and capacity when given)."""
        ...

    def slots(
        self, hall_id: int, *, service_id: int | None, day: date | None, from_day: date | None
    ) -> list[Slot]:
        """The hall's slots on ``day`` (or from ``from_day`` on), of one service or all, in time order."""
        ...

    def take_place(self, hall_id: int, slot_id: int) -> bool:
        """Book one place if the slot is open and not full (compare-and-set); False otherwise."""
        ...

    def free_place(self, slot_id: int) -> None:
        """Give one place back."""
        ...

    def code_taken(self, code: str) -> bool:
        """Whether any hall already uses this booking code."""
        ...

    def insert(self, booking: NewBooking) -> int:
        """Add a booking and return its id."""
        ...

    def booking(self, *, id: int | None = None, code: str | None = None) -> Booking | None:
        """The booking with this id or code, or None."""
        ...

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
        ...

    def appointments_ahead(self, hall_id: int, service_id: int, at: datetime, ticket_id: int) -> int:
        """Waiting checked-in tickets of a service whose slot is not later (the policy calls them first)."""
        ...

    def booked_by_person(self, hall_id: int, id_hash: str, day: date) -> Booking | None:
        """A person's first booking on ``day`` still waiting for them (None when there is none)."""
        ...

    def bookings_of_person(self, hall_id: int, id_hash: str, day: date) -> list[Booking]:
        """A person's bookings on ``day`` still waiting for them, in slot order."""
        ...

    def booked_until(self, hall_id: int, day: date) -> list[DueBooking]:
        """Bookings still waiting for their citizen whose slot is on ``day`` or earlier."""
        ...

    def ticket_number(self, ticket_id: int) -> str | None:
        """The number of the ticket a booking was checked in as."""
        ...

    def to_remind(self, hall_id: int, after: date, through: date, limit: int | None) -> list[DueBooking]:
        """Bookings with a phone, still booked and not yet reminded, whose slot's day is after
        ``after`` and not after ``through`` (at most ``limit``, in slot order)."""
        ...

    def mark_reminded(self, booking_id: int, at: datetime) -> None:
        """Note that a booking's reminder was dealt with (it goes once)."""
        ...


# ---------------------------------------------------------------------------- cases


@dataclass(frozen=True, slots=True)
class TicketRef:
    """What a case needs to know of its ticket."""

    id: int
    hall_id: int
    service_id: int
    number: str
    token: str = ""  # the holder's ticket page (and SMS opt-in) key


@dataclass(frozen=True, slots=True)
class NewCase:
    """A concluded ticket's case as it is first written."""

    hall_id: int
    ticket_id: int
    service_id: int
    window_id: int | None
    clerk_user_id: int | None
    outcome: str
    status: CaseStatus
    green: bool
    promised_date: date | None
    missing_items: JsonList
    reasons: str
    referred_to: str
    phone_cipher: str | None
    phone_masked: str | None
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Case(NewCase):
    """A case (办件): its outcome, and for a promised case (承诺件) its date and extensions."""

    id: int
    extensions: JsonList


class CaseStore(Protocol):
    """Cases of concluded tickets, their completion and extensions."""

    def service_guide(self, service_id: int) -> dict[str, Any]:
        """The service's guide (办事指南: materials, limits, location; a JSON document)."""
        ...

    def add(self, case: NewCase) -> int:
        """Write a case and return its id."""
        ...

    def case(self, case_id: int) -> Case | None:
        """A case by id, or None."""
        ...

    def case_of_ticket(self, ticket_id: int) -> Case | None:
        """The case of a ticket, or None."""
        ...

    def cases(self, hall_id: int, status: str | None) -> list[Case]:
        """The hall's cases (of one status or all), by promised date then id."""
        ...

    def open_promised(self, hall_id: int) -> list[tuple[Case, str]]:
        """The hall's open cases with a promised date, with their tickets' numbers, by id."""
        ...

    def complete(self, case_id: int, at: datetime) -> None:
        """Mark a case done (办结) at ``at``."""
        ...

    def set_extensions(self, case_id: int, extensions: JsonList) -> None:
        """Replace a case's approved extensions."""
        ...

    def ticket(self, *, id: int | None = None, token: str | None = None) -> TicketRef | None:
        """A ticket by id or by its citizen's token."""
        ...


# ---------------------------------------------------------------------------- calendar


@dataclass(frozen=True, slots=True)
class CalendarMark:
    """A date's mark: holiday, 调休 working day, or extended hours (with their periods)."""

    day: date
    kind: str
    periods: list[tuple[str, str]]
    note: str


@dataclass(frozen=True, slots=True)
class WindowHours:
    """A window's approved extended hours (延时服务) on one day."""

    window_id: int
    day: date
    periods: list[tuple[str, str]]
    note: str
    approved_by: str


@dataclass(frozen=True, slots=True)
class OpenFollowUp:
    """An open 差评 follow-up's stage and dues, with its ticket's number."""

    id: int
    ticket: str
    stage: str
    opened_at: datetime
    verify_due: date
    rectify_due: date
    revisit_due: date


@dataclass(frozen=True, slots=True)
class FollowUpDues:
    """New dues of a follow-up's stages."""

    id: int
    verify_due: date
    rectify_due: date
    revisit_due: date


class CalendarStore(Protocol):
    """The hall's marked dates, windows' extended hours, and the follow-up dues they move."""

    def marks(self, hall_id: int, start: date, end: date) -> list[CalendarMark]:
        """The hall's marked dates from ``start`` to ``end``."""
        ...

    def set_mark(self, hall_id: int, mark: CalendarMark) -> None:
        """Mark a date (replacing its mark)."""
        ...

    def clear_mark(self, hall_id: int, day: date) -> None:
        """Remove a date's mark."""
        ...

    def window_hours(self, hall_id: int, day: date) -> list[WindowHours]:
        """The windows' approved extended hours on ``day``."""
        ...

    def set_window_hours(self, hall_id: int, hours: WindowHours) -> None:
        """Approve a window's extended hours on a day (replacing what was approved)."""
        ...

    def clear_window_hours(self, window_id: int, day: date) -> None:
        """Withdraw a window's extended hours on a day."""
        ...

    def open_follow_ups(self, hall_id: int) -> list[OpenFollowUp]:
        """The hall's follow-ups not closed yet, by id."""
        ...

    def move_follow_ups(self, dues: list[FollowUpDues]) -> None:
        """Set the follow-ups' new dues (one statement for them all)."""
        ...
