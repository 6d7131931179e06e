"""Login throttling: a growing delay after a few wrong passwords, then a temporary lock.

Counted twice, per staff number of a hall (someone guessing one account's password) and per
client address (someone trying many accounts, or enumerating staff numbers). The address gets
more room, since a hall's clerks often log in from behind one address. Each failure fixes when the
next attempt may come, so a refusal needs no settings and costs nearly nothing. Failures are
forgotten after a lock's length of quiet (or when the lock ends), and a good password clears its
staff number's count.

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
    address_factor: int = 5  # a client address may fail this many times more

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

    def delay(self, failures: int, factor: int) -> timedelta:
        """The wait after ``failures`` in a row: none for the free ones, then doubling to a cap."""
        over = failures - self.free_failures * factor - 1
        if over < 0:
            return timedelta(0)
        grown: timedelta = self.first_delay * (2 ** min(over, 30))
        return min(grown, self.max_delay)


class Scope(StrEnum):
    """What a count is kept for."""

    STAFF = "staff"
    ADDRESS = "address"


@dataclass
class _Count:
    failures: int
    retry_at: datetime  # no attempt before this
    forget_at: datetime  # the count lapses then
    locked: bool = False


@dataclass(frozen=True)
class Lock:
    """A lock that a failure just started (the caller audits it)."""

    scope: Scope
    key: str
    until: datetime


Key = tuple[Scope, int, str]


def _staff(hall_id: int, staff_no: str) -> Key:
    return (Scope.STAFF, hall_id, staff_no)


def _address(address: str) -> Key:
    return (Scope.ADDRESS, 0, address)  # an address is throttled across halls


class LoginThrottle:
    """Failure counts per (hall, staff number) and per client address."""

    def __init__(self) -> None:
        self._counts: OrderedDict[Key, _Count] = OrderedDict()
        self._checking: dict[str, int] = {}  # password checks under way, per client address

    def begin_check(self, policy: LoginPolicy, address: str) -> bool:
        """Take one of the address's places for a check under way; False when they are all taken.

        An address's failures count once known, so clerks behind one address never slow each
        other; instead it may have only as many checks under way as it may fail freely, so a burst
        cannot queue a hundred checks ahead of everyone else's.
        """
        busy = self._checking.get(address, 0)
        if busy >= policy.free_failures * policy.address_factor:
            return False
        self._checking[address] = busy + 1
        return True

    def end_check(self, address: str) -> None:
        """Give the place back."""
        left = self._checking.get(address, 1) - 1
        if left > 0:
            self._checking[address] = left
        else:
            self._checking.pop(address, None)

    def address_wait(self, address: str, now: datetime) -> float:
        """Seconds before this address may try any login (checked first: it needs no database)."""
        return self._wait(_address(address), now)

    def wait(self, hall_id: int, staff_no: str, address: str, now: datetime) -> float:
        """Seconds before this login may be tried; 0 when it may be tried now."""
        return max(self._wait(_staff(hall_id, staff_no), now), self._wait(_address(address), now))

    def failed(
        self, policy: LoginPolicy, hall_id: int, staff_no: str, address: str | None, now: datetime
    ) -> list[Lock]:
        """Count a wrong password for the staff number and (unless None) the address; returns
        the locks it started."""
        keys = [(_staff(hall_id, staff_no), 1)]
        if address is not None:
            keys.append((_address(address), policy.address_factor))
        locks = []
        for key, factor in keys:
            lock = self._count(policy, key, factor, now)
            if lock is not None:
                locks.append(lock)
        while len(self._counts) > MAX_KEYS:
            self._counts.popitem(last=False)  # the longest-untouched first
        return locks

    def address_failed(self, policy: LoginPolicy, address: str, now: datetime) -> list[Lock]:
        """Count a wrong password for the client address alone (its staff number counted already)."""
        lock = self._count(policy, _address(address), policy.address_factor, now)
        return [] if lock is None else [lock]

    def succeeded(self, hall_id: int, staff_no: str) -> None:
        """A good password: the staff number starts afresh (its address keeps its count)."""
        self._counts.pop(_staff(hall_id, staff_no), None)

    def _count(self, policy: LoginPolicy, key: Key, factor: int, now: datetime) -> Lock | None:
        count = self._live(key, now) or _Count(0, now, now)
        self._counts[key] = count
        self._counts.move_to_end(key)
        count.failures += 1
        if count.locked:
            return None
        if count.failures >= policy.lock_after * factor:
            count.locked = True
            count.retry_at = count.forget_at = now + policy.lock
            return Lock(key[0], key[2], count.retry_at)
        count.retry_at = now + policy.delay(count.failures, factor)
        count.forget_at = now + policy.lock
        return None

    def _wait(self, key: Key, now: datetime) -> float:
        count = self._live(key, now)
        return 0.0 if count is None else max(float((count.retry_at - now).total_seconds()), 0.0)

    def _live(self, key: Key, now: datetime) -> _Count | None:
        """The count for ``key``, or None once it lapsed."""
        count = self._counts.get(key)
        if count is not None and now >= count.forget_at:
            del self._counts[key]
            return None
        return count
