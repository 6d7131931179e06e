"""The advisor's use cases: what the history says, a day replayed or forecast, what-ifs, a recommendation.

The history comes through the ``History`` port; everything else is the catalogue and the pure
simulation (``queue_server.domain.simulation``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import Rejected
from queue_server.domain.hall import HallCatalogue
from queue_server.domain.policy import Assignment
from queue_server.domain.simulation.advice import Progress, Recommendation, recommend
from queue_server.domain.simulation.breaks import learn_breaks
from queue_server.domain.simulation.engine import DayResult, connected, simulate_part
from queue_server.domain.simulation.history import (
    SEASON_SPAN,
    YEAR,
    Learned,
    calling_stretches,
    clerk_pace,
    day_kind,
    learn,
    observed_waits,
    replay_arrivals,
    season,
)
from queue_server.domain.simulation.model import Block, Scenario
from queue_server.domain.simulation.search import Choice, Constraints
from queue_server.domain.simulation.summary import DayFigures, days_of, figures, replicate
from queue_server.services.advisor import hall
from queue_server.services.advisor.ports import History
from queue_server.services.unit_of_work import UnitOfWork

LOOKBACK_DAYS = 56  # eight weeks of history: every weekday seen several times
MAX_REPLICATIONS = 200
# Today's allocation's figures kept per (scenario, replications, seed): a scenario is learned from
# the hall's history, so an equal one means the same hall, day and history, and the manager's
# what-ifs on that day simulate only their change.
TODAY_KEPT = 8
_today: OrderedDict[tuple[Scenario, int, int], DayFigures] = OrderedDict()
_today_lock = threading.Lock()
# … and the last two's replications themselves (some 20 MB for 20 days of 10,000 tickets), so a
# what-if simulates only the part of the hall its change reaches (``engine.simulate_part``).
TODAY_DAYS_KEPT = 2
_today_days: OrderedDict[tuple[Scenario, int, int], list[DayResult]] = OrderedDict()
# What the history says for a day, per (hall, day, catalogue version, history mark): see ``_history_of``.
LEARNED_KEPT = 8
_learned: OrderedDict[tuple[int, date, int, tuple[object, ...]], Learned] = OrderedDict()
_learned_lock = threading.Lock()


@dataclass(frozen=True)
class Replayed:
    """A recorded day: what was observed, and the simulator replaying its arrivals and handling times."""

    observed: dict[str, list[float]]
    simulated: DayFigures


def _checked(uow: UnitOfWork, actor: Actor, replications: int) -> HallCatalogue:
    actor.require(Permission.MANAGE_HALL)
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise Rejected("advisor.replications", low=1, high=MAX_REPLICATIONS)
    return uow.catalogue(actor.hall_id)


def learned(uow: UnitOfWork, actor: Actor, history: History, first: date, last: date) -> Learned:
    """The hall's figures from the days ``first`` to ``last``."""
    actor.require(Permission.MANAGE_HALL)
    catalogue = uow.catalogue(actor.hall_id)
    journeys = history.journeys(actor.hall_id, first, last, catalogue.timezone)
    return learn(journeys, catalogue.settings.working_days)


def forecast(
    uow: UnitOfWork, actor: Actor, history: History, day: date, replications: int = 20
) -> tuple[Scenario, Learned]:
    """``day`` as the simulator will take it: demand learned from the eight weeks before it."""
    catalogue = _checked(uow, actor, replications)
    known = _history_of(uow, actor, history, catalogue, day)
    threshold = history.wait_threshold(actor.hall_id)
    scenario = hall.with_breaks(hall.scenario(catalogue, day, known, threshold), known.breaks)
    return hall.with_covers(scenario, _ab_pairs(uow, actor)), known


