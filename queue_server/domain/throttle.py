"""Login throttling: a growing delay after a few wrong passwords, then a temporary lock.

Counted twice, per staff number (someone guessing one account's password) and per client address
(someone trying many accounts, or enumerating staff numbers). The address gets more room, since a
hall's clerks often log in from behind one address. Failures are forgotten once nothing happened
for a lock's length, and a good password clears its staff number's count.

Pure: the caller gives the time, and keeps one ``LoginThrottle`` per process.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

MAX_KEYS = 20_000  # what is remembered at most (attempts with made-up staff numbers add keys)


@dataclass(frozen=True)
class LoginPolicy:
    """A hall's throttling rules (hall settings ``login``)."""

    free_failures: int = 3  # wrong passwords in a row before any delay
    first_delay: timedelta = timedelta(seconds=1)  # doubled for each further failure
    max_delay: timedelta = timedelta(seconds=60)
    lock_after: int = 10  # failures in a row that lock the staff number
    lock: timedelta = timedelta(minutes=15)
    address_factor: int = 5  # a client address may fail this many times more before it is slowed

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> LoginPolicy:
        """Read the stored settings, with defaults for anything missing."""
        default = cls()
        return cls(
            free_failures=int(raw.get("free_failures", default.free_failures)),
            first_delay=timedelta(seconds=float(raw.get("first_delay_seconds", 1))),
            max_delay=timedelta(seconds=float(raw.get("max_delay_seconds", 60))),
            lock_after=int(raw.get("lock_after", default.lock_after)),
            lock=timedelta(minutes=float(raw.get("lock_minutes", 15))),
            address_factor=int(raw.get("address_factor", default.address_factor)),
        )


class Scope(StrEnum):
    """What a count is kept for."""

    STAFF = "staff"
    ADDRESS = "address"


@dataclass
class _Count:
    failures: int
    last: datetime
    locked_until: datetime | None = None


@dataclass(frozen=True)
class Lock:
    """A lock that a failure just started (the caller audits it)."""

    scope: Scope
    key: str
    until: datetime


class LoginThrottle:
    """Failure counts per (hall, staff number) and per (hall, client address)."""

    def __init__(self) -> None:
        self._counts: OrderedDict[tuple[Scope, int, str], _Count] = OrderedDict()

    def wait(self, policy: LoginPolicy, hall_id: int, staff_no: str, address: str, now: datetime) -> float:
        """Seconds before this login may be tried again; 0 when it may be tried now."""
        return max(
            self._wait(policy, (Scope.STAFF, hall_id, staff_no), 1, now),
            self._wait(policy, (Scope.ADDRESS, hall_id, address), policy.address_factor, now),
        )

    def failed(
        self, policy: LoginPolicy, hall_id: int, staff_no: str, address: str, now: datetime
    ) -> list[Lock]:
        """Count a wrong password; returns the locks it started."""
        locks = []
        scopes = ((Scope.STAFF, staff_no, 1), (Scope.ADDRESS, address, policy.address_factor))
        for scope, key, factor in scopes:
            count = self._live((scope, hall_id, key), policy, now)
            if count is None:
                count = self._counts[(scope, hall_id, key)] = _Count(0, now)
            count.failures += 1
            count.last = now
            self._counts.move_to_end((scope, hall_id, key))
            if count.failures >= policy.lock_after * factor and count.locked_until is None:
                count.locked_until = now + policy.lock
                locks.append(Lock(scope, key, count.locked_until))
        self._prune()
        return locks

    def succeeded(self, policy: LoginPolicy, hall_id: int, staff_no: str, address: str) -> None:
        """A good password, after ``failed`` counted it in advance: the staff number starts afresh,
        and the address takes back that one failure (keeping its earlier ones)."""
        self._counts.pop((Scope.STAFF, hall_id, staff_no), None)
        count = self._counts.get((Scope.ADDRESS, hall_id, address))
        if count is not None:
            count.failures = max(count.failures - 1, 0)
            if count.failures < policy.lock_after * policy.address_factor:
                count.locked_until = None

    def _wait(self, policy: LoginPolicy, key: tuple[Scope, int, str], factor: int, now: datetime) -> float:
        count = self._live(key, policy, now)
        if count is None:
            return 0.0
        if count.locked_until is not None:
            return max((count.locked_until - now).total_seconds(), 0.0)
        over = count.failures - policy.free_failures * factor - 1  # 0 at the first failure past the free ones
        if over < 0:
            return 0.0
        delay: timedelta = min(policy.first_delay * (2 ** min(over, 30)), policy.max_delay)
        return max(float((count.last + delay - now).total_seconds()), 0.0)

    def _live(self, key: tuple[Scope, int, str], policy: LoginPolicy, now: datetime) -> _Count | None:
        """The count for ``key``, or None once it lapsed (lock over, or quiet for a lock's length)."""
        count = self._counts.get(key)
        if count is None:
            return None
        ended = count.locked_until is not None and now >= count.locked_until
        quiet = count.locked_until is None and now - count.last >= policy.lock
        if ended or quiet:
            del self._counts[key]
            return None
        return count

    def _prune(self) -> None:
        while len(self._counts) > MAX_KEYS:
            self._counts.popitem(last=False)  # the longest-untouched first
