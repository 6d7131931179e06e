"""Statistics of a hall over a period, per period bucket and group, derived from the event rows.

``compute`` makes one pass over the period (``report_pass``): the ticket and window events give
counts, waiting and handling times, arrivals by hour and each window's open, paused and busy time;
the cases and the evaluations of the period add outcomes and 好差评 indicators (the same
``domain.evaluations.indicators`` the evaluations page uses). Everything lands in cells per (local
day, service, window, clerk); a ``Report`` rolls them up into any grouping and period.
docs/reports.md defines every figure.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from queue_server import contract as c
from queue_server.domain import stats
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import Rejected
from queue_server.domain.numbering import business_day
from queue_server.domain.stats import Grouping, Period
from queue_server.services.reports import days as report_days
from queue_server.services.reports.cells import (
    APPOINTMENT,
    CANCELLED,
    CASES,
    CORRECTIONS,
    EXPIRED,
    IMMEDIATE_TYPE,
    ISSUED,
    NO_SHOWS,
    NO_WINDOW,
    NO_WINDOW_TIME,
    ON_SITE,
    ON_TIME,
    PRIORITY,
    PROMISED_DONE,
    SERVED,
    TRANSFERRED,
    Cell,
    Names,
    Service,
    group_key,
    labels,
)
from queue_server.services.reports.ports import ReportStore
from queue_server.services.reports.single_pass import (
    Atom,
    Clock,
    Flow,
    Pass,
    cases_and_evaluations,
    initial_statuses,
    ticket_events,
    walk,
    window_time,
)
from queue_server.services.unit_of_work import UnitOfWork

__all__ = ["Clock", "Report", "UnitOfWork", "check_range", "compute"]

log = logging.getLogger(__name__)

MAX_DAYS = 400


@dataclass
class Report:
    """A computed report: its period, the hall's names and the atoms every table is rolled up from."""

    hall: str
    hall_name: str
    first: date
    last: date
    generated_at: datetime
    names: Names
    atoms: dict[Atom, Cell]
    closed: list[report_days.ClosedDay] = field(default_factory=list)  # closed days walked, to keep
    _rolled: dict[tuple[Grouping, Period], dict[tuple[date, str], Cell]] = field(default_factory=dict)

    def cells(self, by: Grouping, period: Period) -> dict[tuple[date, str], Cell]:
        """The atoms rolled up per (bucket start, group key); computed once per grouping and period."""
        found = self._rolled.get((by, period))
        if found is not None:
            return found
        parts: Iterator[tuple[tuple[date, str], Cell]]
        if period is not Period.DAY:  # any longer bucket: the days if rolled up already, else the atoms
            days = self._rolled.get((by, Period.DAY))
            source = days.items() if days is not None else self._by_day(by)
            parts = (
                ((stats.bucket_start(day, period, self.first), key), cell) for (day, key), cell in source
            )
        else:
            parts = self._by_day(by)
        groups: dict[tuple[date, str], list[Cell]] = {}
        for slot, cell in parts:
            members = groups.get(slot)
            if members is None:
                groups[slot] = [cell]
            else:
                members.append(cell)
        out = {slot: Cell.total(cells) for slot, cells in groups.items()}
        self._rolled[(by, period)] = out
        return out

    def _by_day(self, by: Grouping) -> Iterator[tuple[tuple[date, str], Cell]]:
        keys: dict[tuple[int | None, int | None, int | None], str | None] = {}
        for (day, service_id, window_id, clerk_id), cell in self.atoms.items():
            dims = (service_id, window_id, clerk_id)
            if dims not in keys:
                keys[dims] = group_key(by, self.names, *dims)
            key = keys[dims]
            if key is not None:
                yield (day, key), cell

    def rows(self, by: Grouping, period: Period) -> list[c.ReportRow]:
        """The wire rows of one grouping and period, in bucket then key order."""
        names = labels(by, self.names)
        return [
            row_of(self, by, period, names, start, key, cell)
            for (start, key), cell in sorted(self.cells(by, period).items())
        ]

    def figures(self, by: Grouping, period: Period) -> c.ReportFigures:
        """One grouping and period as the API returns it."""
        return c.ReportFigures(
            hall=self.hall,
            hall_name=self.hall_name,
            date_from=self.first,
            date_to=self.last,
            period=period.value,
            by=by.value,
            generated_at=self.generated_at,
            rows=self.rows(by, period),
        )

    def total(self) -> Cell:
        """The whole hall over the whole period."""
        cells = self.cells(Grouping.HALL, Period.CUSTOM)
        return next(iter(cells.values()), Cell())


