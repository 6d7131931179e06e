"""The recommendation loop: propose on the fluid model, judge by simulation, insist on the caps.

1. ``search.propose`` moves windows between work profiles per block (greedy local search);
2. today's allocation and the proposal run the same replications (common random numbers);
3. a service above its p90 cap has its weight in the search raised and the search runs again
   (at most ``rounds`` times); the proposal kept is the best by the hall's p90 among those meeting
   every cap, else the best there is, flagged;
4. a proposal the simulation finds no better than today is dropped (no change is recommended);
5. the moves are ranked by their gain in the fluid model and the first 1, 2, 4, … of them are
   simulated, so the manager sees which few changes bring most of the gain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from queue_server.domain.simulation.model import Scenario
from queue_server.domain.simulation.search import Constraints, Move, apply_moves, propose, uncovered
from queue_server.domain.simulation.summary import DayFigures, replicate

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Step:
    """The hall's p90 wait with only the first ``moves`` changes made."""

    moves: int
    p90_wait: float


@dataclass(frozen=True)
class Recommendation:
    """Today's allocation against the proposal, and where the gain comes from."""

    current: DayFigures
    proposed: DayFigures
    scenario: Scenario
    moves: tuple[Move, ...]
    steps: tuple[Step, ...]
    over_cap: tuple[str, ...]  # services whose p90 stays above their cap under the proposal
    uncovered: tuple[tuple[float, str], ...]

    @property
    def gain(self) -> float:
        """Share by which the proposal lowers the hall's p90 wait (0.3 = 30 % lower)."""
        before = self.current.p90_wait.mean
        return (before - self.proposed.p90_wait.mean) / before if before > 0 else 0.0


def _over(figures: DayFigures, caps: Mapping[str, float]) -> list[str]:
    return sorted(
        code
        for code, cap in caps.items()
        if code in figures.services and figures.services[code].p90_wait.mean > cap
    )


def _worse(proposed: DayFigures, current: DayFigures, caps: Mapping[str, float]) -> bool:
    """Whether the proposal misses more caps than today, or as many with a p90 no lower."""
    missed, before = len(_over(proposed, caps)), len(_over(current, caps))
    return missed > before or (missed == before and proposed.p90_wait.mean >= current.p90_wait.mean)


def recommend(
    scenario: Scenario,
    starts: Sequence[float],
    constraints: Constraints,
    caps: Mapping[str, float],
    replications: int,
    seed: int = 1,
    rounds: int = 3,
    progress: Progress | None = None,
    current: DayFigures | None = None,
) -> Recommendation:
    """The best allocation found for ``scenario`` by block (``starts``), with its simulated effect.

    ``current``: today's allocation's figures for these replications and seed, when already known.
    """

    def run(what: str, candidate: Scenario) -> DayFigures:
        tick = None if progress is None else (lambda done, total: progress(what, done, total))
        return replicate(candidate, replications, seed, tick)

    if current is None:
        current = run("current", scenario)
    emphasis = dict(constraints.emphasis or {})
    best: tuple[tuple[int, float], Scenario, list[Move], DayFigures] | None = None
    for _ in range(rounds):
        proposal, moves = propose(scenario, starts, replace(constraints, emphasis=emphasis))
        figures = run("proposal", proposal)
        missed = _over(figures, caps)
        rank = (len(missed), figures.p90_wait.mean)
        if best is None or rank < best[0]:
            best = (rank, proposal, moves, figures)
        if not missed:
            break
        for code in missed:
            emphasis[code] = emphasis.get(code, 1.0) * 4.0
    assert best is not None
    _, proposal, moves, figures = best
    if _worse(figures, current, caps):
        # The fluid model misjudged this hall: never propose what the simulation says is worse.
        proposal, moves, figures = scenario, [], current
    steps = _steps(scenario, starts, moves, constraints, lambda s: run("attribution", s))
    return Recommendation(
        current=current,
        proposed=figures,
        scenario=proposal,
        moves=tuple(moves),
        steps=(*steps, Step(len(moves), figures.p90_wait.mean)),
        over_cap=tuple(_over(figures, caps)),
        uncovered=tuple(uncovered(proposal, starts)),
    )


def _steps(
    scenario: Scenario,
    starts: Sequence[float],
    moves: list[Move],
    constraints: Constraints,
    run: Callable[[Scenario], DayFigures],
) -> list[Step]:
    """The hall's p90 with the first 1, 2, 4, 8 … best moves (all of them is the proposal itself)."""
    out: list[Step] = []
    count = 1
    while count < len(moves):
        partial = apply_moves(scenario, starts, moves[:count], constraints.choices)
        out.append(Step(count, run(partial).p90_wait.mean))
        count *= 2
    return out
