"""The allowance of a public endpoint (the ticket page's SMS opt-in) and of the managers' test texts:
hits judged where they are kept, refusals remembered by a process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from queue_server.domain.rate import Refusals, wait_for

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_a_refused_key_is_refused_from_memory_until_its_wait_is_over_and_others_are_not() -> None:
    refusals = Refusals()
    assert refusals.wait("a", T0) == 0  # never refused: ask where the hits are kept
    refusals.refuse("a", T0, 8 * 60)
    assert refusals.wait("a", T0 + timedelta(minutes=2)) == 6 * 60
    assert refusals.wait("b", T0 + timedelta(minutes=2)) == 0
    assert refusals.wait("a", T0 + timedelta(minutes=8)) == 0  # over: asked again


def test_it_remembers_a_bounded_number_of_refused_keys() -> None:
    refusals = Refusals(max_keys=3)
    for n in range(10):
        refusals.refuse(f"made-up-{n}", T0, 60)
    assert refusals.wait("made-up-0", T0) == 0  # forgotten (asked again): memory stays small
    assert refusals.wait("made-up-9", T0) == 60


def test_hits_kept_elsewhere_are_judged_alike_only_those_within_the_period_counting() -> None:
    period = timedelta(minutes=10)
    kept = [T0 - timedelta(minutes=30), T0, T0 + timedelta(minutes=4)]  # the first has aged out
    assert wait_for(kept, 3, period, T0 + timedelta(minutes=5)) == 0
    assert wait_for(kept, 2, period, T0 + timedelta(minutes=5)) == 5 * 60  # until T0's is 10 min old
    assert wait_for(kept, 2, period, T0 + timedelta(minutes=9, seconds=59.5)) == 1  # never under 1 s
    assert wait_for([], 1, period, T0) == 0
