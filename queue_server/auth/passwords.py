"""Passwords: argon2id, hashed and checked in a small pool of threads, never on the writer.

An argon2 check costs tens of milliseconds of CPU by design. Run inside the single writer's job it
held every other change of the hall behind it (a wave of logins stalled ticket issue for seconds);
run on the event loop it would stall every request. So a handful of threads do it, at most
``workers`` at once and at most ``pending`` waiting, and the writer's job only gets the verdict.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import TypeVar

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

log = logging.getLogger(__name__)
T = TypeVar("T")

PROFILE_ENV = "HALLQ_PASSWORD_PROFILE"
DEFAULT_PROFILE = "RFC_9106_LOW_MEMORY"  # argon2id, 64 MiB, 3 passes, 4 lanes: argon2-cffi's default


def make_hasher(profile: str | None = None) -> PasswordHasher:
    """The hasher of new passwords for one of argon2-cffi's named profiles (``HALLQ_PASSWORD_PROFILE``,
    by default RFC 9106's recommendation for machines without gigabytes to spare). A stored hash
    carries its own parameters, so a password hashed under another profile still checks."""
    name = profile or os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE
    parameters = getattr(profiles, name, None) if name.isupper() else None
    if not isinstance(parameters, Parameters):
        known = ", ".join(n for n in dir(profiles) if n.isupper())
        raise ValueError(f"{PROFILE_ENV}={name!r} is not an argon2 profile (one of {known})")
    return PasswordHasher.from_parameters(parameters)


_hasher = make_hasher()


def hash_password(password: str) -> str:
    """The stored form of a password."""
    return _hasher.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (False for a user without a password)."""
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


NICE = 10  # how much lower the password threads' CPU priority is than the server's


def _yield_cpu() -> None:
    """Lower this thread's CPU priority (Linux keeps it per thread; argon2's own lane threads
    inherit it), so a wave of password checks takes the cores only when requests leave them idle."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
    except (AttributeError, OSError):  # not Linux, or not allowed: checks still work, just unniced
        log.debug("could not lower the password threads' priority", exc_info=True)


class PasswordPool:
    """Hashes and checks passwords on a few threads of their own, off the event loop and the writer."""

    def __init__(self, workers: int = 1, pending: int = 32) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="hallq-passwords", initializer=_yield_cpu
        )
        self._pending = pending
        self._slots: asyncio.Semaphore | None = None
        self._slots_loop: asyncio.AbstractEventLoop | None = None

    @cached_property
    def _dummy(self) -> str:
        """A hash of nothing anyone knows: an unknown staff number is checked against it, so it
        costs the same time as a known one and the answer's timing does not tell them apart."""
        return hash_password("hallq: no such account")

    async def hash(self, password: str) -> str:
        """The stored form of ``password``."""
        return await self._run(hash_password, password)

    def warm(self) -> None:
        """Make the dummy hash now, on a pool thread, so the first unknown staff number is not
        slower than the rest (the server calls this at start; it returns at once)."""
        if _hasher.memory_cost < profiles.RFC_9106_LOW_MEMORY.memory_cost:  # said once logging is set up
            log.warning("new passwords are hashed with less memory than RFC 9106 asks: for test suites only")
        self._executor.submit(lambda: self._dummy)

    async def check(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored``; a missing account costs as much as a real one."""
        if not stored:
            await self._run(self._check_dummy, password)
            return False
        return await self._run(check_password, stored, password)

    def _check_dummy(self, password: str) -> bool:
        return check_password(self._dummy, password)  # on a pool thread: the dummy is made there

    async def _run(self, work: Callable[..., T], *args: str) -> T:
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots_loop is not loop:  # a semaphore serves one loop
            self._slots, self._slots_loop = asyncio.Semaphore(self._pending), loop
        async with self._slots:  # beyond ``pending`` callers wait here, not in the executor's queue
            return await loop.run_in_executor(self._executor, work, *args)

    def close(self) -> None:
        """Stop the threads: queued work is dropped, a running hash finishes on its own."""
        self._executor.shutdown(wait=False, cancel_futures=True)
