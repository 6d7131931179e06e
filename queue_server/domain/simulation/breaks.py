"""Windows' breaks and 暂离 learned from their recorded open stretches (pure), and drawn for a forecast.

A window's *closed time* on a day it opened is the part of the hall's opening periods its open
stretches (from the ``window.status`` events) do not cover: a pause, 暂离, a meeting, a late start
or an early close. Lunch when the hall itself is closed is no break. Each recorded day's pieces
are kept as they were (when, how long), so a forecast draws whole days of them — as often, as long
and at the hours they happened — and the AB岗 partner covers the window meanwhile. A day the
window never opened says nothing about its breaks (whether its clerk comes tomorrow is the
allocation's question, not this one), so only days it opened are learned from.
"""

from __future__ import annotations

import itertools
import random
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

Stretch = tuple[float, float]
MIN_BREAK = 60.0  # seconds: a shorter gap is a status toggled back, not a break


@dataclass(frozen=True)
class WindowBreaks:
    """What a window's recorded days say about its breaks, with the days behind it."""

    window: str
    days: int  # days the window opened (what the figures stand on)
    patterns: tuple[tuple[Stretch, ...], ...]  # each such day's closed pieces within the periods

    @property
    def count(self) -> int:
        """Breaks seen over those days."""
        return sum(len(p) for p in self.patterns)

    @property
    def per_day(self) -> float:
        """Breaks a day, on the days it opened."""
        return self.count / self.days if self.days else 0.0

    @property
    def mean_seconds(self) -> float:
        """A break's mean length."""
        lengths = [end - start for day in self.patterns for start, end in day]
        return statistics.fmean(lengths) if lengths else 0.0

    def by_hour(self) -> tuple[int, ...]:
        """Breaks starting in each hour 0..23 (when they are taken)."""
        hours = [0] * 24
        for day in self.patterns:
            for start, _ in day:
                hours[min(23, int(start // 3600))] += 1
        return tuple(hours)


def closed_pieces(stretches: Sequence[Stretch], periods: Sequence[Stretch]) -> tuple[Stretch, ...]:
    """The parts of the ``periods`` that no open stretch covers (each at least ``MIN_BREAK`` long)."""
    out = []
    for start, end in periods:
        at = start
        for s, e in sorted(stretches):
            if e <= at or s >= end:
                continue
            if s > at:
                out.append((at, s))
            at = max(at, e)
        if at < end:
            out.append((at, end))
    return tuple((a, b) for a, b in out if b - a >= MIN_BREAK)


def _union(stretches: Sequence[Stretch]) -> list[Stretch]:
    out: list[Stretch] = []
    for s, e in sorted(stretches):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def gaps_while_open(stretches: Sequence[Stretch], everyone: Sequence[Stretch]) -> tuple[Stretch, ...]:
    """Without the hall's hours (a hall open at all hours): the gaps between a window's stretches
    during which some window stayed open throughout; a gap with a moment when every window was
    closed is the hall's own pause (lunch, the night), no break."""
    hall = _union(everyone)
    mine = _union(stretches)
    return tuple(
        (a, b)
        for (_, a), (b, _) in itertools.pairwise(mine)
        if b - a >= MIN_BREAK and any(s <= a and b <= e for s, e in hall)
    )


def learn_breaks(
    days: Mapping[date, Mapping[str, Sequence[Stretch]]], periods: Mapping[date, Sequence[Stretch]]
) -> dict[str, WindowBreaks]:
    """Each window's breaks from its recorded stretches by day, against the hall's periods that day
    (a day without periods — a hall open at all hours — by ``gaps_while_open``)."""
    found: dict[str, list[tuple[Stretch, ...]]] = {}
    for day, windows in sorted(days.items()):
        hours = periods.get(day, ())
        everyone = [s for stretches in windows.values() for s in stretches]
        for window, stretches in windows.items():
            if stretches:
                pieces = closed_pieces(stretches, hours) if hours else gaps_while_open(stretches, everyone)
                found.setdefault(window, []).append(pieces)
    return {w: WindowBreaks(w, len(p), tuple(p)) for w, p in sorted(found.items())}


def draw_breaks(patterns: Sequence[tuple[Stretch, ...]], window: str, seed: int) -> tuple[Stretch, ...]:
    """One recorded day's breaks for ``window`` in replication ``seed``.

    The stream is the window's and the seed's own, so two allocations simulated with the same seed
    see the same breaks (common random numbers) and drawing them leaves the arrivals unchanged."""
    if not patterns:
        return ()
    return patterns[random.Random(f"{seed}/{window}").randrange(len(patterns))]


def without(shifts: Sequence[Stretch], pieces: Sequence[Stretch]) -> tuple[Stretch, ...]:
    """The open ``shifts`` less the closed ``pieces``."""
    out = list(shifts)
    for a, b in pieces:
        cut = []
        for s, e in out:
            if b <= s or a >= e:
                cut.append((s, e))
                continue
            if s < a:
                cut.append((s, a))
            if b < e:
                cut.append((b, e))
        out = cut
    return tuple(out)
