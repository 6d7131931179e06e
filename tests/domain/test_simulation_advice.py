"""The recommendation on a deliberately unbalanced hall: p90 cut, every service covered, caps kept."""

from __future__ import annotations

from queue_server.domain.policy import Assignment
from queue_server.domain.simulation.advice import recommend
from queue_server.domain.simulation.model import HOUR, Block, Handling, Scenario, ServiceSpec, WindowSpec
from queue_server.domain.simulation.search import Constraints, propose, uncovered

OPEN = ((9 * HOUR, 12 * HOUR), (13.5 * HOUR, 17 * HOUR))
MORNING, AFTERNOON = 0.0, 12.5 * HOUR


def rates(morning: float, afternoon: float) -> tuple[float, ...]:
    return tuple(morning if 9 <= h < 12 else afternoon if 13 <= h < 17 else 0.0 for h in range(24))


def unbalanced() -> Scenario:
    """Twelve windows: eight on the quiet 社保 service, two each on busy 不动产 and 公积金."""
    services = (
        ServiceSpec("SB", rates(15, 15), Handling(600.0), department="人社"),
        ServiceSpec("BDC", rates(20, 14), Handling(900.0), department="不动产"),
        ServiceSpec("GJJ", rates(9, 18), Handling(600.0), department="公积金"),
    )
    plan = ["SB"] * 8 + ["BDC"] * 2 + ["GJJ"] * 2
    windows = tuple(
        WindowSpec(str(i + 1), (Block(0.0, (Assignment(code),)),), OPEN) for i, code in enumerate(plan)
    )
    return Scenario(services, windows)


PROFILES = (
    *((Assignment(code),) for code in ("SB", "BDC", "GJJ")),
    (Assignment("SB"), Assignment("GJJ", 2)),
    (Assignment("BDC"), Assignment("SB", 2)),
)


def test_the_recommendation_cuts_the_p90_wait_by_a_third_and_keeps_every_service_under_its_cap() -> None:
    scenario = unbalanced()
    constraints = Constraints(choices={w.number: PROFILES for w in scenario.windows})
    caps = {"SB": 30 * 60.0, "BDC": 30 * 60.0, "GJJ": 30 * 60.0}
    found = recommend(scenario, (MORNING, AFTERNOON), constraints, caps, replications=8, seed=5)
    assert found.current.p90_wait.mean > 3600  # the unbalanced hall is in trouble
    assert found.proposed.p90_wait.mean <= 0.7 * found.current.p90_wait.mean
    assert found.gain >= 0.3
    assert found.over_cap == () and found.uncovered == ()
    assert all(found.proposed.services[c].p90_wait.mean <= cap for c, cap in caps.items())
    assert found.moves and found.moves == tuple(sorted(found.moves, key=lambda m: -m.gain))
    assert found.steps[-1].p90_wait == found.proposed.p90_wait.mean
    # The first few moves already bring most of the gain.
    first = found.steps[0]
    assert first.moves == 1 and first.p90_wait < found.current.p90_wait.mean


def test_a_window_fixed_to_its_department_is_never_moved_and_no_service_is_left_alone() -> None:
    scenario = unbalanced()
    allowed = {w.number: frozenset({"SB"}) for w in scenario.windows[:8]}
    allowed["11"] = allowed["12"] = frozenset({"GJJ"})
    constraints = Constraints(choices={w.number: PROFILES for w in scenario.windows}, allowed=allowed)
    proposal, moves = propose(scenario, (MORNING, AFTERNOON), constraints)
    assert moves == []  # every window is fixed to what it does: nothing may move
    assert uncovered(proposal, (MORNING, AFTERNOON)) == []
    single = Constraints(choices={"1": ((Assignment("BDC"),),), "9": ((Assignment("SB"),),)})
    proposal, moves = propose(scenario, (MORNING, AFTERNOON), single)
    moved = {(m.window, m.after) for m in moves}
    assert ("1", ("BDC",)) in moved
    assert all(m.window != "9" for m in moves)  # 9 to 社保 would not help the busy 不动产
    assert uncovered(proposal, (MORNING, AFTERNOON)) == []
