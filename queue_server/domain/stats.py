"""Report arithmetic (pure): summaries of durations, period buckets, and a window's time accounts.

Everything the reports show is computed from event times; this module holds the rules that turn
times into figures, so they are the same wherever a figure is shown and tested without a database.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Summary:
    """Count, mean, median, 90th percentile and maximum of some durations in seconds."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None
    max: float | None


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending, non-empty sequence: the ⌈fraction·n⌉-th smallest."""
    if not ordered:
        raise ValueError("percentile of nothing")
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    rank = max(1, math.ceil(round(fraction * len(ordered), 9)))
    return ordered[rank - 1]


def summarise(values: Iterable[float]) -> Summary:
    """The summary of ``values``; the median of an even count is the mean of the middle two."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return Summary(0, None, None, None, None)
    middle = n // 2
    median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return Summary(
        count=n,
        mean=round(math.fsum(ordered) / n, 3),
        median=round(median, 3),
        p90=round(percentile(ordered, 0.9), 3),
        max=round(ordered[-1], 3),
    )


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 places, None when ``whole`` is zero."""
    return round(part / whole, 4) if whole else None


# ------------------------------------------------------------------ periods


class Period(StrEnum):
    """How report rows are bucketed in time (hall-local business days)."""

    DAY = "day"
    WEEK = "week"  # ISO weeks, Monday first
    MONTH = "month"
    QUARTER = "quarter"
    CUSTOM = "custom"  # the whole requested range as one bucket


class Grouping(StrEnum):
    """What one report row stands for."""

    HALL = "hall"
    ZONE = "zone"
    SERVICE = "service"
    DEPARTMENT = "department"
    WINDOW = "window"
    CLERK = "clerk"


def bucket_start(day: date, period: Period, first: date) -> date:
    """The first day of the bucket holding ``day`` (``first`` is the range's start, for CUSTOM)."""
    if period is Period.DAY:
        return day
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    if period is Period.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return first


def bucket_label(start: date, period: Period, last: date) -> str:
    """How a bucket is named: 2026-03-02, 2026-W10, 2026-03, 2026-Q1, or 2026-03-01..2026-03-31."""
    if period is Period.DAY:
        return start.isoformat()
    if period is Period.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period is Period.MONTH:
        return start.strftime("%Y-%m")
    if period is Period.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.isoformat()}..{last.isoformat()}"


def local_bounds(first: date, last: date, timezone: str) -> tuple[datetime, datetime]:
    """The instants that start ``first`` and end ``last`` (inclusive) on the hall's clock."""
    if last < first:
        raise ValueError("the period ends before it starts")
    zone = ZoneInfo(timezone)
    return (
        datetime.combine(first, datetime.min.time(), zone),
        datetime.combine(last + timedelta(days=1), datetime.min.time(), zone),
    )


def month_range(month: str) -> tuple[date, date]:
    """First and last day of ``2026-03``."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError as exc:
        raise ValueError(f"not a month: {month!r}") from exc
    if not 1970 <= first.year <= 2999:  # the calendar's ends have no neighbouring months
        raise ValueError(f"not a month between 1970 and 2999: {month!r}")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


# ------------------------------------------------------------------ a window's time


@dataclass(frozen=True)
class WindowTime:
    """Where a window's staffed time went: open (idle + busy) and paused, in seconds."""

    open: float
    paused: float
    busy: float

    @property
    def idle(self) -> float:
        """Open with nobody at the window."""
        return max(0.0, self.open - self.busy)


Instant = float  # seconds since the Unix epoch: the reports' pass works on plain numbers
Interval = tuple[Instant, Instant]


def status_intervals(
    changes: Sequence[tuple[Instant, str]], start: Instant, end: Instant, initial: str = "closed"
) -> dict[str, list[Interval]]:
    """A window's status changes (time-ordered) as intervals per status, clipped to [start, end).

    ``initial`` is the status in force at ``start`` (the last change before it).
    """
    out: dict[str, list[Interval]] = {}
    status, since = initial, start
    for at, new in changes:
        at = min(max(at, start), end)
        if at > since:
            out.setdefault(status, []).append((since, at))
        status, since = new, max(since, at)
    if end > since:
        out.setdefault(status, []).append((since, end))
    return out


def overlap(a: Sequence[Interval], b: Sequence[Interval]) -> float:
    """Seconds covered by both lists of intervals (each list sorted and non-overlapping)."""
    total, i, j = 0.0, 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            total += hi - lo
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def length(intervals: Iterable[Interval]) -> float:
    """Seconds covered by ``intervals`` (assumed not to overlap)."""
    return math.fsum(b - a for a, b in intervals)


def window_time(statuses: dict[str, list[Interval]], busy: Sequence[Interval]) -> WindowTime:
    """Open, paused and busy-while-open seconds of one window from its intervals."""
    opened = statuses.get("open", [])
    return WindowTime(
        open=length(opened),
        paused=length(statuses.get("paused", [])),
        busy=overlap(merged(opened), merged(busy)),
    )


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted intervals with overlapping or touching ones joined."""
    out: list[Interval] = []
    for lo, hi in sorted(intervals):
        if hi <= lo:
            continue
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def clipped(intervals: Iterable[Interval], start: Instant, end: Instant) -> list[Interval]:
    """The parts of ``intervals`` inside [start, end)."""
    return [(max(a, start), min(b, end)) for a, b in intervals if min(b, end) > max(a, start)]


def by_day(intervals: Iterable[Interval], midnights: Sequence[Instant]) -> dict[int, list[Interval]]:
    """Intervals cut at local midnights, keyed by the index of their day in ``midnights``.

    ``midnights`` are the instants that start consecutive local days, then the one ending the
    last; parts outside them are dropped.
    """
    out: dict[int, list[Interval]] = {}
    for lo, hi in intervals:
        day = max(0, bisect.bisect_right(midnights, lo) - 1)
        while day < len(midnights) - 1 and lo < hi:
            stop = min(hi, midnights[day + 1])
            if stop > max(lo, midnights[day]):
                out.setdefault(day, []).append((max(lo, midnights[day]), stop))
            lo, day = stop, day + 1
    return out
