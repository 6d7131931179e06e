"""Supervision history: alerts grouped by rule, window or period, with response times.

Response times are measured on the alert's own timestamps: raised → acknowledged (the manager is
on it) and raised → cleared (the cause is gone). Alerts not yet acknowledged or cleared count in the
number raised but not in those times.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from statistics import median


@dataclass(frozen=True)
class AlertRecord:
    """One alert as the history sees it."""

    id: int
    rule: str
    window: str | None
    severity: str
    raised_at: datetime
    acknowledged_at: datetime | None = None
    cleared_at: datetime | None = None


@dataclass(frozen=True)
class Times:
    """Count, mean, median and max of durations in seconds (None when there are none)."""

    count: int
    mean: float | None
    median: float | None
    max: float | None


def times(seconds: Iterable[float]) -> Times:
    """Summarise durations."""
    values = sorted(seconds)
    if not values:
        return Times(0, None, None, None)
    return Times(len(values), sum(values) / len(values), float(median(values)), values[-1])


@dataclass(frozen=True)
class Group:
    """One row of the history."""

    key: str
    raised: int
    red: int
    open: int
    acknowledge: Times
    clear: Times


def group(alerts: Iterable[AlertRecord], key: Callable[[AlertRecord], str]) -> list[Group]:
    """Alerts per ``key`` with their response times, sorted by key."""
    buckets: dict[str, list[AlertRecord]] = {}
    for alert in alerts:
        buckets.setdefault(key(alert), []).append(alert)
    rows = []
    for name, items in sorted(buckets.items()):
        rows.append(
            Group(
                key=name,
                raised=len(items),
                red=sum(1 for a in items if a.severity == "red"),
                open=sum(1 for a in items if a.cleared_at is None),
                acknowledge=times(
                    (a.acknowledged_at - a.raised_at).total_seconds() for a in items if a.acknowledged_at
                ),
                clear=times((a.cleared_at - a.raised_at).total_seconds() for a in items if a.cleared_at),
            )
        )
    return rows
