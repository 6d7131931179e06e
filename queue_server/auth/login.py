"""A login from start to end: throttle, password check off the writer, then the session.

The order matters. The throttle answers first, so a refused attempt costs nothing. The account
is read on a reader connection and its password checked in the password pool; only the verdict
goes to the writer, whose job writes the session (or the audit line of a failure) and nothing
slower. An unknown staff number is checked against a dummy hash, so it answers as late as a
known one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from queue_server.auth import sessions
from queue_server.auth.ports import Account
from queue_server.domain.actors import Actor
from queue_server.domain.errors import NotFound
from queue_server.domain.throttle import Lock, LoginPolicy
from queue_server.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from queue_server.runtime import Runtime


@dataclass(frozen=True)
class Attempt:
    """What a login names, as found on a reader connection."""

    hall_id: int
    policy: LoginPolicy
    window_id: int | None
    account: Account | None  # None for an unknown staff number


@dataclass(frozen=True)
class Credentials:
    """What the login form gave."""

    staff_no: str
    password: str
    window: str | None
    hall: str | None
    address: str


async def log_in(runtime: Runtime, given: Credentials) -> tuple[str, str, Actor]:
    """Open a session (session id, CSRF token, actor), or raise Unauthorized / TooManyAttempts."""
    throttle, staff_no, address = runtime.logins, given.staff_no, given.address
    _refuse_early(throttle.address_wait(address, runtime.clock()))  # a flood costs no database read
    try:
        attempt = await runtime.read(lambda uow: _find(uow, given))
    except NotFound as missing:  # no such hall or window: the same answer as a wrong password
        raise sessions.Unauthorized("auth.bad_credentials") from missing
    now = runtime.clock()
    _refuse_early(throttle.wait(attempt.hall_id, staff_no, address, now))
    # The staff number counts this attempt as failed until the check says otherwise (no await in
    # between), so a burst on one account cannot slip past the throttle while its checks run. The
    # address counts failures only once known: a hall's clerks logging in at once from behind one
    # address must not be slowed by each other's attempts still being checked.
    if not throttle.begin_check(attempt.policy, address):
        raise sessions.TooManyAttempts("auth.busy", retry_after=1)
    locks = throttle.failed(attempt.policy, attempt.hall_id, staff_no, None, now)
    stored = attempt.account.password_hash if attempt.account is not None else None
    try:
        good = await runtime.passwords.check(stored, given.password)
    finally:
        throttle.end_check(address)
    if not good:
        locks += throttle.address_failed(attempt.policy, address, runtime.clock())
        await runtime.write(lambda uow: _audit_failure(uow, attempt.hall_id, given, locks), attempt.hall_id)
        raise sessions.Unauthorized("auth.bad_credentials")
    throttle.succeeded(attempt.hall_id, staff_no)
    return await runtime.write(lambda uow: _open(uow, runtime, attempt, given, stored or ""), attempt.hall_id)


def _refuse_early(wait: float) -> None:
    if wait > 0:
        raise sessions.TooManyAttempts(retry_after=math.ceil(wait))


def _find(uow: UnitOfWork, given: Credentials) -> Attempt:
    hall_id = uow.stores.hall.hall_id(given.hall)
    catalogue = uow.catalogue(hall_id)
    window_id = catalogue.window(given.window).id if given.window else None
    account = sessions.account(uow.stores.sessions, hall_id, given.staff_no)
    return Attempt(hall_id, catalogue.settings.login, window_id, account)


def _audit_failure(uow: UnitOfWork, hall_id: int, given: Credentials, locks: list[Lock]) -> None:
    subject = f"staff:{given.staff_no}"
    uow.stores.hall.audit(hall_id, uow.now, subject, "login.failed", "", {"ip": given.address})
    for lock in locks:
        detail = {"ip": given.address, "scope": lock.scope.value, "until": lock.until.isoformat()}
        scope = f"{lock.scope.value}:{lock.key}"
        uow.stores.hall.audit(hall_id, uow.now, subject, "login.locked", scope, detail)


def _open(
    uow: UnitOfWork, runtime: Runtime, attempt: Attempt, given: Credentials, checked_hash: str
) -> tuple[str, str, Actor]:
    result = sessions.login(
        uow.stores.sessions,
        runtime.caches.pii_key,
        hall_id=attempt.hall_id,
        staff_no=given.staff_no,
        checked_hash=checked_hash,
        window_id=attempt.window_id,
        now=uow.now,
    )
    window = f"window:{given.window or ''}"
    uow.stores.hall.audit(attempt.hall_id, uow.now, result[2].label, "login", window, {})
    return result