def _history_of(
    uow: UnitOfWork, actor: Actor, history: History, catalogue: HallCatalogue, day: date
) -> Learned:
    """What the eight weeks before ``day`` say (demand, season, breaks), learned once per history:
    kept while the newest event before the day (``History.mark``, one index seek) and the hall's
    catalogue are the same, so the day's what-ifs after the first (or after the nightly prediction)
    do not read and learn eight weeks of events again."""
    last = _learned_until(catalogue, day, uow.now)
    end = last + timedelta(days=1)
    key = (actor.hall_id, day, catalogue.version, history.mark(actor.hall_id, end, catalogue.timezone))
    with _learned_lock:
        found = _learned.get(key)
        if found is not None:
            _learned.move_to_end(key)
            return found
    first = day - timedelta(days=LOOKBACK_DAYS)
    known = learned(uow, actor, history, first, last)
    if known.tickets == 0:
        raise Rejected("advisor.no_history", day=day.isoformat())
    then = day - timedelta(days=YEAR)  # the season: how last year's went against its eight weeks before
    per_day = history.issued_per_day(
        actor.hall_id,
        then - timedelta(days=LOOKBACK_DAYS),
        then + timedelta(days=SEASON_SPAN),
        catalogue.timezone,
    )
    calendar = catalogue.settings.working_days
    breaks = learn_breaks(
        history.stretches(actor.hall_id, first, last, catalogue.timezone),
        hall.opening_periods(catalogue, first, last),
    )
    known = replace(
        known,
        season=season(per_day, day, calendar, LOOKBACK_DAYS),
        kind=day_kind(day, calendar),
        breaks=breaks,
    )
    with _learned_lock:
        _learned[key] = known
        while len(_learned) > LEARNED_KEPT:
            _learned.popitem(last=False)
    return known


def _learned_until(catalogue: HallCatalogue, day: date, now: datetime) -> date:
    """The last day learned for ``day``: the day before it, but never a day still running — while
    today's hours last (all day in a hall open at all hours), yesterday. A half-recorded today would
    read as a quiet day, and each of its new events would make a forecast learn eight weeks again."""
    local = now.astimezone(ZoneInfo(catalogue.timezone))
    today, last = local.date(), day - timedelta(days=1)
    if last < today:
        return last
    periods = catalogue.settings.hours.periods_on(today)
    closed = bool(periods) and local.time() >= max(end for _, end in periods)  # as the nightly's
    return last if closed else today - timedelta(days=1)


def _ab_pairs(uow: UnitOfWork, actor: Actor) -> dict[str, tuple[str, ...]]:
    """The hall's AB岗 pairs as windows (a replay needs none: whoever covered is in the record)."""
    clerks = uow.stores.staff.members(actor.hall_id, ("clerk",))
    home = {m.staff_no: m.window_number for m in clerks if m.active}
    return hall.ab_covers([(m.window_number, home.get(m.partner_no or "")) for m in clerks if m.active])


def replay(
    uow: UnitOfWork, actor: Actor, history: History, day: date, replications: int = 10, seed: int = 1
) -> Replayed:
    """A recorded day replayed: its tickets, handling times and window shifts under its allocation."""
    catalogue = _checked(uow, actor, replications)
    journeys = history.journeys(actor.hall_id, day, day, catalogue.timezone)
    if not journeys:
        raise Rejected("advisor.no_history", day=day.isoformat())
    recorded = history.shifts(actor.hall_id, day, catalogue.timezone)
    scenario = hall.scenario(
        catalogue,
        day,
        learn(journeys, catalogue.settings.working_days),
        history.wait_threshold(actor.hall_id),
        shifts=calling_stretches(journeys, recorded),
    )
    pace = clerk_pace(journeys, recorded)
    scenario = replace(
        scenario,
        turnaround=pace.turnaround,
        reaction=pace.reaction,
        opening=pace.opening,
        transfer_reaction=pace.transfer_reaction,
        # The clerks as on the day (each delay, not only their means): ``model.Recorded``.
        recorded=pace.recorded,
        replay=replay_arrivals(journeys, pace.answered),
    )
    # Called tickets only, as the observed waits (a ticket that expired has no wait on record).
    return Replayed(observed_waits(journeys), replicate(scenario, replications, seed, unserved=False))


def what_if(
    scenario: Scenario, changes: Mapping[str, Sequence[str]], replications: int, seed: int = 1
) -> tuple[DayFigures, DayFigures]:
    """Today's allocation and the same day with ``changes`` (window → its services, all day)."""
    known = {w.number for w in scenario.windows}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise Rejected("window.not_found", number=unknown[0])
    codes = {s.code for s in scenario.services}
    for services in changes.values():
        for code in services:
            if code not in codes:
                raise Rejected("service.not_found", code=code)
    windows = tuple(
        replace(
            w,
            blocks=(Block(0.0, tuple(Assignment(c, i) for i, c in enumerate(changes[w.number], start=1))),),
        )
        if w.number in changes
        else w
        for w in scenario.windows
    )
    changed = scenario.with_windows(windows)
    current = today(scenario, replications, seed)
    part = _touched(scenario, changed, changes)
    with _today_lock:
        days = _today_days.get((scenario, replications, seed))
    if part is None or days is None:
        return current, replicate(changed, replications, seed)
    # Only the part of the hall the change reaches is simulated again; the rest of each day is
    # today's (same seeds, same people, same windows: the same run).
    merged = [_merged(day, simulate_part(changed, part, seed + i), part) for i, day in enumerate(days)]
    return current, figures(merged, changed.threshold)


