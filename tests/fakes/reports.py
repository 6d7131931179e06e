"""An in-memory store of the reports' port: events, cases and evaluations as lists, kept days."""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from queue_server.services.reports.ports import (
    TICKET_EVENTS,
    CaseCount,
    CaseDone,
    ClerkName,
    DepartmentName,
    EvaluationCount,
    EventRecord,
    ServiceName,
    StoredDay,
)


@dataclass
class Event:
    """An event row as the pass reads it (``note``: a window's new status or a ticket's priority)."""

    at: datetime
    type: str
    ticket_id: int | None = None
    window_id: int | None = None
    service_id: int | None = None
    actor_user_id: int | None = None
    note: str | None = None
    channel: str | None = None
    hall_id: int = 1


@dataclass
class CaseFact:
    """A case as the report counts it."""

    created_at: datetime
    service_id: int
    window_id: int | None
    clerk_id: int | None
    outcome: str
    completed_at: datetime | None = None
    promised_date: date | None = None
    extensions: list[dict[str, Any]] = field(default_factory=list)
    hall_id: int = 1


def _day(at: datetime, midnights: Sequence[float]) -> int:
    return bisect.bisect_right(midnights, at.timestamp()) - 1


class FakeReportStore:
    """Events and cases in lists (time order is the store's job: it sorts), kept days in a dict."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.case_facts: list[CaseFact] = []
        self.services: list[ServiceName] = []
        self.departments: list[DepartmentName] = []
        self.clerks: list[ClerkName] = []
        self.zones: dict[str, str] = {}
        self.kept: dict[tuple[int, str, date], StoredDay] = {}

    def _between(self, hall_id: int, start: datetime, end: datetime) -> list[Event]:
        found = [e for e in self.events if e.hall_id == hall_id and start <= e.at < end]
        return sorted(found, key=lambda e: e.at)

    def ticket_events(self, hall_id: int, start: datetime, end: datetime) -> Iterator[EventRecord]:
        for e in self._between(hall_id, start, end):
            if e.type in TICKET_EVENTS:
                yield (
                    e.type,
                    e.at.timestamp(),
                    e.ticket_id,
                    e.window_id,
                    e.service_id,
                    e.actor_user_id,
                    e.note,
                    e.channel,
                )

    def window_statuses_before(self, hall_id: int, start: datetime) -> list[tuple[int, str, int | None]]:
        last: dict[int, tuple[int, str, int | None]] = {}
        for e in self._between(hall_id, datetime.min.replace(tzinfo=start.tzinfo), start):
            if e.type == "window.status" and e.window_id is not None:
                last[e.window_id] = (e.window_id, e.note or "closed", e.actor_user_id)
        return list(last.values())

    def _cases(self, hall_id: int, start: datetime, end: datetime) -> list[CaseFact]:
        return [k for k in self.case_facts if k.hall_id == hall_id and start <= k.created_at < end]

    def case_counts(
        self, hall_id: int, start: datetime, end: datetime, midnights: Sequence[float]
    ) -> Iterator[CaseCount]:
        counted = Counter(
            (_day(k.created_at, midnights), k.service_id, k.window_id, k.clerk_id, k.outcome)
            for k in self._cases(hall_id, start, end)
        )
        for (index, service_id, window_id, clerk_id, outcome), count in counted.items():
            yield index, service_id, window_id, clerk_id, outcome, count

    def cases_done(
        self, hall_id: int, start: datetime, end: datetime, midnights: Sequence[float]
    ) -> Iterator[CaseDone]:
        for k in self._cases(hall_id, start, end):
            if k.completed_at is not None and k.promised_date is not None:
                index = _day(k.created_at, midnights)
                yield (
                    index,
                    k.service_id,
                    k.window_id,
                    k.clerk_id,
                    k.completed_at,
                    k.promised_date,
                    k.extensions,
                )

    def evaluation_counts(
        self, hall_id: int, start: datetime, end: datetime, midnights: Sequence[float]
    ) -> Iterator[EvaluationCount]:
        return iter(())

    def zone_names(self, hall_id: int) -> dict[str, str]:
        return dict(self.zones)

    def service_names(self, hall_id: int) -> list[ServiceName]:
        return list(self.services)

    def department_names(self, hall_id: int) -> list[DepartmentName]:
        return list(self.departments)

    def clerk_names(self, hall_id: int) -> list[ClerkName]:
        return list(self.clerks)

    def event_counts(self, hall_id: int, bounds: Sequence[datetime]) -> dict[int, int]:
        return {
            i: len(self._between(hall_id, lo, hi)) for i, (lo, hi) in enumerate(itertools.pairwise(bounds))
        }

    def kept_days(self, hall_id: int, version: str, first: date, last: date) -> list[StoredDay]:
        return [
            d for (h, v, day), d in self.kept.items() if (h, v) == (hall_id, version) and first <= day <= last
        ]

    def kept_events(self, hall_id: int, version: str, day: date) -> int | None:
        found = self.kept.get((hall_id, version, day))
        return found.events if found else None

    def keep_days(self, hall_id: int, version: str, days: list[StoredDay], at: datetime) -> bool:
        for d in days:
            self.kept[(hall_id, version, d.day)] = d
        return True

    def own_connection(self) -> AbstractContextManager[FakeReportStore] | None:
        return None  # one store is the whole database, as an in-memory SQLite
