"""Wait estimates: people ahead, served in parallel by the open windows, at the live mean handling time."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.estimates import SMOOTHING, HandlingStats, estimated_wait_seconds

FOUR_HOURS = 4 * 3600.0

means = st.floats(1.0, 3600.0)
seconds = st.floats(0.0, FOUR_HOURS)


def test_nobody_ahead_means_no_wait() -> None:
    assert estimated_wait_seconds(0, HandlingStats(300.0), 2) == 0


def test_without_an_open_window_there_is_no_estimate_even_with_nobody_ahead() -> None:
    assert estimated_wait_seconds(0, HandlingStats(300.0), 0) is None


def test_with_people_ahead_and_no_window_serving_there_is_no_estimate() -> None:
    assert estimated_wait_seconds(3, HandlingStats(300.0), 0) is None


def test_people_ahead_are_shared_between_the_serving_windows() -> None:
    stats = HandlingStats(300.0)
    assert estimated_wait_seconds(4, stats, 1) == 1200
    assert estimated_wait_seconds(4, stats, 2) == 600
    assert estimated_wait_seconds(3, stats, 2) == 450


def test_the_estimate_is_rounded_up_to_whole_seconds() -> None:
    assert estimated_wait_seconds(1, HandlingStats(100.5), 1) == 101
    assert estimated_wait_seconds(1, HandlingStats(100.0), 3) == 34


@given(ahead=st.integers(1, 500), windows=st.integers(1, 20), mean=means)
@settings(deadline=None)
def test_the_estimate_grows_with_people_and_shrinks_with_windows(
    ahead: int, windows: int, mean: float
) -> None:
    stats = HandlingStats(mean)
    wait = estimated_wait_seconds(ahead, stats, windows)
    assert wait is not None
    assert wait == math.ceil(ahead / windows * mean)
    assert wait >= ahead / windows * mean
    more_people = estimated_wait_seconds(ahead + 1, stats, windows)
    more_windows = estimated_wait_seconds(ahead, stats, windows + 1)
    assert more_people is not None and more_people >= wait
    assert more_windows is not None and more_windows <= wait


@given(ahead=st.integers(1, 500), windows=st.integers(1, 20), mean=means, factor=st.integers(2, 5))
@settings(deadline=None)
def test_the_estimate_depends_only_on_people_per_window(
    ahead: int, windows: int, mean: float, factor: int
) -> None:
    stats = HandlingStats(mean)
    assert estimated_wait_seconds(ahead * factor, stats, windows * factor) == estimated_wait_seconds(
        ahead, stats, windows
    )


def share(samples: int) -> float:
    """How far one new case moves the mean after ``samples`` cases (the seed counts as one)."""
    return max(SMOOTHING, 1.0 / (samples + 2))


def test_the_first_observed_case_weighs_as_much_as_the_configured_seed() -> None:
    stats = HandlingStats(600.0).observe(120.0)
    assert stats == HandlingStats(360.0, 1)


def test_later_cases_move_the_mean_by_a_shrinking_share_down_to_the_smoothing_share() -> None:
    stats = HandlingStats(100.0, samples=5).observe(200.0)
    assert stats.samples == 6
    assert math.isclose(stats.mean_seconds, 100.0 + 100.0 / 7)
    late = HandlingStats(100.0, samples=50).observe(200.0)
    assert math.isclose(late.mean_seconds, 100.0 + SMOOTHING * 100.0)


def test_observing_returns_a_new_value_and_leaves_the_old_one_alone() -> None:
    before = HandlingStats(100.0, samples=3)
    after = before.observe(500.0)
    assert before == HandlingStats(100.0, samples=3)
    assert after is not before


def test_a_case_over_four_hours_counts_as_four_hours() -> None:
    assert HandlingStats(0.0).observe(10 * 3600.0) == HandlingStats(FOUR_HOURS / 2, 1)


def test_a_duration_that_is_not_a_number_is_ignored() -> None:
    stats = HandlingStats(100.0, samples=3)
    assert stats.observe(float("inf")) == stats
    assert stats.observe(float("nan")) == stats


def test_a_negative_duration_counts_as_zero() -> None:
    assert HandlingStats(300.0).observe(-5.0) == HandlingStats(150.0, 1)


@given(seed=means, samples=st.integers(0, 50), sample=seconds, repeats=st.integers(1, 60))
@settings(deadline=None)
def test_repeated_samples_pull_the_mean_monotonically_toward_them(
    seed: float, samples: int, sample: float, repeats: int
) -> None:
    stats = HandlingStats(seed, samples)
    distance = abs(stats.mean_seconds - sample)
    for _ in range(repeats):
        stats = stats.observe(sample)
        new_distance = abs(stats.mean_seconds - sample)
        assert new_distance <= distance + 1e-9
        distance = new_distance
    assert stats.samples == samples + repeats
    expected = abs(seed - sample)
    for k in range(repeats):
        expected *= 1 - share(samples + k)
    assert math.isclose(distance, expected, rel_tol=1e-6, abs_tol=1e-6)


@given(seed=means, samples=st.integers(0, 50), sample=st.floats(-1e9, 1e9))
@settings(deadline=None)
def test_one_sample_never_moves_the_mean_outside_zero_to_four_hours(
    seed: float, samples: int, sample: float
) -> None:
    stats = HandlingStats(seed, samples).observe(sample)
    assert 0.0 <= stats.mean_seconds <= FOUR_HOURS
    clamped = min(max(sample, 0.0), FOUR_HOURS)
    assert math.isclose(stats.mean_seconds, seed + share(samples) * (clamped - seed), abs_tol=1e-6)


@given(seed=means, sample=seconds)
@settings(deadline=None)
def test_the_mean_converges_to_a_steady_handling_time(seed: float, sample: float) -> None:
    stats = HandlingStats(seed, samples=10)
    for _ in range(200):
        stats = stats.observe(sample)
    assert math.isclose(stats.mean_seconds, sample, abs_tol=1e-3)
