"""What-ifs on a day simulate today's allocation once: it is kept per scenario, replications and seed."""

from __future__ import annotations

import pytest

from queue_server.domain.errors import Rejected
from queue_server.domain.simulation.summary import replicate
from queue_server.services.advisor import advice, hall
from tests.domain.test_simulation_advice import unbalanced


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
