"""Login throttling as a pure rule: free failures, a doubling delay with a cap, a lock that ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.throttle import LoginPolicy, LoginThrottle, Scope

T0 = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
POLICY = LoginPolicy(
    free_failures=2,
    first_delay=timedelta(seconds=1),
    max_delay=timedelta(seconds=8),
    lock_after=8,
    lock=timedelta(minutes=15),
    address_factor=3,
)


def test_the_delay_doubles_after_the_free_failures_up_to_its_cap() -> None:
    delays = [POLICY.delay(n, 1).total_seconds() for n in range(1, 9)]
    assert delays == [0, 0, 1, 2, 4, 8, 8, 8]


def test_a_lock_starts_once_at_the_limit_and_ends_with_a_fresh_count() -> None:
    throttle = LoginThrottle()
    now = T0
    locks = []
    for _ in range(POLICY.lock_after):
        now += timedelta(seconds=throttle.wait(1, "C1", "10.0.0.1", now))
        locks += throttle.failed(POLICY, 1, "C1", "10.0.0.1", now)
    (lock,) = locks
    assert lock.scope == Scope.STAFF and lock.until == now + POLICY.lock
    assert throttle.wait(1, "C1", "10.0.0.1", now) == POLICY.lock.total_seconds()
    assert throttle.wait(2, "C1", "10.0.0.2", now) == 0  # the same staff number in another hall
    assert throttle.failed(POLICY, 1, "C1", "10.0.0.1", now + timedelta(minutes=1)) == []  # locked once
    later = lock.until
    assert throttle.wait(1, "C1", "10.0.0.1", later) == 0
    assert throttle.failed(POLICY, 1, "C1", "10.0.0.1", later) == []  # a fresh count: one failure


def test_failures_are_forgotten_after_a_locks_length_of_quiet() -> None:
    throttle = LoginThrottle()
    for _ in range(4):
        throttle.failed(POLICY, 1, "C1", "a", T0)
    assert throttle.wait(1, "C1", "a", T0) > 0
    assert throttle.wait(1, "C1", "a", T0 + POLICY.lock) == 0


@given(st.lists(st.sampled_from(["C1", "C2", "C3", "X9"]), min_size=1, max_size=60))
def test_an_address_never_gets_more_attempts_than_its_share_whatever_names_it_tries(names: list[str]) -> None:
    throttle = LoginThrottle()
    let_through = 0
    for name in names:  # a client that never waits: every refused attempt is just refused
        if throttle.wait(1, name, "b", T0) == 0:
            throttle.failed(POLICY, 1, name, "b", T0)
            let_through += 1
    assert let_through <= POLICY.free_failures * POLICY.address_factor + 1