def _summary(values: list[float]) -> c.DurationSummary:
    return c.DurationSummary(**stats.summarise(values).__dict__)


def row_of(
    report: Report, by: Grouping, period: Period, labels: dict[str, str], start: date, key: str, cell: Cell
) -> c.ReportRow:
    """One cell as a wire row (figures that do not apply to the grouping are null)."""
    last = min(report.last, _bucket_end(start, period, report.last))
    no_window = by in NO_WINDOW
    window_time = by not in NO_WINDOW_TIME
    indicators = cell.indicators()
    n = cell.n
    return c.ReportRow(
        period=stats.bucket_label(start, period, last),
        key=key,
        label=labels.get(key, key),
        issued=None if no_window else n[ISSUED],
        served=n[SERVED],
        no_shows=n[NO_SHOWS],
        cancelled=None if no_window else n[CANCELLED],
        transferred=n[TRANSFERRED],
        expired=None if no_window else n[EXPIRED],
        priority_share=None if no_window else stats.rate(n[PRIORITY], n[ISSUED]),
        appointment_share=None if no_window else stats.rate(n[APPOINTMENT], n[ISSUED]),
        waiting=_summary(cell.waits),
        handling=_summary(cell.handles),
        open_seconds=round(cell.open, 3) if window_time else None,
        paused_seconds=round(cell.paused, 3) if window_time else None,
        busy_seconds=round(cell.busy, 3) if window_time else None,
        idle_seconds=round(max(0.0, cell.open - cell.busy), 3) if window_time else None,
        arrivals_by_hour=None if no_window else cell.hours,
        cases=n[CASES],
        on_site=n[ON_SITE],
        corrections=n[CORRECTIONS],
        on_site_rate=stats.rate(n[ON_SITE], n[CASES]),
        immediate_share=stats.rate(n[IMMEDIATE_TYPE], n[CASES]),
        correction_rate=stats.rate(n[CORRECTIONS], n[CASES]),
        on_time_rate=stats.rate(n[ON_TIME], n[PROMISED_DONE]),
        evaluation=c.IndicatorRow(key=key, **indicators.__dict__),
    )


def _bucket_end(start: date, period: Period, last: date) -> date:
    if period is Period.DAY:
        return start
    if period is Period.WEEK:
        return start + timedelta(days=6)
    if period is Period.MONTH:
        return stats.month_range(start.strftime("%Y-%m"))[1]
    if period is Period.QUARTER:
        return stats.month_range(f"{start.year}-{start.month + 2:02d}")[1]
    return last


def _names(uow: UnitOfWork, hall_id: int) -> Names:
    catalogue = uow.catalogue(hall_id)
    store = uow.stores.reports
    departments = {r.id: r for r in store.department_names(hall_id)}
    services = {}
    for r in store.service_names(hall_id):
        known = catalogue.services.get(r.id)
        services[r.id] = Service(r.code, r.name, r.department_id, r.case_type, known.zone if known else None)
    users = {r.id: r for r in store.clerk_names(hall_id)}
    return Names(store.zone_names(hall_id), services, departments, dict(catalogue.windows), users)


def check_range(first: date, last: date) -> None:
    """Refuse a reversed or overlong period with a clear error."""
    if last < first:
        raise Rejected("request.invalid", detail="date_to is before date_from")
    if (last - first).days >= MAX_DAYS:
        raise Rejected("request.invalid", detail=f"a report covers at most {MAX_DAYS} days")


def _on_own_connection(
    opened: AbstractContextManager[ReportStore], work: Callable[[ReportStore], None]
) -> None:
    """Run read-only ``work`` on a store of its own connection (a report reads; it never writes)."""
    with opened as store:
        work(store)


