"""Wait estimates from live handling-time statistics."""

from __future__ import annotations

import math
from dataclasses import dataclass

# How much one new sample moves the running mean: about the last 20 cases count.
SMOOTHING = 0.1
MAX_SECONDS = 4 * 3600.0


@dataclass(frozen=True)
class HandlingStats:
    """A service's running mean handling time, seeded from its configured average."""

    mean_seconds: float
    samples: int = 0

    def observe(self, seconds: float) -> HandlingStats:
        """Fold in one concluded case.

        The configured average counts as one earlier sample, so the first real cases move the
        mean quickly but no single case replaces it; cases over 4 h (a forgotten conclusion) are
        clamped, and a non-finite duration is ignored.
        """
        folded = foldable(seconds)
        if folded is None:
            return self
        seconds = folded
        weight = max(SMOOTHING, 1.0 / (self.samples + 2))
        return HandlingStats(self.mean_seconds + weight * (seconds - self.mean_seconds), self.samples + 1)


def foldable(seconds: float) -> float | None:
    """A case's handling time as it is folded in: clamped to [0, 4 h]; None (ignored) when not finite."""
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_SECONDS)


def estimated_wait_seconds(people_ahead: int, stats: HandlingStats, serving_windows: int) -> int | None:
    """People ahead served in parallel by the open windows; None when no window serves it now.

    With no open window nobody is called, however short the queue: "0 minutes" would be a made-up
    wait, so the answer is "not known" and the screens send the citizen to the guide's desk.
    """
    if serving_windows <= 0:
        return None
    if people_ahead <= 0:
        return 0
    return math.ceil(people_ahead / serving_windows * stats.mean_seconds)
