"""A fake of the assessment's port: the month's record, entries, flags and closed months in lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, replace
from datetime import date, datetime
from typing import Any

from queue_server.services.assessment.ports import BadRating, Entry, EventFact, Flag, NewEntry, PromisedCase
from tests.fakes.evaluations import FakeDirectory, FakeStore

CALLS = ("ticket.called", "ticket.called_back", "ticket.recalled")


class FakeAssessmentStore(FakeStore):
    """The record as the month's measures read it, and the meeting's changes."""

    def __init__(self, directory: FakeDirectory) -> None:
        super().__init__(directory)
        self.events: list[tuple[int, EventFact]] = []  # (hall, event)
        self.cases: list[tuple[int, PromisedCase]] = []
        self.ratings: list[tuple[int, datetime, BadRating]] = []  # (hall, recorded at, rating)
        self.entry_rows: dict[int, Entry] = {}
        self.flag_rows: list[Flag] = []
        self.closed: dict[tuple[int, str], dict[str, Any]] = {}

    def status_events(self, hall_id: int, start: datetime, end: datetime) -> list[EventFact]:
        kinds = ("window.status", "ticket.no_show")
        return [e for h, e in self.events if h == hall_id and e.type in kinds and start <= e.at < end]

    def calls_of(
        self, hall_id: int, ticket_ids: Iterable[int], start: datetime, end: datetime
    ) -> list[EventFact]:
        wanted = set(ticket_ids)
        return [
            replace(e, data={})
            for h, e in self.events
            if h == hall_id and e.type in CALLS and e.ticket_id in wanted and start <= e.at < end
        ]

    def last_ticket_action(
        self, hall_id: int, window_id: int, start: datetime, until: datetime
    ) -> datetime | None:
        times = [
            e.at
            for h, e in self.events
            if h == hall_id
            and e.window_id == window_id
            and e.type.startswith("ticket.")
            and e.actor_user_id is not None
            and start <= e.at <= until
        ]
        return max(times, default=None)

    def promised_cases(self, hall_id: int) -> list[PromisedCase]:
        return [c for h, c in self.cases if h == hall_id and c.promised_date is not None]

    def bad_ratings(
        self, hall_id: int, levels: Iterable[str], start: datetime, end: datetime
    ) -> list[BadRating]:
        wanted = set(levels)
        return [r for h, at, r in self.ratings if h == hall_id and r.level in wanted and start <= at < end]

    def entries(self, hall_id: int, month: str) -> list[Entry]:
        return [
            e
            for e in sorted(self.entry_rows.values(), key=lambda e: e.id)
            if e.hall_id == hall_id and e.month == month and e.withdrawn_at is None
        ]

    def closed_results(self, hall_id: int, month: str) -> dict[str, Any] | None:
        return self.closed.get((hall_id, month))

    def flags(self, hall_id: int, month: str) -> list[Flag]:
        return [f for f in self.flag_rows if f.hall_id == hall_id and f.month == month]

    def yellow_counts(self, hall_id: int, first_month: str, before_month: str) -> dict[int, int]:
        counts: dict[int, int] = {}
        for f in self.flag_rows:
            if f.hall_id == hall_id and f.kind == "yellow" and first_month <= f.month < before_month:
                counts[f.window_id] = counts.get(f.window_id, 0) + 1
        return counts

    def add_entry(self, new: NewEntry) -> int:
        new_id = len(self.entry_rows) + 1
        self.entry_rows[new_id] = Entry(id=new_id, **asdict(new))
        return new_id

    def entry(self, entry_id: int) -> Entry | None:
        return self.entry_rows.get(entry_id)

    def withdraw_entry(self, entry_id: int, at: datetime, by: str) -> None:
        self.entry_rows[entry_id] = replace(self.entry_rows[entry_id], withdrawn_at=at)

    def add_flag(self, flag: Flag) -> None:
        key = (flag.hall_id, flag.month, flag.window_id, flag.kind)
        if any((f.hall_id, f.month, f.window_id, f.kind) == key for f in self.flag_rows):
            raise ValueError("unique: one flag of a kind per window and month")  # the table's constraint
        self.flag_rows.append(flag)

    def remove_flag(self, hall_id: int, month: str, window_id: int, kind: str) -> None:
        key = (hall_id, month, window_id, kind)
        self.flag_rows = [f for f in self.flag_rows if (f.hall_id, f.month, f.window_id, f.kind) != key]

    def close_month(self, hall_id: int, month: str, at: datetime, by: str, results: dict[str, Any]) -> None:
        if (hall_id, month) in self.closed:
            raise ValueError("unique: a month closes once")
        self.closed[(hall_id, month)] = results

    def sign_until(self, hall_id: int, window_id: int, today: date) -> date | None:
        ends = [
            f.sign_until
            for f in self.flag_rows
            if f.hall_id == hall_id
            and f.window_id == window_id
            and f.kind == "unsatisfied"
            and f.sign_from is not None
            and f.sign_until is not None
            and f.sign_from <= today <= f.sign_until
        ]
        return max(ends, default=None)
