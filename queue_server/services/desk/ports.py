"""The windows' ports: a window's live row, its assignments and calls, and the work profiles.

``queue_server.adapters.desk`` implements them on SQL; tests use in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypedDict, Unpack

from queue_server.domain.hall import AssignmentRule
from queue_server.services.tickets.ports import TicketRow


@dataclass(frozen=True, slots=True)
class WindowRow:
    """A window's live row: open, paused or closed, who serves there and which ticket it is on."""

    id: int
    hall_id: int
    number: str
    status: str
    pause_reason: str | None
    status_since: datetime | None
    clerk_id: int | None
    current_ticket_id: int | None


class WindowChanges(TypedDict, total=False):
    """What a window's live row may change."""

    status: str
    pause_reason: str | None
    status_since: datetime | None
    clerk_id: int | None
    current_ticket_id: int | None


@dataclass(frozen=True, slots=True)
class Clerk:
    """A member of staff as the screens name them."""

    id: int
    staff_no: str
    name: str


@dataclass(frozen=True, slots=True)
class Post:
    """Where an active clerk belongs: their home window and AB-post partner."""

    id: int
    staff_no: str
    window_id: int | None
    ab_partner_id: int | None


class WindowStore(Protocol):
    """Windows' live rows, assignments and call history, in one transaction."""

    def row(self, window_id: int, *, lock: bool = False) -> WindowRow:
        """A window's live row (locked for the transaction when ``lock``)."""
        ...

    def row_and_ticket(self, window_id: int) -> tuple[WindowRow, TicketRow | None]:
        """A window's live row, locked for the transaction, and the ticket it holds (if any)."""
        ...

    def rows(self, hall_id: int) -> list[WindowRow]:
        """Every window's live row in a hall."""
        ...

    def update(self, window_id: int, **changes: Unpack[WindowChanges]) -> None:
        """Change a window's live row."""
        ...

    def clerks(self, ids: Iterable[int | None]) -> dict[int, Clerk]:
        """Staff by id (None ids ignored)."""
        ...

    def posts(self, hall_id: int, window_id: int, user_id: int) -> list[Post]:
        """The active clerks at home at a window, and the clerk ``user_id``."""
        ...

    def replace_assignments(self, hall_id: int, window_id: int, rules: Sequence[AssignmentRule]) -> None:
        """Set a window's assignments in one go."""
        ...

    def call_priorities(self, window_id: int, limit: int) -> list[bool]:
        """Whether each of the window's latest calls (recalls aside) was a priority ticket, newest first."""
        ...

    def call_request(self, window_id: int, ticket_id: int) -> str | None:
        """The request id of the latest call (or call-back) of a ticket to the window, if it had one."""
        ...


@dataclass(frozen=True, slots=True)
class WorkProfile:
    """A named service set (工作模板), first service = preference 1."""

    id: int
    hall_id: int
    name: str
    services: tuple[str, ...]
    updated_at: datetime
    updated_by: str


class ProfileStore(Protocol):
    """Work profiles, in one transaction."""

    def get(self, profile_id: int) -> WorkProfile | None:
        """A profile by id."""
        ...

    def of_hall(self, hall_id: int) -> list[WorkProfile]:
        """The hall's profiles by name."""
        ...

    def name_taken(self, hall_id: int, name: str, other_than: int | None) -> bool:
        """Whether another profile of the hall has this name."""
        ...

    def add(self, hall_id: int, name: str, services: Sequence[str], at: datetime, by: str) -> int:
        """Store a new profile; its id."""
        ...

    def change(self, profile_id: int, name: str, services: Sequence[str], at: datetime, by: str) -> None:
        """Change a profile's name and services."""
        ...

    def remove(self, profile_id: int) -> None:
        """Drop a profile."""
        ...


@dataclass(frozen=True, slots=True)
class TransferNote:
    """Where a ticket was last sent from (转移) and why."""

    from_window_id: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class WindowEvent:
    """One event of a window's day, as the clerk's counters read it."""

    type: str
    at: datetime
    ticket_id: int | None
    actor_user_id: int | None
    data: dict[str, Any]  # the event type's own JSON fields


@dataclass(frozen=True, slots=True)
class LatestRating:
    """The rating asked for a window's latest concluded ticket (pending, rated or lapsed)."""

    number: str
    token: str
    status: str
    level: str | None
    deadline_at: datetime | None
    case_outcome: str | None


class DeskStore(Protocol):
    """What the clerk's console reads about its window, in one transaction."""

    def service_guide(self, service_id: int) -> dict[str, Any]:
        """A service's guide (办事指南) as stored (JSON, validated by the contract's model)."""
        ...

    def last_transfer(self, ticket_id: int) -> TransferNote | None:
        """The ticket's latest transfer, if it had one."""
        ...

    def waiting_here(self, hall_id: int, service_ids: Sequence[int], window_id: int) -> list[TicketRow]:
        """Waiting tickets of these services not sent elsewhere, and those sent to the window; by rank."""
        ...

    def set_aside(self, hall_id: int, day: date, window_id: int) -> list[TicketRow]:
        """The day's tickets parked or no-show at the window, by id."""
        ...

    def set_aside_since(self, ticket_ids: Sequence[int]) -> dict[int, datetime]:
        """When each ticket was last parked or marked no-show."""
        ...

    def window_events(
        self, hall_id: int, window_id: int, since: datetime, types: Sequence[str]
    ) -> list[WindowEvent]:
        """The window's events of these types since ``since``, in order."""
        ...

    def latest_rating(self, window_id: int, since: datetime) -> LatestRating | None:
        """The latest rating asked at the window since ``since``."""
        ...
