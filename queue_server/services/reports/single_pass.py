"""The one pass over a period's events, cases and evaluations, into cells per day, service, window, clerk.

Calls are paired with the ticket's last queue entry (waiting time), conclusions with the start of
service (handling time), and each window's busy intervals are kept for its idle time; the window
status events give open and paused time. docs/reports.md defines every figure.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.domain import stats
from queue_server.domain.numbering import business_day
from queue_server.services.reports.cells import (
    APPOINTMENT,
    CANCELLED,
    CASES,
    CORRECTIONS,
    EXPIRED,
    HOUR_0,
    IMMEDIATE_TYPE,
    ISSUED,
    NO_SHOWS,
    ON_SITE,
    ON_TIME,
    PRIORITY,
    PROMISED_DONE,
    SERVED,
    TRANSFERRED,
    Cell,
    Names,
)
from queue_server.services.reports.ports import EventRecord, ReportStore
from queue_server.services.unit_of_work import UnitOfWork


class Clock:
    """Hall-local days of instants (epoch seconds), by bisecting the period's midnights."""

    def __init__(self, first: date, last: date, timezone: str) -> None:
        self.zone = zone = ZoneInfo(timezone)
        count = (last - first).days + 1
        self.days = [first + timedelta(days=i) for i in range(count)]
        self.midnights = [
            datetime.combine(first + timedelta(days=i), datetime.min.time(), zone).timestamp()
            for i in range(count + 1)
        ]

    def index(self, at: float) -> int:
        """The index of the local day ``at`` falls on (clamped to the period)."""
        return min(len(self.days) - 1, max(0, bisect.bisect_right(self.midnights, at) - 1))


Atom = tuple[date, int | None, int | None, int | None]  # local day, service, window, clerk
Statuses = dict[int, tuple[str, int | None]]  # window → (status, clerk in force)


class Pass:
    """Accumulates the period's facts into atoms: one cell per (local day, service, window, clerk).

    Any grouping and period is a roll-up of the atoms, so one pass over the events serves every
    table and chart of a report.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.atoms: dict[Atom, Cell] = {}

    def cell(self, day: int, service_id: int | None, window_id: int | None, clerk_id: int | None) -> Cell:
        """The cell of a fact on the period's ``day``-th day."""
        slot = (self.clock.days[day], service_id, window_id, clerk_id)
        found = self.atoms.get(slot)
        if found is None:
            found = self.atoms[slot] = Cell()
        return found

    def absorb(self, other: Pass) -> None:
        """Add another pass's cells over the same days to this one's."""
        self.absorb_cells(other.atoms.items())

    def absorb_cells(self, cells: Iterable[tuple[Atom, Cell]]) -> None:
        """Add cells (another pass's, or read back from a kept day) to this pass's."""
        for slot, cell in cells:
            mine = self.atoms.get(slot)
            if mine is None:
                self.atoms[slot] = cell
            else:
                mine.merge(cell)


@dataclass
class Flow:
    """Per-ticket and per-window state carried along the event stream (instants in epoch seconds)."""

    queued: dict[int, float] = field(default_factory=dict)  # when it (re-)entered a queue
    started: dict[int, float] = field(default_factory=dict)  # when service began
    service: dict[int, int] = field(default_factory=dict)  # its service when called
    busy_since: dict[int, float] = field(default_factory=dict)
    busy: dict[int, list[stats.Interval]] = field(default_factory=lambda: defaultdict(list))
    clerk: dict[int, int | None] = field(default_factory=dict)
    changes: dict[int, list[tuple[float, str, int | None]]] = field(default_factory=lambda: defaultdict(list))

    def carried(self, statuses: Statuses) -> dict[str, Any]:
        """The state carried over a midnight, as plain data: tickets in flight, busy windows, each
        window's clerk and status. The service a ticket was called for is kept while it is in flight."""
        live = self.queued.keys() | self.started.keys()
        self.service = {ticket: s for ticket, s in self.service.items() if ticket in live}
        return {
            "queued": self.queued,
            "started": self.started,
            "service": self.service,
            "busy_since": self.busy_since,
            "clerk": self.clerk,
            "status": statuses,
        }

    def restore(self, carried: dict[str, Any]) -> Statuses:
        """Take up the state ``carried`` out of a kept day (JSON: keys are strings); its statuses."""

        def ints(name: str) -> dict[int, Any]:
            return {int(k): v for k, v in carried[name].items()}

        self.queued, self.started, self.service = ints("queued"), ints("started"), ints("service")
        self.busy_since, self.clerk = ints("busy_since"), ints("clerk")
        self.changes.clear()
        self.busy.clear()
        return {w: (s, clerk) for w, (s, clerk) in ints("status").items()}


