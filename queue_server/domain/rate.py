"""A fixed allowance per key and period (a client address asking a public endpoint): at most
``count`` requests in any ``period``, the next one told how long to wait.

Pure: the caller gives the time and keeps one ``RateLimit`` per process; it remembers at most
``max_keys`` keys (the least recently seen are forgotten first), so made-up addresses cannot grow it.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta


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
        wait = 0.0
        if len(hits) >= self.count:
            wait = max((hits[0] + self.period - now).total_seconds(), 1.0)
        else:
            hits.append(now)
        self._hits[key] = hits
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)
        return wait
