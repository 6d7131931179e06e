"""Many replications of a day into figures with 95 % confidence intervals (Student's t over replications)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from queue_server.domain.simulation.engine import DayResult, ServiceResult, simulate_day
from queue_server.domain.simulation.model import Scenario
from queue_server.domain.stats import percentile

# Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom; beyond, the normal's.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


@dataclass(frozen=True)
class Estimate:
    """A figure's mean over the replications and the half-width of its 95 % confidence interval."""

    mean: float
    half_width: float
    n: int

    @property
    def low(self) -> float:
        """The interval's lower end."""
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        """The interval's upper end."""
        return self.mean + self.half_width

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies inside the interval."""
        return self.low <= value <= self.high


def estimate(values: Sequence[float]) -> Estimate:
    """The mean of per-replication ``values`` with its 95 % interval (zero width for one value)."""
    if not values:
        return Estimate(0.0, 0.0, 0)
    mean = statistics.fmean(values)
    if len(values) < 2:
        return Estimate(mean, 0.0, len(values))
    t = _T95[len(values) - 2] if len(values) - 1 <= len(_T95) else 1.96
    return Estimate(mean, t * statistics.stdev(values) / math.sqrt(len(values)), len(values))


@dataclass(frozen=True)
class ServiceFigures:
    """One service's waits across the replications (seconds)."""

    code: str
    served: float
    mean_wait: Estimate
    p90_wait: Estimate
    over_threshold: Estimate  # share of waits longer than the hall's alert threshold
    longest_queue: Estimate
    unserved: Estimate
    by_hour: tuple[float | None, ...]  # mean wait by the hour the ticket joined the queue


@dataclass(frozen=True)
class DayFigures:
    """A scenario's figures: per service, per window, and the hall as a whole."""

    replications: int
    services: dict[str, ServiceFigures]
    utilisation: dict[str, Estimate]
    mean_wait: Estimate
    p90_wait: Estimate
    by_hour: tuple[float | None, ...]

    def worst_p90(self) -> float:
        """The highest service p90 (the first thing a cap is checked against)."""
        return max((s.p90_wait.mean for s in self.services.values()), default=0.0)


def _p90(values: list[float]) -> float:
    return percentile(sorted(values), 0.9) if values else 0.0


def _hourly(pairs: Sequence[tuple[list[float], list[int]]]) -> tuple[float | None, ...]:
    sums, counts = [0.0] * 24, [0] * 24
    for waits, hours in pairs:
        for wait, hour in zip(waits, hours, strict=True):
            slot = min(max(hour, 0), 23)
            sums[slot] += wait
            counts[slot] += 1
    return tuple(s / n if n else None for s, n in zip(sums, counts, strict=True))


def _all(result: ServiceResult, unserved: bool) -> list[float]:
    return result.waits + result.censored if unserved else result.waits


def figures(days: Sequence[DayResult], threshold: float, unserved: bool = True) -> DayFigures:
    """Figures over the replications ``days`` of one scenario.

    With ``unserved`` the tickets nobody called count with their wait up to the close (a lower
    bound); without, only called tickets count (as a hall's reports do: for comparing a replay).
    """
    codes = sorted({code for day in days for code in day.services})
    services = {}
    for code in codes:
        runs = [day.services[code] for day in days if code in day.services]
        waits = [_all(r, unserved) for r in runs]
        services[code] = ServiceFigures(
            code=code,
            served=statistics.fmean(len(r.waits) for r in runs) if runs else 0.0,
            mean_wait=estimate([statistics.fmean(w) for w in waits if w]),
            p90_wait=estimate([_p90(w) for w in waits if w]),
            over_threshold=estimate([sum(x > threshold for x in w) / len(w) for w in waits if w]),
            longest_queue=estimate([float(r.longest_queue) for r in runs]),
            unserved=estimate([float(r.unserved) for r in runs]),
            by_hour=_hourly([(r.waits, r.entered_hour) for r in runs]),
        )
    numbers = sorted({n for day in days for n in day.open})
    utilisation = {
        n: estimate([min(day.busy[n] / day.open[n], 1.0) for day in days if day.open.get(n)]) for n in numbers
    }
    pooled = [[w for r in day.services.values() for w in _all(r, unserved)] for day in days]
    return DayFigures(
        replications=len(days),
        services=services,
        utilisation=utilisation,
        mean_wait=estimate([statistics.fmean(p) for p in pooled if p]),
        p90_wait=estimate([_p90(p) for p in pooled if p]),
        by_hour=_hourly([(r.waits, r.entered_hour) for day in days for r in day.services.values()]),
    )


def replicate(
    scenario: Scenario,
    replications: int,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    unserved: bool = True,
) -> DayFigures:
    """Run ``replications`` independent days (seeds ``seed``, ``seed + 1``, …) and sum them up.

    Two scenarios run with the same ``seed`` see the same arrivals (common random numbers), so
    their difference is measured more sharply than either figure alone.
    """
    return figures(days_of(scenario, replications, seed, progress), scenario.threshold, unserved)


def days_of(
    scenario: Scenario, replications: int, seed: int = 1, progress: Callable[[int, int], None] | None = None
) -> list[DayResult]:
    """The ``replications`` days of ``replicate``, each as it came out."""
    days = []
    for i in range(replications):
        days.append(simulate_day(scenario, seed + i))
        if progress is not None:
            progress(i + 1, replications)
    return days
