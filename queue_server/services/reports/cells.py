"""Report cells: the running figures of one group in one bucket, and which group a fact belongs to."""

from __future__ import annotations

import functools
import itertools
import math
import operator
from dataclasses import dataclass, field
from typing import Any

from queue_server.domain import evaluations as ev
from queue_server.domain.stats import Grouping

NO_WINDOW = (Grouping.WINDOW, Grouping.CLERK)
# Figures that exist only for windows: null for service and department rows.
NO_WINDOW_TIME = (Grouping.SERVICE, Grouping.DEPARTMENT)


COUNTS = (
    "issued",
    "served",
    "no_shows",
    "cancelled",
    "transferred",
    "expired",
    "priority",
    "appointment",
    "cases",
    "on_site",
    "immediate_type",
    "corrections",
    "promised_done",
    "on_time",
)
(
    ISSUED,
    SERVED,
    NO_SHOWS,
    CANCELLED,
    TRANSFERRED,
    EXPIRED,
    PRIORITY,
    APPOINTMENT,
    CASES,
    ON_SITE,
    IMMEDIATE_TYPE,
    CORRECTIONS,
    PROMISED_DONE,
    ON_TIME,
) = range(len(COUNTS))
HOUR_0 = len(COUNTS)  # n[HOUR_0 + h]: tickets issued in local hour h


Kind = tuple[str, str | None, str | None, bool, bool | None]  # status, level, stage, replied, satisfied


@functools.cache
def record_of(kind: Kind) -> ev.Record:
    """The indicators' record of an evaluation kind, built as services.evaluations.indicators builds it."""
    status, level, stage, replied, satisfied = kind
    return ev.Record(
        status=ev.Status(status),
        level=ev.Level(level) if level else None,
        stage=ev.Stage(stage) if stage else None,
        verified=replied,
        revisit_satisfied=satisfied,
    )


class Cell:
    """The running figures of one group in one period bucket.

    The counts and the 24 hourly arrivals live in one list ``n`` (indices above) so that rolling
    cells up is a single ``map(add)``; 好差评 records are kept as counts per distinct record.
    """

    __slots__ = ("busy", "evaluations", "handles", "n", "open", "paused", "waits")

    def __init__(self) -> None:
        self.n = [0] * (HOUR_0 + 24)
        self.waits: list[float] = []
        self.handles: list[float] = []
        self.open = 0.0
        self.paused = 0.0
        self.busy = 0.0
        self.evaluations: dict[Kind, int] = {}  # how many evaluations of each kind

    @property
    def issued(self) -> int:
        """Tickets issued."""
        return self.n[ISSUED]

    @property
    def served(self) -> int:
        """Tickets concluded."""
        return self.n[SERVED]

    @property
    def hours(self) -> list[int]:
        """Tickets issued per local hour 0..23."""
        return self.n[HOUR_0:]

    def counts(self) -> dict[str, int]:
        """The named counts."""
        return dict(zip(COUNTS, self.n, strict=False))

    def indicators(self) -> ev.Indicators:
        """The 好差评 indicators of the cell's evaluations."""
        counts: dict[ev.Record, int] = {}
        for kind, times in self.evaluations.items():
            record = record_of(kind)
            counts[record] = counts.get(record, 0) + times
        return ev.counted_indicators(counts)

    @classmethod
    def total(cls, cells: list[Cell]) -> Cell:
        """A new cell holding the sum of ``cells`` (column sums in C, lists chained once)."""
        out = cls()
        if len(cells) == 1:
            out.merge(cells[0])
            return out
        out.n = [sum(column) for column in zip(*(c.n for c in cells), strict=True)]
        out.open = math.fsum(c.open for c in cells)
        out.paused = math.fsum(c.paused for c in cells)
        out.busy = math.fsum(c.busy for c in cells)
        out.waits = list(itertools.chain.from_iterable(c.waits for c in cells))
        out.handles = list(itertools.chain.from_iterable(c.handles for c in cells))
        for cell in cells:
            for record, times in cell.evaluations.items():
                out.evaluations[record] = out.evaluations.get(record, 0) + times
        return out

    def merge(self, other: Cell) -> None:
        """Add ``other``'s figures to this cell's."""
        self.n = list(map(operator.add, self.n, other.n))
        self.open += other.open
        self.paused += other.paused
        self.busy += other.busy
        self.waits += other.waits
        self.handles += other.handles
        for record, times in other.evaluations.items():
            self.evaluations[record] = self.evaluations.get(record, 0) + times


@dataclass
class Names:
    """What the hall calls its zones, services, departments, windows and clerks."""

    zones: dict[str, str]
    services: dict[int, Any]
    departments: dict[int, Any]
    windows: dict[int, Any]
    users: dict[int, Any] = field(default_factory=dict)


def group_key(
    by: Grouping, names: Names, service_id: int | None, window_id: int | None, clerk_id: int | None
) -> str | None:
    """The group a fact belongs to, or None when the grouping does not apply to it."""
    if by is Grouping.HALL:
        return "hall"
    if by is Grouping.WINDOW:
        window = names.windows.get(window_id) if window_id is not None else None
        return window.number if window is not None else None
    if by is Grouping.CLERK:
        user = names.users.get(clerk_id) if clerk_id is not None else None
        return user.staff_no if user is not None else None
    service = names.services.get(service_id) if service_id is not None else None
    if by is Grouping.SERVICE:
        return service.code if service is not None else None
    if by is Grouping.DEPARTMENT:
        department = names.departments.get(service.department_id) if service is not None else None
        return department.code if department is not None else None
    window = names.windows.get(window_id) if window_id is not None else None
    if window is not None:
        return window.zone or ""
    return (service.zone or "") if service is not None else None


@dataclass(frozen=True)
class Service:
    """What a report needs about a service item."""

    code: str
    name: str
    department_id: int
    case_type: str
    zone: str | None


def labels(by: Grouping, names: Names) -> dict[str, str]:
    """What each group key is called in this grouping."""
    if by is Grouping.HALL:
        return {}
    if by is Grouping.ZONE:
        return {**names.zones, "": "—"}
    if by is Grouping.SERVICE:
        return {s.code: s.name for s in names.services.values()}
    if by is Grouping.DEPARTMENT:
        return {d.code: d.name for d in names.departments.values()}
    if by is Grouping.WINDOW:
        return {w.number: w.name for w in names.windows.values()}
    return {u.staff_no: u.name for u in names.users.values()}
