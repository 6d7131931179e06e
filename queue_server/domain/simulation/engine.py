"""One replication of a simulated day, calling tickets with the live policy (``policy.choose_next``).

Each service keeps three queues (normal, priority, due appointments) ordered the way the policy
ranks them; a calling window hands ``choose_next`` the head of each queue of the services it serves
now. Under every mode the policy's pick is a head (within a service the ordering is by rank, and
the anti-starvation rule looks only at the oldest normal ticket), so this is the same choice the
live server makes over all waiting tickets, at a cost that does not grow with the queue
(tests/domain/test_simulation_engine.py checks the equivalence).

Simplifications (docs/advisor.md): booked citizens check in when their slot is due, so their
appointment is due on arrival; a no-show costs the window ``no_show_seconds`` and leaves; a
transfer goes once to another service's queue, keeping its place if the hall says so.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import cast

from queue_server.domain.policy import Assignment, Candidate, WindowView, choose_next
from queue_server.domain.simulation.breaks import draw_breaks, without
from queue_server.domain.simulation.model import Arrival, Recorded, Scenario, ServiceSpec, WindowSpec

# Drawn days kept (a pure function of the services and the seed): a what-if and a recommendation
# run many allocations on the same seeds (common random numbers), so each seed's people are drawn
# once. 32 days of a 10,000-ticket hall are some 50 MB.
DRAWN_DAYS = 32

EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # any fixed instant: the policy compares times only
_OPEN, _CLOSE, _BLOCK, _CALL, _FREE = range(1, 6)  # the agenda's events (arrivals are merged in apart)


@dataclass
class ServiceResult:
    """One service's figures in one replication."""

    waits: list[float] = field(default_factory=list)
    entered_hour: list[int] = field(default_factory=list)  # hour of the day each counted wait began
    priority: list[bool] = field(default_factory=list)  # whether each counted wait was a priority ticket's
    longest_queue: int = 0
    unserved: int = 0  # still waiting when every window had closed
    # Their waits up to the close (a lower bound): counted in the figures, so an allocation that
    # leaves people uncalled never looks better than one that calls them late.
    censored: list[float] = field(default_factory=list)


@dataclass
class DayResult:
    """What one replication of the day produced."""

    services: dict[str, ServiceResult]
    busy: dict[str, float]  # window → seconds busy
    open: dict[str, float]  # window → seconds open


class _Ticket:
    __slots__ = (
        "appointment",
        "arrived",
        "handle",
        "handle_after",
        "id",
        "no_show",
        "priority",
        "queue",
        "queued",
        "rank",
        "service",
        "transfer_to",
        "window",
    )

    def __init__(self, arrival: Arrival, tid: int, rank: float) -> None:
        self.id = tid
        self.service = arrival.service
        self.arrived = arrival.at
        self.queued = arrival.at
        self.handle = arrival.handle
        self.handle_after = arrival.handle_after
        self.no_show = arrival.no_show
        self.transfer_to = arrival.transfer_to
        self.window = arrival.window
        self.rank = rank
        self.appointment = arrival.appointment
        self.priority = arrival.priority and not arrival.appointment
        self.queue = 2 if arrival.appointment else 1 if arrival.priority else 0

    def candidate(self) -> Candidate:
        """The ticket as the policy sees it (made only when the policy is asked: most calls do not)."""
        at = EPOCH + timedelta(seconds=self.rank)
        return Candidate(
            self.id,
            self.service,
            at,
            priority=self.priority,
            appointment_at=at if self.appointment else None,
        )


class _Window:
    __slots__ = (
        "assignments",
        "busy",
        "busy_for",
        "covering",
        "idle_since",
        "is_open",
        "number",
        "own",
        "pace",
        "pending",
        "recent",
    )

    def __init__(self, number: str, pace: tuple[tuple[str, float], ...] = ()) -> None:
        self.number = number
        self.pace = dict(pace)
        self.assignments: tuple[Assignment, ...] = ()  # its own, then those it covers for
        self.own: tuple[Assignment, ...] = ()  # what its block gives it
        self.covering: list[_Window] = []  # AB岗: closed partners whose services it takes on
        self.is_open = False
        self.busy = False
        self.pending = False  # a call is on the agenda
        self.idle_since = 0.0
        self.busy_for = 0.0
        self.recent: tuple[bool, ...] = ()


