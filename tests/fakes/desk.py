"""The windows' and work profiles' stores in memory (assignments change the hall fake's catalogue)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Unpack

from queue_server.domain.hall import AssignmentRule
from queue_server.services.desk.ports import (
    Clerk,
    LatestRating,
    Post,
    TransferNote,
    WindowChanges,
    WindowEvent,
    WindowRow,
    WorkProfile,
)
from queue_server.services.hall.ports import NewEvent
from queue_server.services.tickets.ports import TicketRow
from tests.fakes.hall import FakeHallStore
from tests.fakes.tickets import FakeTicketStore


class FakeWindowStore:
    """Live rows by window id; staff by id; calls read from the shared event record."""

    def __init__(self, hall: FakeHallStore, events: list[NewEvent], tickets: FakeTicketStore) -> None:
        self.hall = hall
        self.events = events
        self.tickets = tickets
        self.live: dict[int, WindowRow] = {}
        self.staff: dict[int, Clerk] = {}
        self.homes: dict[int, Post] = {}

    def install(self, hall_id: int) -> None:
        """A row per window of the hall's catalogue, closed, as a fresh hall has them."""
        for window in self.hall.catalogues[hall_id].windows.values():
            self.live[window.id] = WindowRow(
                window.id, hall_id, window.number, "closed", None, None, None, None
            )

    def row(self, window_id: int, *, lock: bool = False) -> WindowRow:
        return self.live[window_id]

    def row_and_ticket(self, window_id: int) -> tuple[WindowRow, TicketRow | None]:
        row = self.live[window_id]
        return row, None if row.current_ticket_id is None else self.tickets.by_id(row.current_ticket_id)

    def rows(self, hall_id: int) -> list[WindowRow]:
        return [r for r in self.live.values() if r.hall_id == hall_id]

    def update(self, window_id: int, **changes: Unpack[WindowChanges]) -> None:
        self.live[window_id] = replace(self.live[window_id], **changes)

    def clerks(self, ids: Iterable[int | None]) -> dict[int, Clerk]:
        return {i: self.staff[i] for i in ids if i is not None and i in self.staff}

    def posts(self, hall_id: int, window_id: int, user_id: int) -> list[Post]:
        return [p for p in self.homes.values() if p.window_id == window_id or p.id == user_id]

    def replace_assignments(self, hall_id: int, window_id: int, rules: Sequence[AssignmentRule]) -> None:
        catalogue = self.hall.catalogues[hall_id]
        windows = dict(catalogue.windows)
        windows[window_id] = replace(windows[window_id], rules=tuple(rules))
        self.hall.catalogues[hall_id] = replace(catalogue, windows=windows)

    def call_priorities(self, window_id: int, limit: int) -> list[bool]:
        calls = [e for e in reversed(self.events) if e.window_id == window_id and e.type == "ticket.called"]
        return [bool(e.data.get("priority")) for e in calls[:limit]]

    def call_request(self, window_id: int, ticket_id: int) -> str | None:
        for e in reversed(self.events):
            if (e.window_id, e.ticket_id) == (window_id, ticket_id) and e.type in (
                "ticket.called",
                "ticket.called_back",
            ):
                request = e.data.get("request_id")
                return None if request is None else str(request)
        return None


class FakeProfileStore:
    """Work profiles by id."""

    def __init__(self) -> None:
        self.profiles: dict[int, WorkProfile] = {}
        self._ids = itertools.count(1)

    def get(self, profile_id: int) -> WorkProfile | None:
        return self.profiles.get(profile_id)

    def of_hall(self, hall_id: int) -> list[WorkProfile]:
        return sorted((p for p in self.profiles.values() if p.hall_id == hall_id), key=lambda p: p.name)

    def name_taken(self, hall_id: int, name: str, other_than: int | None) -> bool:
        return any(
            p.hall_id == hall_id and p.name == name and p.id != other_than for p in self.profiles.values()
        )

    def add(self, hall_id: int, name: str, services: Sequence[str], at: datetime, by: str) -> int:
        profile_id = next(self._ids)
        self.profiles[profile_id] = WorkProfile(profile_id, hall_id, name, tuple(services), at, by)
        return profile_id

    def change(self, profile_id: int, name: str, services: Sequence[str], at: datetime, by: str) -> None:
        old = self.profiles[profile_id]
        self.profiles[profile_id] = replace(
            old, name=name, services=tuple(services), updated_at=at, updated_by=by
        )

    def remove(self, profile_id: int) -> None:
        del self.profiles[profile_id]


class FakeDeskStore:
    """The clerk console's reads over the ticket fake and the shared event record."""

    def __init__(self, tickets: FakeTicketStore, events: list[NewEvent]) -> None:
        self.tickets = tickets
        self.events = events
        self.guides: dict[int, dict[str, Any]] = {}
        self.ratings: dict[int, LatestRating] = {}  # by window id

    def service_guide(self, service_id: int) -> dict[str, Any]:
        return self.guides.get(service_id, {})

    def last_transfer(self, ticket_id: int) -> TransferNote | None:
        for e in reversed(self.events):
            if e.ticket_id == ticket_id and e.type == "ticket.transferred":
                return TransferNote(e.window_id, str(e.data.get("reason", "")))
        return None

    def waiting_here(self, hall_id: int, service_ids: Sequence[int], window_id: int) -> list[TicketRow]:
        rows = [
            r
            for r in self.tickets.rows.values()
            if r.hall_id == hall_id
            and r.status == "waiting"
            and (
                (r.service_id in service_ids and r.target_window_id is None)
                or r.target_window_id == window_id
            )
        ]
        return sorted(rows, key=lambda r: (r.rank_at, r.id))

    def set_aside(self, hall_id: int, day: date, window_id: int) -> list[TicketRow]:
        return [
            r
            for r in sorted(self.tickets.rows.values(), key=lambda r: r.id)
            if (r.hall_id, r.business_day, r.window_id) == (hall_id, day, window_id)
            and r.status in ("parked", "no_show")
        ]

    def set_aside_since(self, ticket_ids: Sequence[int]) -> dict[int, datetime]:
        since: dict[int, datetime] = {}
        for e in self.events:
            if e.ticket_id in ticket_ids and e.type in ("ticket.parked", "ticket.no_show"):
                since[e.ticket_id] = max(e.at, since.get(e.ticket_id, e.at))
        return since

    def window_events(
        self, hall_id: int, window_id: int, since: datetime, types: Sequence[str]
    ) -> list[WindowEvent]:
        return [
            WindowEvent(e.type, e.at, e.ticket_id, e.actor_user_id, e.data)
            for e in self.events
            if (e.hall_id, e.window_id) == (hall_id, window_id) and e.at >= since and e.type in types
        ]

    def latest_rating(self, window_id: int, since: datetime) -> LatestRating | None:
        return self.ratings.get(window_id)
