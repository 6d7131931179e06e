"""The assessment's ports: the month's record the facts are read from, the managers' entries, the
flags and the closed months, as typed rows. ``queue_server.adapters.assessment`` implements them on
SQL; the tests' fakes keep them in memory. Complaints and praise come from the complaint store."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from queue_server.services.evaluations.ports import Audit, Directory


@dataclass(frozen=True, slots=True)
class EventFact:
    """An event row as the month's measures read it (``data`` left out for calls)."""

    id: int
    type: str
    at: datetime
    window_id: int | None
    ticket_id: int | None
    actor_user_id: int | None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PromisedCase:
    """A promised case (承诺件): its window, promised day, extensions and completion."""

    id: int
    window_id: int | None
    clerk_user_id: int | None
    ticket_number: str
    promised_date: date | None
    extensions: tuple[dict[str, Any], ...] = ()
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BadRating:
    """A 差评 a citizen gave (not a default), with its follow-up if one was opened."""

    id: int
    window_id: int | None
    clerk_user_id: int | None
    level: str
    follow_up_id: int | None


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A manager's item in a month: a rule counted (``count`` times) or a measured fact waived."""

    hall_id: int
    month: str
    window_id: int
    clerk_user_id: int | None
    rule: str
    count: float
    points: float | None
    waives: str | None
    reason: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class Entry(NewEntry):
    """A stored manager's item (withdrawn ones keep their row, marked)."""

    id: int
    withdrawn_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Flag:
    """A window's mark in a month: model (模范窗口), yellow (黄旗), warning, unsatisfied (限期整改)."""

    hall_id: int
    month: str
    window_id: int
    kind: str
    at: datetime
    by: str
    sign_from: date | None = None
    sign_until: date | None = None
    note: str = ""


class MonthRecord(Directory, Protocol):
    """The record a month's facts are measured from."""

    def status_events(self, hall_id: int, start: datetime, end: datetime) -> list[EventFact]:
        """The window.status and ticket.no_show events in [start, end)."""
        ...

    def calls_of(
        self, hall_id: int, ticket_ids: Iterable[int], start: datetime, end: datetime
    ) -> list[EventFact]:
        """The calls and recalls of these tickets in [start, end) (without their data)."""
        ...

    def last_ticket_action(
        self, hall_id: int, window_id: int, start: datetime, until: datetime
    ) -> datetime | None:
        """When a clerk last acted on a ticket at the window in [start, until]."""
        ...

    def promised_cases(self, hall_id: int) -> list[PromisedCase]:
        """Every promised case of the hall."""
        ...

    def bad_ratings(
        self, hall_id: int, levels: Iterable[str], start: datetime, end: datetime
    ) -> list[BadRating]:
        """Citizens' ratings at ``levels`` recorded in [start, end)."""
        ...

    def entries(self, hall_id: int, month: str) -> list[Entry]:
        """The month's entries not withdrawn, in the order they were made."""
        ...


class AssessmentStore(MonthRecord, Audit, Protocol):
    """The monthly assessment: the record, entries, flags and closed months."""

    def closed_results(self, hall_id: int, month: str) -> dict[str, Any] | None:
        """The frozen sheets of a closed month (JSON), None while it is open."""
        ...

    def flags(self, hall_id: int, month: str) -> list[Flag]:
        """The month's flags."""
        ...

    def yellow_counts(self, hall_id: int, first_month: str, before_month: str) -> dict[int, int]:
        """黄旗 per window id in months first_month ≤ m < before_month."""
        ...

    def add_entry(self, new: NewEntry) -> int:
        """Store a manager's item; its id."""
        ...

    def entry(self, entry_id: int) -> Entry | None:
        """One entry by id."""
        ...

    def withdraw_entry(self, entry_id: int, at: datetime, by: str) -> None:
        """Mark an entry withdrawn."""
        ...

    def add_flag(self, flag: Flag) -> None:
        """Store a flag."""
        ...

    def remove_flag(self, hall_id: int, month: str, window_id: int, kind: str) -> None:
        """Remove a window's flag of a kind in a month (none is fine)."""
        ...

    def close_month(self, hall_id: int, month: str, at: datetime, by: str, results: dict[str, Any]) -> None:
        """Freeze a month's sheets."""
        ...

    def sign_until(self, hall_id: int, window_id: int, today: date) -> date | None:
        """The last day of a 限期整改 sign showing on ``today`` at the window, if any."""
        ...
