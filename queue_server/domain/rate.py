"""A fixed allowance per key and period (a client address asking a public endpoint, a hall's test
texts): at most ``count`` requests in any ``period``, the next one told how long to wait.

Pure: the caller keeps the hits where every server process sees them (the database) and asks
``wait_for``; a process may remember its ``Refusals`` so a key refused keeps being answered
without asking again. ``Refusals`` remembers at most ``max_keys`` keys (the least recently
refused are forgotten first), so made-up addresses cannot grow it.
"""

from __future__ import annotations

from collections import OrderedDict
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
class Refusals:
    """Keys refused until a moment, as one process last heard from where the hits are kept: a key
    that keeps asking is answered from memory until then, without asking again. Sound because a
    refusal's wait can only grow (its hits expire no sooner, other processes only add hits), so
    nothing refused here would have been let through. At most ``max_keys`` keys are remembered."""

    max_keys: int = 20_000
    _until: OrderedDict[str, datetime] = field(default_factory=OrderedDict, repr=False)

    def wait(self, key: str, now: datetime) -> float:
        """Seconds ``key`` is still refused for at ``now`` (0: ask where the hits are kept)."""
        until = self._until.get(key)
        if until is None:
            return 0.0
        if until <= now:
            del self._until[key]
            return 0.0
        return (until - now).total_seconds()

    def refuse(self, key: str, now: datetime, wait: float) -> None:
        """Remember that ``key`` was refused at ``now`` for ``wait`` seconds."""
        self._until.pop(key, None)
        self._until[key] = now + timedelta(seconds=wait)
        while len(self._until) > self.max_keys:
            self._until.popitem(last=False)