def compute(uow: UnitOfWork, actor: Actor, first: date, last: date) -> Report:
    """The hall's report for local days ``first``..``last``: one pass, any grouping rolled up after.

    The ticket and window events are walked day by day; a closed day kept from an earlier report
    (``report_days``) is read back instead when it still stands. The closed days walked are on the
    report (``closed``) for the caller to keep.
    """
    actor.require(Permission.MANAGE_HALL)
    check_range(first, last)
    hall_id = actor.hall_id
    catalogue = uow.catalogue(hall_id)
    start, end = stats.local_bounds(first, last, catalogue.timezone)
    names = _names(uow, hall_id)
    clock = Clock(first, last, catalogue.timezone)
    run = Pass(clock)
    side = Pass(clock)  # cases and evaluations, read meanwhile on a second connection
    outcomes = functools.partial(cases_and_evaluations, side, names, hall_id, start, end)
    started = time.perf_counter()
    own = uow.stores.reports.own_connection()
    if own is None:  # one connection is the whole database
        outcomes(uow.stores.reports)
        closed = _walk_days(uow, hall_id, run)
    else:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-outcomes") as pool:
            future = pool.submit(_on_own_connection, own, outcomes)
            closed = _walk_days(uow, hall_id, run)
            future.result()
    run.absorb(side)
    log.debug("report pass %.2f s (%d closed days walked)", time.perf_counter() - started, len(closed))
    return Report(
        hall=catalogue.code,
        hall_name=catalogue.name,
        first=first,
        last=last,
        generated_at=uow.now,
        names=names,
        atoms=run.atoms,
        closed=closed,
    )


def _walk_days(uow: UnitOfWork, hall_id: int, run: Pass) -> list[report_days.ClosedDay]:
    """The ticket and window events of each day in turn, or the day kept when it still stands."""
    clock = run.clock
    timezone = str(clock.zone)
    flow = Flow()
    statuses = initial_statuses(uow, hall_id, datetime.fromtimestamp(clock.midnights[0], UTC))
    for window_id, (status, clerk) in statuses.items():
        if status != "closed" and clerk is not None:
            flow.clerk[window_id] = clerk
    kept = report_days.KeptDays(uow, hall_id, clock)
    today = business_day(uow.now, timezone)
    now = uow.now.timestamp()
    for index, day in enumerate(clock.days):
        start = report_days.digest(flow.carried(statuses))
        found = kept.usable(index, day, start) if day < today else None
        if found is not None:
            carried, cells = found.read()
            run.absorb_cells(cells)
            statuses = flow.restore(carried)
            continue
        lo, hi = clock.midnights[index], clock.midnights[index + 1]
        one = Pass(clock)
        walk(one, flow, ticket_events(uow, hall_id, *(datetime.fromtimestamp(x, UTC) for x in (lo, hi))))
        statuses = window_time(one, flow, statuses, lo, min(hi, max(now, lo)))
        if day < today:
            events = kept.counts.get(index, 0)
            carried_out = flow.carried(statuses)
            kept.fresh.append(report_days.ClosedDay.of(day, events, start, carried_out, one.atoms))
        run.absorb(one)
    return kept.fresh


def close_days(uow: UnitOfWork, hall_id: int) -> list[report_days.ClosedDay]:
    """日结: the closed days of this month (and yesterday's, on the 1st) not kept yet, computed.

    Cheap when there is nothing to do (yesterday is kept and still stands); for the housekeeping
    loop, which keeps what this returns (``report_days.store``).
    """
    catalogue = uow.catalogue(hall_id)
    yesterday = business_day(uow.now, catalogue.timezone) - timedelta(days=1)
    kept = uow.stores.reports.kept_events(hall_id, report_days.version(catalogue.timezone), yesterday)
    if kept is not None:
        clock = Clock(yesterday, yesterday, catalogue.timezone)
        if report_days.KeptDays(uow, hall_id, clock).counts.get(0, 0) == kept:
            return []
    system = Actor(hall_id=hall_id, role="admin", name="system")
    return compute(uow, system, yesterday.replace(day=1), yesterday).closed