def ticket_events(uow: UnitOfWork, hall_id: int, start: datetime, end: datetime) -> Iterator[EventRecord]:
    """The period's ticket and window events in time order, streamed (``EventRecord``)."""
    return uow.stores.reports.ticket_events(hall_id, start, end)


def walk(run: Pass, flow: Flow, rows: Iterator[EventRecord]) -> None:
    """The one pass over the ticket and window events (kept flat: it runs once per event)."""
    midnights, days, atoms = run.clock.midnights, run.clock.days, run.atoms
    queued, started, busy_since, clerks = flow.queued, flow.started, flow.busy_since, flow.clerk
    services, busy = flow.service, flow.busy
    bisect_right = bisect.bisect_right
    ends = ("ticket.concluded", "ticket.no_show", "ticket.transferred", "ticket.parked")

    def cell(at: float, service_id: int | None, window_id: int | None, clerk: int | None) -> Cell:
        slot = (days[bisect_right(midnights, at) - 1], service_id, window_id, clerk)
        found = atoms.get(slot)
        if found is None:
            found = atoms[slot] = Cell()
        return found

    # An event's type says which of its ids are set (a ticket event has its ticket, a window's its
    # window): the branches below rely on that rather than check each id of a million events.
    records: Iterator[tuple[Any, ...]] = rows
    for type_, at, ticket_id, window_id, service_id, actor_id, note, channel in records:
        if type_ == "ticket.issued":
            queued[ticket_id] = at
            day = bisect_right(midnights, at) - 1
            n = cell(at, service_id, None, None).n
            n[ISSUED] += 1
            n[PRIORITY] += note is not None
            n[APPOINTMENT] += channel == "appointment"
            n[HOUR_0 + min(23, int((at - midnights[day]) // 3600))] += 1
            continue
        if type_ == "window.status":
            if note == "open" and actor_id is not None:
                clerks[window_id] = actor_id
            flow.changes[window_id].append((at, note or "closed", clerks.get(window_id)))
            continue
        clerk = actor_id if actor_id is not None else clerks.get(window_id) if window_id else None
        if type_ in ends and window_id in busy_since:  # the window's ticket left it
            busy[window_id].append((busy_since.pop(window_id), at))
        if type_ == "ticket.called":
            services[ticket_id] = service_id
            started[ticket_id] = busy_since[window_id] = at
            entered = queued.pop(ticket_id, None)
            if entered is not None:
                cell(at, service_id, window_id, clerk).waits.append(at - entered)
        elif type_ == "ticket.started":
            started[ticket_id] = at
        elif type_ == "ticket.concluded":
            begun = started.pop(ticket_id, None)
            found = cell(at, service_id, window_id, clerk)
            found.n[SERVED] += 1
            if begun is not None:
                found.handles.append(at - begun)
        elif type_ == "ticket.called_back":
            started[ticket_id] = busy_since[window_id] = at
        elif type_ == "ticket.no_show":
            started.pop(ticket_id, None)
            cell(at, service_id, window_id, clerk).n[NO_SHOWS] += 1
        elif type_ == "ticket.transferred":
            started.pop(ticket_id, None)
            queued[ticket_id] = at
            origin = services.get(ticket_id, service_id)
            cell(at, origin, window_id, clerk).n[TRANSFERRED] += 1
        elif type_ == "ticket.requeued":
            queued[ticket_id] = at
        elif type_ == "ticket.cancelled":
            queued.pop(ticket_id, None)
            cell(at, service_id, None, None).n[CANCELLED] += 1
        elif type_ == "ticket.expired":
            queued.pop(ticket_id, None)
            cell(at, service_id, None, None).n[EXPIRED] += 1


def initial_statuses(uow: UnitOfWork, hall_id: int, start: datetime) -> Statuses:
    """Each window's status (and clerk) in force at ``start``: its last status event before it."""
    out: dict[int, tuple[str, int | None]] = {}
    for window_id, status, actor_id in uow.stores.reports.window_statuses_before(hall_id, start):
        out[window_id] = (status, actor_id if status != "closed" else None)
    return out


def window_time(run: Pass, flow: Flow, initial: Statuses, start: float, end: float) -> Statuses:
    """Open, paused and busy seconds per window (per clerk in force) from ``start`` to ``end``, split
    by local day, from the statuses in force at ``start`` and the changes and busy stretches walked
    since. Returns the statuses in force at ``end``; a window still busy at ``end`` is counted busy to
    it and goes on being busy from it."""
    midnights = run.clock.midnights
    after = dict(initial)
    for window_id in set(flow.changes) | set(initial) | set(flow.busy) | set(flow.busy_since):
        status, clerk = initial.get(window_id, ("closed", None))
        changes = flow.changes.get(window_id, [])
        intervals = flow.busy.get(window_id, [])
        if window_id in flow.busy_since:
            intervals = [*intervals, (flow.busy_since[window_id], end)]
            flow.busy_since[window_id] = end
        if changes:
            _, last, by = changes[-1]
            after[window_id] = (last, by if last != "closed" else None)
        busy = stats.by_day(stats.merged(intervals), midnights)
        for who in {clerk, *(who for _, _, who in changes)}:
            mine = [(at, s if by == who else "closed") for at, s, by in changes]
            spans = stats.status_intervals(mine, start, end, status if clerk == who else "closed")
            opened = stats.by_day(spans.get("open", []), midnights)
            paused = stats.by_day(spans.get("paused", []), midnights)
            for day in set(opened) | set(paused):
                day_spans = {"open": opened.get(day, []), "paused": paused.get(day, [])}
                spent = stats.window_time(day_spans, busy.get(day, []))
                cell = run.cell(day, None, window_id, who)
                cell.open += spent.open
                cell.paused += spent.paused
                cell.busy += spent.busy
    flow.changes.clear()
    flow.busy.clear()
    return after


def _cases(run: Pass, store: ReportStore, names: Names, hall_id: int, start: datetime, end: datetime) -> None:
    """现场办结, 补正, 即办件 and 按时办结 from the cases opened in the period (counted in the database)."""
    midnights = run.clock.midnights
    immediate = {sid for sid, s in names.services.items() if s.case_type == "immediate"}
    for index, service_id, window_id, clerk_id, outcome, count in store.case_counts(
        hall_id, start, end, midnights
    ):
        n = run.cell(index, service_id, window_id, clerk_id).n
        n[CASES] += count
        n[ON_SITE] += count if outcome == "immediate" else 0
        n[CORRECTIONS] += count if outcome == "correction" else 0
        n[IMMEDIATE_TYPE] += count if service_id in immediate else 0
    timezone = str(run.clock.zone)
    for index, service_id, window_id, clerk_id, finished, due, moved in store.cases_done(
        hall_id, start, end, midnights
    ):
        n = run.cell(index, service_id, window_id, clerk_id).n
        n[PROMISED_DONE] += 1
        limit = date.fromisoformat(moved[-1]["to"]) if moved else due
        n[ON_TIME] += business_day(finished, timezone) <= limit


def _evaluations(run: Pass, store: ReportStore, hall_id: int, start: datetime, end: datetime) -> None:
    """好差评 records of the evaluations requested in the period, counted per shape in the database."""
    counted = store.evaluation_counts(hall_id, start, end, run.clock.midnights)
    for index, service_id, window_id, clerk_id, status, level, stage, replied, satisfied, count in counted:
        kind = (status, level, stage, replied, satisfied)
        kept = run.cell(index, service_id, window_id, clerk_id).evaluations
        kept[kind] = kept.get(kind, 0) + count


def cases_and_evaluations(
    run: Pass, names: Names, hall_id: int, start: datetime, end: datetime, store: ReportStore
) -> None:
    """The outcomes and 好差评 part of the pass (read on a connection of its own)."""
    _cases(run, store, names, hall_id, start, end)
    _evaluations(run, store, hall_id, start, end)
