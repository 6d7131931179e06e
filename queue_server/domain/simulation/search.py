"""Proposing an allocation: a greedy local search on a fluid model of the hall, per time block.

For each block the offered load of service s is a_s = λ_s · mean handling time. A window open for
a fraction f of the block and serving services S_w gives each of them capacity f · a_s / Σ_{S_w} a,
its time shared in proportion to the demand (the fluid view of how ``oldest`` and ``weighted``
modes split a window). A service's utilisation is ρ_s = a_s / Σ_w capacity. The search minimises
Σ_s k_s · ρ_s⁸ — a smooth stand-in for "the worst queue": the eighth power makes the busiest
service dominate, so relieving it pays most — by moving one window at a time to the choice (a work
profile or its current list) that lowers it most, until no move helps. A move is refused when it
would leave a covered service without any window, or give a window a service it may not serve.

The simulator then judges the proposal; a service still above its p90 cap gets its k_s raised and
the search runs again (``services.advisor`` does that loop).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from queue_server.domain.policy import Assignment
from queue_server.domain.simulation.model import Block, Scenario, WindowSpec

POWER = 8
Choice = tuple[Assignment, ...]


@dataclass(frozen=True)
class Move:
    """One window given another service list from a block's start; ``gain`` is the objective it saved."""

    block: float
    window: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    gain: float


@dataclass(frozen=True)
class Constraints:
    """What the manager allows: each window's possible service lists, and services' weights in the search."""

    choices: Mapping[str, Sequence[Choice]]  # window → lists it may take (its current one is always allowed)
    allowed: Mapping[str, frozenset[str]] | None = None  # window → services it may serve (skills, department)
    emphasis: Mapping[str, float] | None = None  # service → k_s (1 unless a cap was missed)
    max_moves: int = 400


def _codes(choice: Choice) -> tuple[str, ...]:
    return tuple(a.service for a in choice)


def _open_fraction(window: WindowSpec, start: float, end: float) -> float:
    covered = sum(max(0.0, min(b, end) - max(a, start)) for a, b in window.shifts)
    return covered / (end - start) if end > start else 0.0


def _share(choice: Choice, load: Mapping[str, float]) -> dict[str, float]:
    codes = [a.service for a in choice if a.service in load]
    if not codes:
        return {}
    total = sum(load[c] for c in codes)
    if total <= 0:
        return dict.fromkeys(codes, 1.0 / len(codes))
    return {c: load[c] / total for c in codes}


class _Block:
    """The fluid state of one block: capacity per service and the objective's terms."""

    def __init__(self, scenario: Scenario, start: float, end: float, emphasis: Mapping[str, float]) -> None:
        self.load = {
            s.code: s.mean_rate(start, end, scenario.slot) * s.handling.mean for s in scenario.services
        }
        self.emphasis = emphasis
        self.capacity = dict.fromkeys(self.load, 0.0)
        self.servers = dict.fromkeys(self.load, 0)  # windows serving each service (for coverage)
        self.open = {w.number: _open_fraction(w, start, end) for w in scenario.windows}

    def add(self, window: str, choice: Choice, sign: int) -> None:
        fraction = self.open[window]
        if fraction <= 0:
            return
        for code, share in _share(choice, self.load).items():
            self.capacity[code] += sign * fraction * share
            self.servers[code] += sign

    def term(self, code: str, capacity: float) -> float:
        load = self.load[code]
        if load <= 0:
            return 0.0
        rho = load / capacity if capacity > 1e-9 else 1e3
        return self.emphasis.get(code, 1.0) * rho**POWER

    def objective(self) -> float:
        return sum(self.term(c, cap) for c, cap in self.capacity.items())

    def delta(self, window: str, old: Choice, new: Choice) -> float | None:
        """The objective's change if ``window`` took ``new`` for ``old``; None if it uncovers a service."""
        fraction = self.open[window]
        if fraction <= 0:
            return 0.0
        before, after = _share(old, self.load), _share(new, self.load)
        change = 0.0
        for code in before.keys() | after.keys():
            servers = self.servers[code] - (code in before) + (code in after)
            if servers <= 0 and self.servers[code] > 0:
                return None
            capacity = self.capacity[code] + fraction * (after.get(code, 0.0) - before.get(code, 0.0))
            change += self.term(code, capacity) - self.term(code, self.capacity[code])
        return change


