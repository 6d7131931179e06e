"""Report arithmetic: summaries, percentiles, period buckets and a window's time accounts."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.stats import (
    Period,
    bucket_label,
    bucket_start,
    by_day,
    clipped,
    local_bounds,
    merged,
    month_range,
    overlap,
    percentile,
    status_intervals,
    summarise,
    window_time,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
durations = st.lists(st.floats(min_value=0, max_value=86400, allow_nan=False), min_size=1, max_size=200)


def at(minutes: float) -> float:
    """An instant (epoch seconds) ``minutes`` after Monday 09:00 in Shanghai."""
    return (T0 + timedelta(minutes=minutes)).timestamp()


def test_a_summary_by_hand() -> None:
    summary = summarise([300, 600, 600, 300, 1200])
    assert (summary.count, summary.mean, summary.median, summary.p90, summary.max) == (
        5,
        600,
        600,
        1200,
        1200,
    )
    assert summarise([10, 20]).median == 15
    empty = summarise([])
    assert (empty.count, empty.mean, empty.median, empty.p90, empty.max) == (0, None, None, None, None)


def test_the_90th_percentile_is_the_nearest_rank() -> None:
    ten = [float(i) for i in range(1, 11)]
    assert percentile(ten, 0.9) == 9  # ⌈0.9 × 10⌉ = 9th
    assert percentile([*ten, 11.0], 0.9) == 10  # ⌈9.9⌉ = 10th
    assert percentile([5.0], 0.9) == 5
    with pytest.raises(ValueError):
        percentile([], 0.9)


@given(durations)
def test_a_summary_is_ordered_and_agrees_with_the_standard_library(values: list[float]) -> None:
    summary = summarise(values)
    assert summary.count == len(values)
    assert summary.mean == pytest.approx(statistics.fmean(values), abs=1e-3)
    assert summary.median == pytest.approx(statistics.median(values), abs=1e-3)
    assert min(values) - 1e-3 <= summary.median <= summary.p90 <= summary.max  # type: ignore[operator]
    assert summary.max == pytest.approx(max(values), abs=1e-3)
    at_or_below = sum(1 for v in values if v <= summary.p90 + 1e-3)  # type: ignore[operator]
    assert at_or_below >= 0.9 * len(values)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_every_day_falls_in_a_bucket_that_starts_on_or_before_it(day: date) -> None:
    for period in (Period.DAY, Period.WEEK, Period.MONTH, Period.QUARTER):
        start = bucket_start(day, period, day)
        assert start <= day
        assert bucket_start(start, period, day) == start  # a bucket's first day is in that bucket
    assert bucket_start(day, Period.WEEK, day).weekday() == 0
    assert (day - bucket_start(day, Period.WEEK, day)).days < 7
    assert bucket_start(day, Period.QUARTER, day).month in (1, 4, 7, 10)


def test_bucket_labels() -> None:
    assert bucket_label(date(2026, 3, 2), Period.DAY, date(2026, 3, 2)) == "2026-03-02"
    assert bucket_label(date(2026, 3, 2), Period.WEEK, date(2026, 3, 8)) == "2026-W10"
    assert bucket_label(date(2026, 3, 1), Period.MONTH, date(2026, 3, 31)) == "2026-03"
    assert bucket_label(date(2026, 4, 1), Period.QUARTER, date(2026, 6, 30)) == "2026-Q2"
    assert bucket_label(date(2026, 3, 5), Period.CUSTOM, date(2026, 3, 9)) == "2026-03-05..2026-03-09"
    assert bucket_start(date(2026, 3, 9), Period.CUSTOM, date(2026, 3, 5)) == date(2026, 3, 5)


def test_local_days_start_at_shanghai_midnight() -> None:
    start, end = local_bounds(date(2026, 3, 1), date(2026, 3, 31), "Asia/Shanghai")
    assert start == datetime(2026, 2, 28, 16, 0, tzinfo=UTC) and end == datetime(
        2026, 3, 31, 16, 0, tzinfo=UTC
    )
    assert month_range("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert month_range("2024-12") == (date(2024, 12, 1), date(2024, 12, 31))
    with pytest.raises(ValueError):
        month_range("2026-13")
    with pytest.raises(ValueError):
        local_bounds(date(2026, 3, 2), date(2026, 3, 1), "Asia/Shanghai")


def test_intervals_are_cut_at_local_midnight() -> None:
    midnights = [
        datetime.combine(date(2026, 3, d), datetime.min.time(), SHANGHAI).timestamp() for d in (2, 3, 4)
    ]
    late = at(13 * 60)  # Monday 22:00 in Shanghai
    assert by_day([(late, late + 4 * 3600)], midnights) == {
        0: [(late, midnights[1])],
        1: [(midnights[1], late + 4 * 3600)],
    }
    assert by_day([(midnights[2], midnights[2] + 60)], midnights) == {}  # after the last day


def test_a_windows_day_by_hand() -> None:
    # opens 09:00, pauses 10:00–10:20, closes 12:00; serves 09:05–09:15 and 11:00–11:30
    changes = [(at(0), "open"), (at(60), "paused"), (at(80), "open"), (at(180), "closed")]
    spans = status_intervals(changes, at(-60), at(600))
    busy = [(at(5), at(15)), (at(120), at(150))]
    spent = window_time(spans, busy)
    assert (spent.open, spent.paused, spent.busy, spent.idle) == (160 * 60, 20 * 60, 40 * 60, 120 * 60)


def test_a_window_already_open_at_the_start_counts_from_the_start() -> None:
    spans = status_intervals([(at(30), "closed")], at(0), at(100), initial="open")
    assert spans == {"open": [(at(0), at(30))], "closed": [(at(30), at(100))]}
    assert status_intervals([], at(0), at(10), initial="paused") == {"paused": [(at(0), at(10))]}


def test_busy_time_counts_only_while_open() -> None:
    spans = status_intervals([(at(0), "open"), (at(10), "paused"), (at(20), "open")], at(0), at(30))
    assert window_time(spans, [(at(5), at(25))]).busy == 10 * 60  # 5–10 and 20–25; not the paused 10–20


intervals = st.lists(
    st.tuples(st.integers(0, 1000), st.integers(1, 120)).map(lambda p: (at(p[0]), at(p[0] + p[1]))),
    max_size=12,
)


@settings(max_examples=40)
@given(intervals, intervals)
def test_overlap_is_symmetric_and_bounded(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> None:
    ma, mb = merged(a), merged(b)
    both = overlap(ma, mb)
    assert both == overlap(mb, ma)
    assert 0 <= both <= min(sum((y - x) for x, y in m) for m in (ma, mb))
    assert overlap(ma, ma) == sum((y - x) for x, y in ma)
    minute_by_minute = sum(
        60
        for m in range(0, 1200)
        if any(x <= at(m) < y for x, y in ma) and any(x <= at(m) < y for x, y in mb)
    )
    assert both == minute_by_minute


@given(st.lists(st.tuples(st.integers(0, 600), st.sampled_from(["open", "paused", "closed"])), max_size=15))
def test_status_intervals_cover_the_period_exactly_once(raw: list[tuple[int, str]]) -> None:
    changes = [(at(m), s) for m, s in sorted(raw, key=lambda x: x[0])]
    spans = status_intervals(changes, at(100), at(500))
    pieces = merged(x for v in spans.values() for x in v)
    assert pieces == [(at(100), at(500))]
    assert sum((y - x) for v in spans.values() for x, y in v) == 400 * 60
    assert clipped(spans.get("open", []), at(0), at(1000)) == spans.get("open", [])
