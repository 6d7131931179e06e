"""What-ifs on a day simulate today's allocation once: it is kept per scenario, replications and seed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from queue_server.domain.errors import Rejected
from queue_server.domain.policy import Assignment
from queue_server.domain.simulation.engine import connected
from queue_server.domain.simulation.model import HOUR, Block, Handling, Scenario, ServiceSpec, WindowSpec
from queue_server.domain.simulation.summary import replicate
from queue_server.services.advisor import advice, hall
from tests.domain.test_simulation_advice import OPEN, rates, unbalanced


def test_today_s_allocation_is_simulated_once_for_every_what_if_on_the_same_day() -> None:
    first_today, first_changed = advice.what_if(unbalanced(), {"1": ["BDC"]}, 3, seed=11)
    again_today, again_changed = advice.what_if(unbalanced(), {"2": ["GJJ"]}, 3, seed=11)
    assert again_today is first_today  # an equal scenario (same hall, day, history): kept
    assert first_today == replicate(unbalanced(), 3, seed=11)  # and what a fresh run gives
    assert first_changed.p90_wait.mean < first_today.p90_wait.mean  # a window moved to the busiest
    assert again_changed != first_changed
    assert advice.what_if(unbalanced(), {}, 4, seed=11)[0] is not first_today  # other replications


def test_a_recommendation_reuses_today_s_figures_and_leaves_them_for_the_what_ifs() -> None:
    scenario = unbalanced()
    rules = advice.constraints(scenario, [["SB"], ["BDC"], ["GJJ"]], fixed_departments=False)
    found = advice.advise(scenario, (0.0,), rules, None, 2, seed=12)
    assert advice.what_if(unbalanced(), {}, 2, seed=12)[0] is found.current
    assert advice.advise(unbalanced(), (0.0,), rules, None, 2, seed=12).current is found.current


def test_a_what_if_naming_an_unknown_window_is_refused() -> None:
    with pytest.raises(Rejected) as refused:
        advice.what_if(unbalanced(), {"99": ["SB"]}, 2)
    assert refused.value.code == "window.not_found"


def test_ab_pairs_become_windows_covering_each_other() -> None:
    covers = hall.ab_covers([("1", "2"), ("2", "1"), ("3", None), ("4", "4"), ("5", "2")])
    assert covers == {"2": ("1", "5"), "1": ("2",)}  # a clerk without a partner, or on one window: none
    covered = hall.with_covers(unbalanced(), covers)
    assert {w.number: w.covers for w in covered.windows if w.covers} == covers
    assert hall.with_covers(unbalanced(), {}) == unbalanced()


def _hall_of_parts() -> Scenario:
    """Five services in three parts: SB and GJJ share a window and transfer to each other; BDC with
    its AB岗 partner on YB; HY alone. Windows 1–2 take a morning break each."""
    services = (
        ServiceSpec("SB", rates(12, 12), Handling(600.0), transfer=0.1, transfer_to=("GJJ",)),
        ServiceSpec("GJJ", rates(8, 10), Handling(600.0)),
        ServiceSpec("BDC", rates(10, 8), Handling(900.0), no_show=0.05),
        ServiceSpec("YB", rates(6, 6), Handling(500.0), priority_share=0.1, appointment_share=0.1),
        ServiceSpec("HY", rates(8, 8), Handling(700.0)),
    )
    plan = [("SB",), ("SB", "GJJ"), ("GJJ",), ("BDC",), ("BDC",), ("YB",), ("HY",), ("HY",)]
    windows = tuple(
        WindowSpec(
            str(i + 1),
            (Block(0.0, tuple(Assignment(c, k) for k, c in enumerate(codes, 1))),),
            OPEN,
            covers=("6",) if i == 3 else (),
            breaks=(((10 * HOUR, 10.5 * HOUR),),) if i < 2 else (),
        )
        for i, codes in enumerate(plan)
    )
    return Scenario(services, windows)


def test_a_what_if_simulates_only_the_part_of_the_hall_its_change_reaches_and_gets_the_whole_run() -> None:
    scenario = _hall_of_parts()
    assert connected(scenario, {"BDC"}) == {"BDC", "YB"}  # window 4 covers for window 6
    assert connected(scenario, {"SB"}) == {"SB", "GJJ"}
    advice._today.clear()
    advice._today_days.clear()
    parts = ({"HY"}, {"HY", "YB", "BDC"}, {"SB", "GJJ"})
    changes = ({"7": ["HY"]}, {"8": ["YB"]}, {"1": ["GJJ"], "3": ["SB", "GJJ"]})
    for change, part in zip(changes, parts, strict=True):
        current, changed = advice.what_if(scenario, change, 4, seed=3)
        alone = scenario.with_windows(
            tuple(
                replace(
                    w,
                    blocks=(Block(0.0, tuple(Assignment(c, k) for k, c in enumerate(change[w.number], 1))),),
                )
                if w.number in change
                else w
                for w in scenario.windows
            )
        )
        assert advice._touched(scenario, alone, change) == part  # simulated again: that part only
        assert changed == replicate(alone, 4, seed=3), change  # and what the whole hall's run gives
        assert current == replicate(scenario, 4, seed=3)
