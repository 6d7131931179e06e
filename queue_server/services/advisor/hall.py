"""The hall as a simulation input: its windows' blocks and shifts, its services' learned demand, its rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from queue_server.domain.hall import HallCatalogue
from queue_server.domain.simulation.breaks import WindowBreaks
from queue_server.domain.simulation.history import Learned, day_kind
from queue_server.domain.simulation.model import Arrival, Block, Handling, Scenario, ServiceSpec, WindowSpec

Shifts = Mapping[str, Sequence[tuple[float, float]]]


def seconds(clock: time) -> float:
    """A wall-clock time as seconds from midnight."""
    return clock.hour * 3600 + clock.minute * 60 + clock.second


def clock(at: float) -> str:
    """Seconds from midnight as HH:MM."""
    minutes = round(at / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def periods(catalogue: HallCatalogue, day: date) -> tuple[tuple[float, float], ...]:
    """The hall's opening periods on ``day`` in seconds (a hall open at all hours: the whole day)."""
    found = tuple((seconds(a), seconds(b)) for a, b in catalogue.settings.hours.periods_on(day))
    return found or ((0.0, 86400.0),)


def block_starts(catalogue: HallCatalogue, day: date) -> tuple[float, ...]:
    """The day's time blocks: one per opening period (morning, afternoon …)."""
    return tuple(start for start, _ in periods(catalogue, day))


def _boundaries(catalogue: HallCatalogue, starts: Sequence[float]) -> list[float]:
    found = set(starts)
    for window in catalogue.windows.values():
        for rule in window.rules:
            found.update(seconds(t) for t in (rule.time_from, rule.time_until) if t is not None)
    return sorted(found)


def windows(
    catalogue: HallCatalogue,
    day: date,
    shifts: Shifts | None = None,
    pace: Mapping[str, tuple[tuple[str, float], ...]] | None = None,
) -> tuple[WindowSpec, ...]:
    """Every window that serves anything on ``day``: its assignments by block, its open stretches,
    its pace where its handling times differ (``Learned.window_pace``).

    Without recorded ``shifts`` a window is open through the hall's periods that day.
    """
    pace = pace or {}
    zone = ZoneInfo(catalogue.timezone)
    midnight = datetime.combine(day, time(0), zone)
    starts = block_starts(catalogue, day)
    opening = periods(catalogue, day)
    found = []
    for window in sorted(catalogue.windows.values(), key=lambda w: w.number):
        blocks = tuple(
            Block(at, catalogue.assignments_now(window, midnight + timedelta(seconds=at)))
            for at in _boundaries(catalogue, starts)
        )
        if not any(b.assignments for b in blocks):
            continue
        departments = frozenset(
            str(catalogue.by_code[a.service].department_id) for b in blocks for a in b.assignments
        )
        stretches = tuple(shifts.get(window.number, ())) if shifts is not None else opening
        found.append(
            WindowSpec(window.number, blocks, tuple(stretches), departments, pace.get(window.number, ()))
        )
    return tuple(found)


def services(catalogue: HallCatalogue, learned: Learned, kind: int | None) -> tuple[ServiceSpec, ...]:
    """Each service's demand from history on a ``kind`` of day, times the season's factor (a service
    without history: no arrivals, its set handling time)."""
    out = []
    for item in sorted(catalogue.services.values(), key=lambda s: s.code):
        known = learned.services.get(item.code)
        if known is not None:
            spec = known.spec(kind, learned.season.factor)
        else:
            spec = ServiceSpec(item.code, (0.0,) * 24, Handling(float(item.avg_handle_seconds)))
        out.append(_with_department(spec, str(item.department_id)))
    return tuple(out)


def _with_department(spec: ServiceSpec, department: str) -> ServiceSpec:
    return replace(spec, department=department)


def scenario(
    catalogue: HallCatalogue,
    day: date,
    learned: Learned,
    threshold: float,
    *,
    shifts: Shifts | None = None,
    replay: tuple[Arrival, ...] | None = None,
) -> Scenario:
    """``day`` of the hall as the simulator takes it (a forecast, or a replay of recorded arrivals)."""
    policy = catalogue.settings
    return Scenario(
        services=services(catalogue, learned, day_kind(day, policy.working_days)),
        windows=windows(catalogue, day, shifts, learned.window_pace()),
        policy=policy.policy,
        threshold=threshold,
        turnaround=learned.turnaround,
        reaction=learned.reaction,
        no_show_seconds=learned.no_show_seconds,
        transfer_keeps_place=policy.transfer_keeps_place,
        replay=replay,
    )


def ab_covers(pairs: Sequence[tuple[str | None, str | None]]) -> dict[str, tuple[str, ...]]:
    """AB岗 as the hall configures it: from (a clerk's home window, their partner's home window)
    pairs, window → the windows it covers for (its partners' windows)."""
    found: dict[str, set[str]] = {}
    for mine, partners in pairs:
        if mine and partners and mine != partners:
            found.setdefault(partners, set()).add(mine)
    return {window: tuple(sorted(away)) for window, away in found.items()}


def with_covers(scenario: Scenario, covers: Mapping[str, tuple[str, ...]]) -> Scenario:
    """The scenario with each window's AB岗 cover."""
    if not covers:
        return scenario
    return scenario.with_windows(tuple(replace(w, covers=covers.get(w.number, ())) for w in scenario.windows))


def opening_periods(
    catalogue: HallCatalogue, first: date, last: date
) -> dict[date, tuple[tuple[float, float], ...]]:
    """The hall's opening periods on each day ``first`` to ``last`` (closed days left out)."""
    out = {}
    day = first
    while day <= last:
        found = tuple((seconds(a), seconds(b)) for a, b in catalogue.settings.hours.periods_on(day))
        if found:
            out[day] = found
        day += timedelta(days=1)
    return out


def with_breaks(scenario: Scenario, breaks: Mapping[str, WindowBreaks]) -> Scenario:
    """The scenario with each window's recorded days of breaks to draw from (a forecast)."""
    if not breaks:
        return scenario
    return scenario.with_windows(
        tuple(replace(w, breaks=b.patterns) if (b := breaks.get(w.number)) else w for w in scenario.windows)
    )