def _touched(
    scenario: Scenario, changed: Scenario, changes: Mapping[str, Sequence[str]]
) -> frozenset[str] | None:
    """The services a what-if's ``changes`` can alter (None: all of them, or a window left with nothing)."""
    if not changes or any(not services for services in changes.values()):
        return None
    moved = set(changes)
    part = frozenset(
        a.service
        for s in (scenario, changed)
        for w in s.windows
        if w.number in moved
        for b in w.blocks
        for a in b.assignments
    )
    while True:
        grown = connected(changed, connected(scenario, part))
        if grown == part:
            break
        part = grown
    return None if len(part) >= len(scenario.services) else part


def _merged(day: DayResult, piece: DayResult, part: frozenset[str]) -> DayResult:
    """Today's replication with the part the change reaches taken from ``piece``."""
    return DayResult(
        {code: piece.services[code] if code in part else result for code, result in day.services.items()},
        {n: piece.busy.get(n, seconds) for n, seconds in day.busy.items()},
        {n: piece.open.get(n, seconds) for n, seconds in day.open.items()},
    )


def today(scenario: Scenario, replications: int, seed: int = 1) -> DayFigures:
    """``scenario`` as it stands, simulated once per scenario, replications and seed (then kept)."""
    found = _kept(scenario, replications, seed)
    if found is None:
        days = days_of(scenario, replications, seed)
        found = figures(days, scenario.threshold)
        _keep(scenario, replications, seed, found)
        with _today_lock:
            _today_days[(scenario, replications, seed)] = days
            while len(_today_days) > TODAY_DAYS_KEPT:
                _today_days.popitem(last=False)
    return found


def _kept(scenario: Scenario, replications: int, seed: int) -> DayFigures | None:
    key = (scenario, replications, seed)
    with _today_lock:
        found = _today.get(key)
        if found is not None:
            _today.move_to_end(key)
        return found


def _keep(scenario: Scenario, replications: int, seed: int, figures: DayFigures) -> None:
    with _today_lock:
        _today[(scenario, replications, seed)] = figures
        while len(_today) > TODAY_KEPT:
            _today.popitem(last=False)


def constraints(
    scenario: Scenario,
    profiles: Sequence[Sequence[str]],
    fixed_departments: bool = True,
    skills: Mapping[str, frozenset[str]] | None = None,
) -> Constraints:
    """Each window may take any work profile (and single services of its own) that fits it.

    With ``fixed_departments`` a window keeps to the departments it serves today; ``skills``
    (window → services its clerk can do) narrows that further.
    """
    departments = {s.code: s.department for s in scenario.services}
    options: list[Choice] = [
        tuple(Assignment(code, i) for i, code in enumerate(p, start=1) if code in departments)
        for p in profiles
    ]
    singles: list[Choice] = [(Assignment(s.code),) for s in scenario.services]
    choices: dict[str, list[Choice]] = {}
    allowed: dict[str, frozenset[str]] = {}
    for window in scenario.windows:
        mine = frozenset(
            code
            for code, department in departments.items()
            if not fixed_departments or department in window.departments
        )
        if skills is not None and window.number in skills:
            mine &= skills[window.number]
        allowed[window.number] = mine
        choices[window.number] = [o for o in (*options, *singles) if o and all(a.service in mine for a in o)]
    return Constraints(choices=choices, allowed=allowed)


def advise(
    scenario: Scenario,
    starts: Sequence[float],
    rules: Constraints,
    cap: float | None,
    replications: int,
    seed: int = 1,
    progress: Progress | None = None,
) -> Recommendation:
    """The recommended allocation for the day, with a p90 ``cap`` (seconds) for every service."""
    caps = {s.code: cap for s in scenario.services} if cap is not None else {}
    current = _kept(scenario, replications, seed)
    found = recommend(scenario, starts, rules, caps, replications, seed, progress=progress, current=current)
    if current is None:
        _keep(scenario, replications, seed, found.current)
    return found