def _fits(choice: Choice, allowed: frozenset[str] | None) -> bool:
    return allowed is None or all(a.service in allowed for a in choice)


def propose(
    scenario: Scenario, starts: Sequence[float], constraints: Constraints
) -> tuple[Scenario, list[Move]]:
    """The proposed scenario (each window's blocks from ``starts``) and the moves that made it, best first."""
    ends = [*starts[1:], max(b for w in scenario.windows for _, b in w.shifts)]
    plans: dict[str, list[Choice]] = {w.number: [w.serves_at(s) for s in starts] for w in scenario.windows}
    moves: list[Move] = []
    emphasis = constraints.emphasis or {}
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        block = _Block(scenario, start, end, emphasis)
        for number, plan in plans.items():
            block.add(number, plan[index], +1)
        for _ in range(constraints.max_moves):
            best: tuple[float, str, Choice] | None = None
            for number, options in constraints.choices.items():
                if number not in plans:
                    continue
                current = plans[number][index]
                allowed = (constraints.allowed or {}).get(number)
                for option in options:
                    if option == current or not _fits(option, allowed):
                        continue
                    change = block.delta(number, current, option)
                    if change is not None and change < -1e-9 and (best is None or change < best[0]):
                        best = (change, number, option)
            if best is None:
                break
            change, number, option = best
            current = plans[number][index]
            block.add(number, current, -1)
            block.add(number, option, +1)
            plans[number][index] = option
            moves.append(Move(start, number, _codes(current), _codes(option), -change))
    windows = tuple(replace(w, blocks=_blocks(starts, plans[w.number])) for w in scenario.windows)
    return scenario.with_windows(windows), _net(moves)


def _blocks(starts: Sequence[float], plan: Sequence[Choice]) -> tuple[Block, ...]:
    return tuple(Block(start, choice) for start, choice in zip(starts, plan, strict=True))


def _net(moves: list[Move]) -> list[Move]:
    """One move per (block, window): its first ``before``, last ``after``, summed gain; best first."""
    merged: dict[tuple[float, str], Move] = {}
    for move in moves:
        key = (move.block, move.window)
        earlier = merged.get(key)
        merged[key] = (
            move if earlier is None else replace(move, before=earlier.before, gain=earlier.gain + move.gain)
        )
    kept = [m for m in merged.values() if m.before != m.after]
    return sorted(kept, key=lambda m: -m.gain)


def apply_moves(
    scenario: Scenario,
    starts: Sequence[float],
    moves: Sequence[Move],
    choices: Mapping[str, Sequence[Choice]],
) -> Scenario:
    """``scenario`` with only ``moves`` made (to see what part of the gain they bring)."""
    by_key = {(m.block, m.window): m for m in moves}
    windows = []
    for w in scenario.windows:
        plan = []
        for start in starts:
            current = w.serves_at(start)
            move = by_key.get((start, w.number))
            if move is not None:
                options = [*choices.get(w.number, ()), current]
                current = next(o for o in options if _codes(o) == move.after)
            plan.append(current)
        windows.append(replace(w, blocks=_blocks(starts, plan)))
    return scenario.with_windows(tuple(windows))


def uncovered(scenario: Scenario, starts: Sequence[float]) -> list[tuple[float, str]]:
    """(block, service) pairs with demand and no window open in the block serving the service."""
    ends = [*starts[1:], max(b for w in scenario.windows for _, b in w.shifts)]
    out = []
    for start, end in zip(starts, ends, strict=True):
        served = {
            a.service
            for w in scenario.windows
            if _open_fraction(w, start, end) > 0
            for a in w.serves_at(start)
        }
        for spec in scenario.services:
            if spec.mean_rate(start, end, scenario.slot) > 0 and spec.code not in served:
                out.append((start, spec.code))
    return out