def draw_arrivals(scenario: Scenario, seed: int) -> tuple[Arrival, ...]:
    """The day's arrivals for ``seed``: per service a Poisson process with piecewise-constant rates."""
    return _drawn(scenario.services, scenario.slot, seed)


def _service_arrivals(spec: ServiceSpec, slot: float, rng: random.Random) -> list[Arrival]:
    out: list[Arrival] = []
    for i, per_hour in enumerate(spec.rates):
        if per_hour <= 0:
            continue
        rate, at, end = per_hour / 3600.0, i * slot, (i + 1) * slot
        while True:
            at += rng.expovariate(rate)
            if at >= end:
                break
            roll = rng.random()
            appointment = roll < spec.appointment_share
            priority = not appointment and roll < spec.appointment_share + spec.priority_share
            transfer_to = None
            if spec.transfer_to and rng.random() < spec.transfer:
                transfer_to = spec.transfer_to[int(rng.random() * len(spec.transfer_to))]
            no_show = rng.random() < spec.no_show
            # Drawn here, with the arrival, so two allocations see the same work (common random numbers).
            handle = spec.handling.draw(rng)
            out.append(Arrival(at, spec.code, priority, appointment, handle, no_show, transfer_to))
    return out


class _Day:
    """The agenda and state of one replication."""

    def __init__(
        self, scenario: Scenario, rng: random.Random, seed: int = 0, close: float | None = None
    ) -> None:
        self.scenario = scenario
        self.close = close  # the hall's last close (a part of the hall: the whole hall's)
        self.rng = rng
        self.recorded = scenario.recorded  # a replay's clerks (None: a forecast's means, at no cost)
        recorded = self.recorded or Recorded()
        # (times, gaps) of each window's recorded gaps after a ticket, for a bisection by time
        self.after = {w: ([at for at, _ in gaps], [gap for _, gap in gaps]) for w, gaps in recorded.after}
        self.opened = {(w, at): delay for w, at, delay in recorded.opened}
        # A replay's delays drawn where the record has none of its own: a stream apart, so the
        # replications differ in the path the calls take; a forecast draws none.
        self.delays = random.Random(seed * 7919 + 2)
        self.seed = seed  # the replication's, for its draw of each window's breaks
        self.specs = {s.code: s for s in scenario.services}
        self.agenda: list[tuple[float, int, int, object]] = []
        self.seq = itertools.count()
        self.arrivals: Sequence[Arrival] = ()
        self.queues: dict[str, tuple[list[tuple[float, int, _Ticket]], ...]] = {
            code: ([], [], []) for code in self.specs
        }
        self.lengths = dict.fromkeys(self.specs, 0)
        self.windows = [_Window(w.number, w.pace) for w in scenario.windows]
        by_number = {w.number: w for w in self.windows}
        self.covered_by: dict[str, list[_Window]] = {}  # window → the AB岗 partners covering for it
        for spec, window in zip(scenario.windows, self.windows, strict=True):
            for away in spec.covers:
                if away in by_number and away != spec.number:
                    self.covered_by.setdefault(away, []).append(window)
        self.pace = {w.number: w.pace for w in self.windows}  # for a recorded handling time's window
        self.serving: dict[str, list[_Window]] = {code: [] for code in self.specs}
        self.results = {code: ServiceResult() for code in self.specs}
        self.open_time = {w.number: 0.0 for w in scenario.windows}
        self.next_id = 0
        self.span = max(scenario.policy.priority_span - 1, 1)  # the calls the priority rule looks back on

    def push(self, at: float, kind: int, payload: object) -> None:
        heapq.heappush(self.agenda, (at, next(self.seq), kind, payload))

    def plan(self, arrivals: Sequence[Arrival]) -> None:
        # The arrivals, sorted, are merged into the agenda as it runs (not pushed: a day's thousands
        # of them would make every heap operation dearer); at equal times they come first, as
        # they would had they been pushed first.
        ordered = all(a.at <= b.at for a, b in itertools.pairwise(arrivals))
        self.arrivals = arrivals if ordered else sorted(arrivals, key=lambda a: a.at)
        for spec, window in zip(self.scenario.windows, self.windows, strict=True):
            shifts = spec.shifts
            if spec.breaks:
                shifts = without(shifts, draw_breaks(spec.breaks, spec.number, self.seed))
            if spec.number in self.covered_by and (not shifts or shifts[0][0] > 0.0):
                self.cover(0.0, window, True)  # covered until it first opens (a late start, a day away)
            for start, end in shifts:
                self.push(start, _OPEN, window)
                self.push(end, _CLOSE, window)
                self.open_time[spec.number] += end - start
            for block in spec.blocks:
                self.push(block.start, _BLOCK, (window, block.assignments))

    def run(self) -> DayResult:
        agenda, arrivals, pop = self.agenda, self.arrivals, heapq.heappop
        upcoming, count = 0, len(arrivals)
        while agenda or upcoming < count:
            if upcoming < count and (not agenda or arrivals[upcoming].at <= agenda[0][0]):
                arrival = arrivals[upcoming]
                upcoming += 1
                self.arrive(arrival.at, arrival)
                continue
            now, _, kind, payload = pop(agenda)
            if kind == _CALL:
                assert isinstance(payload, _Window)
                payload.pending = False
                self.call(now, payload)
            elif kind == _FREE:
                self.free(now, *cast(tuple[_Window, _Ticket], payload))
            elif kind == _OPEN:
                assert isinstance(payload, _Window)
                payload.is_open = True
                self.cover(now, payload, False)
                opening = self.scenario.opening
                if self.recorded is not None:
                    opening = self.opened.get((payload.number, now), opening)
                self.wake(now, payload, opening)
            elif kind == _CLOSE:
                assert isinstance(payload, _Window)
                payload.is_open = False
                self.cover(now, payload, True)
            else:
                self.reassign(now, *cast(tuple[_Window, tuple[Assignment, ...]], payload))
        close = self.close
        if close is None:
            close = max((end for w in self.scenario.windows for _, end in w.shifts), default=0.0)
        for code, queues in self.queues.items():
            left = [entry[2] for queue in queues for entry in queue]
            self.results[code].unserved = len(left)
            self.results[code].censored = [
                max(close - t.queued, 0.0) for t in left if t.queued >= self.scenario.count_from
            ]
        busy = {w.number: w.busy_for for w in self.windows}
        return DayResult(self.results, busy, dict(self.open_time))

    # ---------------------------------------------------------------- queues

    def enqueue(self, now: float, ticket: _Ticket, reaction: float) -> None:
        code = ticket.service
        heapq.heappush(self.queues[code][ticket.queue], (ticket.rank, ticket.id, ticket))
        length = self.lengths[code] = self.lengths[code] + 1
        result = self.results[code]
        if length > result.longest_queue:
            result.longest_queue = length
        first = None
        for w in self.serving[code]:  # the window idle longest takes the newcomer …
            if w.is_open and not w.busy and not w.pending:
                if w.number == ticket.window:  # … unless the one that took it on the recorded day is idle
                    first = w
                    break
                if first is None or w.idle_since < first.idle_since:
                    first = w
        if first is not None:
            self.wake(now, first, reaction)

    def arrive(self, now: float, arrival: Arrival) -> None:
        self.next_id += 1
        reaction = self.scenario.reaction
        if self.recorded is not None:  # a replay: this newcomer's recorded answer, else a drawn one
            recorded = arrival.reaction
            reaction = self._drawn(self.recorded.reactions, reaction) if recorded is None else recorded
        self.enqueue(now, _Ticket(arrival, self.next_id, now), reaction)

    def _drawn(self, measured: tuple[float, ...], mean: float) -> float:
        """One of a replay's ``measured`` delays, or the ``mean`` without them."""
        return measured[int(self.delays.random() * len(measured))] if measured else mean

    def _turnaround(self, now: float, window: _Window, recorded: Recorded) -> float:
        """Seconds before ``window``, freed at ``now`` while people wait, calls in a replay: its own
        recorded gap nearest in time (``Recorded``), else one of the day's drawn."""
        own = self.after.get(window.number)
        if own is None:
            return self._drawn(recorded.turnarounds, self.scenario.turnaround)
        times, gaps = own
        i = bisect.bisect_left(times, now)
        if i == len(times) or (i > 0 and now - times[i - 1] <= times[i] - now):
            i -= 1
        return gaps[i]

    def wake(self, now: float, window: _Window, delay: float = 0.0) -> None:
        if window.is_open and not window.busy and not window.pending:
            window.pending = True
            self.push(now + delay, _CALL, window)

    def reassign(self, now: float, window: _Window, assignments: tuple[Assignment, ...]) -> None:
        window.own = tuple(a for a in assignments if a.service in self.serving)
        self.refresh(now, window)
        for partner in self.covered_by.get(window.number, ()):
            if window in partner.covering:
                self.refresh(now, partner)

    def cover(self, now: float, window: _Window, away: bool) -> None:
        """AB岗: while ``window`` is closed its partners (open or not: they cover when open) take on
        its services after their own; when it opens again they give them back."""
        for partner in self.covered_by.get(window.number, ()):
            if away and window not in partner.covering:
                partner.covering.append(window)
            elif not away and window in partner.covering:
                partner.covering.remove(window)
            else:
                continue
            self.refresh(now, partner)

    def refresh(self, now: float, window: _Window) -> None:
        """The window's assignments: its own, then those of the windows it covers for."""
        found = list(window.own)
        served = {a.service for a in found}
        after = max((a.preference for a in found), default=0)
        for away in window.covering:
            for a in away.own:
                if a.service not in served:
                    served.add(a.service)
                    found.append(Assignment(a.service, after + a.preference, a.weight))
        for a in window.assignments:
            self.serving[a.service].remove(window)
        window.assignments = tuple(found)
        for a in window.assignments:
            self.serving[a.service].append(window)
        self.wake(now, window)

    # ---------------------------------------------------------------- a window's work

    def call(self, now: float, window: _Window) -> None:
        if not window.is_open or window.busy:
            return
        heads: list[_Ticket] = []
        for a in window.assignments:
            for queue in self.queues[a.service]:
                if queue:
                    heads.append(queue[0][2])
        if not heads:
            window.idle_since = now
            return
        if len(heads) == 1:
            # One eligible ticket: the policy can only answer it (tests/domain/test_simulation_engine.py
            # checks this for every mode and rule), so it is not asked.
            ticket = heads[0]
        else:
            view = WindowView(window.number, True, window.assignments, window.recent)
            candidates = [t.candidate() for t in heads]
            chosen = choose_next(view, candidates, EPOCH + timedelta(seconds=now), self.scenario.policy)
            if chosen is None:
                window.idle_since = now
                return
            ticket = heads[candidates.index(chosen)]
        code = ticket.service
        heapq.heappop(self.queues[code][ticket.queue])  # the chosen ticket is its queue's head
        self.lengths[code] -= 1
        window.recent = (*window.recent, ticket.priority)[-self.span :]
        if ticket.queued >= self.scenario.count_from:
            result = self.results[code]
            result.waits.append(now - ticket.queued)
            result.entered_hour.append(int(ticket.queued // 3600))
            result.priority.append(ticket.priority)
        if ticket.no_show:
            seconds = self.scenario.no_show_seconds
        else:
            seconds = ticket.handle if ticket.handle is not None else self.specs[code].handling.draw(self.rng)
            if window.pace or ticket.window in self.pace:
                seconds *= self._pace(window, ticket)
        window.busy = True
        window.busy_for += seconds
        self.push(now + seconds, _FREE, (window, ticket))

    def _pace(self, window: _Window, ticket: _Ticket) -> float:
        """This window's pace for the ticket's service, over the pace of the window that took the
        recorded handling time (a replay: a ticket a slow window took on the day is quicker here)."""
        mine = window.pace.get(ticket.service, 1.0)
        recorded = self.pace.get(ticket.window) if ticket.window is not None else None
        return mine / recorded.get(ticket.service, 1.0) if recorded else mine

    def free(self, now: float, window: _Window, ticket: _Ticket) -> None:
        window.busy = False
        window.idle_since = now
        target = ticket.transfer_to
        if target is not None and not ticket.no_show and target in self.specs:
            self.transfer(now, ticket, target)
        if any(self.lengths[a.service] for a in window.assignments):  # else an arrival wakes it
            delay = self.scenario.turnaround
            if self.recorded is not None:
                delay = self._turnaround(now, window, self.recorded)
            self.wake(now, window, delay)

    def transfer(self, now: float, ticket: _Ticket, target: str) -> None:
        rank = ticket.arrived if self.scenario.transfer_keeps_place else now
        self.next_id += 1
        handle = ticket.handle_after
        if handle is None:
            # Drawn from the ticket's own stream (its seed, arrival and target), not the day's: the
            # draw is the same whatever else happens in the hall, so a part of the hall simulated
            # alone (``simulate_part``) gives what the whole hall's run gives there.
            spec = self.specs[target]
            handle = spec.handling.draw(
                random.Random(f"{self.seed}:{ticket.arrived!r}:{ticket.service}:{target}")
            )
        again = Arrival(rank, target, priority=ticket.priority, handle=handle)  # its class goes with it
        moved = _Ticket(again, self.next_id, rank)
        moved.queued = now
        moved.arrived = ticket.arrived
        late = self.scenario.transfer_reaction
        self.enqueue(now, moved, self.scenario.reaction if late is None else late)


@lru_cache(maxsize=DRAWN_DAYS)
def _drawn(services: tuple[ServiceSpec, ...], slot: float, seed: int) -> tuple[Arrival, ...]:
    out: list[Arrival] = []
    rng = random.Random(seed)
    for spec in services:
        out.extend(_service_arrivals(spec, slot, rng))
    out.sort(key=lambda a: a.at)
    return tuple(out)


def simulate_day(scenario: Scenario, seed: int) -> DayResult:
    """One replication of ``scenario`` with random stream ``seed``."""
    arrivals = scenario.replay
    if arrivals is None:
        arrivals = _drawn(scenario.services, scenario.slot, seed)
    day = _Day(scenario, random.Random(seed * 7919 + 1), seed)
    day.plan(arrivals)
    return day.run()


def connected(scenario: Scenario, services: Iterable[str]) -> frozenset[str]:
    """``services`` and every service that can exchange work with them: served by a window that
    serves one of them (in any block, or covering for a window that does), or transferred to or
    from one. Outside this set the day runs the same whatever these services' windows do."""
    found = set(services)
    links = [set(_reach(scenario, w)) for w in scenario.windows]
    links.extend({spec.code, *spec.transfer_to} for spec in scenario.services if spec.transfer_to)
    grown = True
    while grown:
        grown = False
        for link in links:
            if link & found and not link <= found:
                found |= link
                grown = True
    return frozenset(found)


def _reach(scenario: Scenario, window: WindowSpec) -> frozenset[str]:
    """The services ``window`` may serve in the day: its own in any block, and those of the windows
    it covers for (AB岗)."""
    away = set(window.covers)
    return frozenset(
        a.service
        for w in scenario.windows
        if w is window or w.number in away
        for b in w.blocks
        for a in b.assignments
    )


def simulate_part(scenario: Scenario, part: frozenset[str], seed: int) -> DayResult:
    """One replication of ``scenario`` for the services ``part`` only (closed under ``connected``):
    their windows and the seed's people who ask for them. Equal to the whole hall's replication
    there, at the cost of the part (a what-if that moves a few windows simulates what they touch)."""
    windows = tuple(w for w in scenario.windows if not part.isdisjoint(_reach(scenario, w)))
    close = max((end for w in scenario.windows for _, end in w.shifts), default=0.0)
    arrivals = scenario.replay
    if arrivals is None:
        arrivals = _drawn(scenario.services, scenario.slot, seed)
    mine = tuple(a for a in arrivals if a.service in part)
    piece = replace(scenario, services=tuple(s for s in scenario.services if s.code in part), windows=windows)
    day = _Day(piece, random.Random(seed * 7919 + 1), seed, close)
    day.plan(mine)
    return day.run()
