"""The reports' port: the period's events, cases and evaluations streamed as typed records, the
hall's names, and the closed days kept (日结).

Records are plain tuples (typed by the aliases below), not objects: a month of a big hall is a
million of them, and the pass unpacks each once. The SQLAlchemy store is
``queue_server.adapters.reports``; the tests hand in an in-memory fake.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

TICKET_EVENTS = (  # the events the pass walks
    "ticket.called",
    "ticket.called_back",
    "ticket.started",
    "ticket.concluded",
    "ticket.no_show",
    "ticket.transferred",
    "ticket.parked",
    "ticket.requeued",
    "ticket.cancelled",
    "ticket.expired",
    "window.status",
    "ticket.issued",
)
# type, at (epoch seconds), ticket, window, service, actor user, note (a window's new status or an
# issued ticket's priority class), channel (an issued ticket's)
EventRecord = tuple[str, float, int | None, int | None, int | None, int | None, str | None, str | None]
# day index, service, window, clerk, outcome, count
CaseCount = tuple[int, int, int | None, int | None, str, int]
# day index, service, window, clerk, completed at, promised date, extensions (JSON entries)
CaseDone = tuple[int, int, int | None, int | None, datetime, date, list[dict[str, Any]]]
# day index, service, window, clerk, status, level, follow-up stage, replied, revisit satisfied, count
EvaluationCount = tuple[
    int, int | None, int | None, int | None, str, str | None, str | None, bool, bool | None, int
]


@dataclass(frozen=True, slots=True)
class ServiceName:
    """What a report needs about a service item (the zone comes from the catalogue)."""

    id: int
    code: str
    name: str
    department_id: int
    case_type: str


@dataclass(frozen=True, slots=True)
class DepartmentName:
    """A department's code and name."""

    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ClerkName:
    """A member of staff's number and name."""

    id: int
    staff_no: str
    name: str


@dataclass(frozen=True, slots=True)
class StoredDay:
    """A closed day's cells as kept: computed from ``events`` events and the state digest ``start``."""

    day: date
    events: int
    start: str
    body: bytes


class ReportStore(Protocol):
    """What a report reads, and the closed days it keeps."""

    def ticket_events(self, hall_id: int, start: datetime, end: datetime) -> Iterator[EventRecord]:
        """The period's ticket and window events in time order, streamed."""
        ...

    def window_statuses_before(self, hall_id: int, start: datetime) -> list[tuple[int, str, int | None]]:
        """Each window's last status event before ``start``: (window, status, actor)."""
        ...

    def case_counts(
        self, hall_id: int, start: datetime, end: datetime, midnights: Sequence[float]
    ) -> Iterator[CaseCount]:
        """The cases opened in the period counted per local day (by ``midnights``), service, window,
        clerk and outcome."""
        ...

    def cases_done(
        self, hall_id: int, start: datetime, end: datetime, midnights: Sequence[float]
    ) -> Iterator[CaseDone]:
        """The promised cases opened in the period and completed, with their dates."""
        ...

    def evaluation_counts(
        self, hall_id: int, start: datetime, end: datetime, midnights: Sequence[float]
    ) -> Iterator[EvaluationCount]:
        """The evaluations requested in the period counted per local day and shape."""
        ...

    def zone_names(self, hall_id: int) -> dict[str, str]:
        """The hall's zones' names by code."""
        ...

    def service_names(self, hall_id: int) -> list[ServiceName]:
        """Every service of the hall, switched off ones included."""
        ...

    def department_names(self, hall_id: int) -> list[DepartmentName]:
        """The hall's departments."""
        ...

    def clerk_names(self, hall_id: int) -> list[ClerkName]:
        """The hall's accounts."""
        ...

    def event_counts(self, hall_id: int, bounds: Sequence[datetime]) -> dict[int, int]:
        """Events per interval between consecutive ``bounds`` (by index; empty ones may be left out)."""
        ...

    def kept_days(self, hall_id: int, version: str, first: date, last: date) -> list[StoredDay]:
        """The closed days kept for ``first``..``last`` by this version of the pass."""
        ...

    def kept_events(self, hall_id: int, version: str, day: date) -> int | None:
        """How many events a kept day was computed from (None when it is not kept)."""
        ...

    def keep_days(self, hall_id: int, version: str, days: list[StoredDay], at: datetime) -> bool:
        """Keep closed days, replacing what was kept for them; False when another server process
        is keeping the hall's days at this moment (it is left to that one)."""
        ...

    def own_connection(self) -> AbstractContextManager[ReportStore] | None:
        """A store on a connection of its own, to read meanwhile on another thread (opened when
        entered); None when the database has a single connection (an in-memory SQLite)."""
        ...
