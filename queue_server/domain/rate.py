"""A fixed allowance per key and period (a client address asking a public endpoint): at most
``count`` requests in any ``period``, the next one told how long to wait.

Pure: the caller gives the time and keeps one ``RateLimit`` per process (or its hits where every
process sees them, and asks ``wait_for``); a ``RateLimit`` remembers at most
``max_keys`` keys (the least recently seen are forgotten first), so made-up addresses cannot grow it.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta


def wait_for(hits: Sequence[datetime], count: int, period: timedelta, now: datetime) -> float:
    """Seconds until one more hit at ``now`` keeps within ``count`` per ``period`` (0: it may go on
    now; else at least 1), given the earlier ``hits``, oldest first. Where the hits are kept is the
    caller's choice: one process's memory, or the database when every process must see them."""
    recent = [hit for hit in hits if now - hit < period]
    if len(recent) < count:
        return 0.0
    return max((recent[len(recent) - count] + period - now).total_seconds(), 1.0)


@dataclass
class RateLimit:
    """At most ``count`` hits per key in any ``period``."""

    count: int
    period: timedelta
    max_keys: int = 20_000
    _hits: OrderedDict[str, deque[datetime]] = field(default_factory=OrderedDict, repr=False)

    def hit(self, key: str, now: datetime) -> float:
        """Count a request of ``key`` at ``now``: 0 when it may go on, else the seconds to wait
        (a refused request is not counted)."""
        hits = self._hits.pop(key, None) or deque()
        while hits and now - hits[0] >= self.period:
            hits.popleft()
        wait = wait_for(list(hits), self.count, self.period, now)
        if not wait:
            hits.append(now)
        self._hits[key] = hits
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)
        return wait
