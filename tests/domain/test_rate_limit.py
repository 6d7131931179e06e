"""The per-address allowance of a public endpoint (the ticket page's SMS opt-in)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from queue_server.domain.rate import RateLimit, wait_for

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_an_address_gets_its_count_per_period_then_is_told_how_long_to_wait() -> None:
    limit = RateLimit(count=2, period=timedelta(minutes=10))
    assert limit.hit("a", T0) == 0 and limit.hit("a", T0 + timedelta(minutes=1)) == 0
    assert limit.hit("a", T0 + timedelta(minutes=2)) == 8 * 60  # until the first hit is 10 min old
    assert limit.hit("b", T0 + timedelta(minutes=2)) == 0  # another address is not held up
    assert limit.hit("a", T0 + timedelta(minutes=10)) == 0  # the first hit has aged out


def test_it_remembers_a_bounded_number_of_addresses() -> None:
    limit = RateLimit(count=1, period=timedelta(minutes=10), max_keys=3)
    for n in range(10):
        limit.hit(f"made-up-{n}", T0)
    assert limit.hit("made-up-0", T0) == 0  # forgotten, so counted afresh: memory stays small


def test_hits_kept_elsewhere_are_judged_alike_only_those_within_the_period_counting() -> None:
    period = timedelta(minutes=10)
    kept = [T0 - timedelta(minutes=30), T0, T0 + timedelta(minutes=4)]  # the first has aged out
    assert wait_for(kept, 3, period, T0 + timedelta(minutes=5)) == 0
    assert wait_for(kept, 2, period, T0 + timedelta(minutes=5)) == 5 * 60  # until T0's is 10 min old
    assert wait_for(kept, 2, period, T0 + timedelta(minutes=9, seconds=59.5)) == 1  # never under 1 s
    assert wait_for([], 1, period, T0) == 0
