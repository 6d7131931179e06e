"""Browser sessions: a cookie holding a random session id (stored hashed) and a CSRF token."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from queue_server.auth.ports import Account, NewSession, SessionStore
from queue_server.auth.tokens import new_token, token_hash
from queue_server.domain.actors import Actor
from queue_server.domain.errors import DomainError, Forbidden

SESSION_HOURS = 12
COOKIE = "hallq_session"
CSRF_COOKIE = "hallq_csrf"
CSRF_HEADER = "x-csrf-token"


class Unauthorized(DomainError):
    """No valid credentials came with the request."""

    code = "auth.required"


class TooManyAttempts(DomainError):
    """Too many wrong passwords: try again after ``retry_after`` seconds (HTTP 429)."""

    code = "auth.throttled"


def account(store: SessionStore, hall_id: int, staff_no: str) -> Account | None:
    """The active account that may log in with ``staff_no`` (id, role, password hash), or None."""
    return store.account(hall_id, staff_no)


def login(
    store: SessionStore,
    key: bytes,
    *,
    hall_id: int,
    staff_no: str,
    checked_hash: str,
    window_id: int | None,
    now: datetime,
) -> tuple[str, str, Actor]:
    """Open a session for a password already checked against ``checked_hash`` (off the writer);
    returns (session id, csrf token, actor). Refused if the account changed since the check."""
    user = store.account(hall_id, staff_no)
    if user is None or not user.password_hash or user.password_hash != checked_hash:
        raise Unauthorized("auth.bad_credentials")
    if user.role == "clerk" and window_id is None:
        window_id = user.window_id
    if user.role == "clerk" and window_id is None:  # a clerk acts at one window, never at any
        raise DomainError("auth.window_required")
    if user.role in ("kiosk", "board", "evaluator"):
        raise Forbidden()
    session, csrf = new_token(), secrets.token_urlsafe(24)
    expires = now + timedelta(hours=SESSION_HOURS)
    store.open(NewSession(hall_id, token_hash(key, session), user.id, window_id, csrf, now, expires))
    window = store.window_number(window_id) if window_id else None
    return (
        session,
        csrf,
        Actor(hall_id=hall_id, role=user.role, window=window, user_id=user.id, name=user.name),
    )


def lookup(store: SessionStore, key: bytes, session: str, now: datetime) -> tuple[Actor, str] | None:
    """The actor and CSRF token of a live session."""
    row = store.session(token_hash(key, session))
    if row is None or row.expires_at <= now:
        return None
    if row.role == "clerk" and row.window_number is None:  # unbound (made before binding was checked)
        return None
    actor = Actor(
        hall_id=row.hall_id, role=row.role, window=row.window_number, user_id=row.user_id, name=row.name
    )
    return actor, row.csrf_token


def halls(store: SessionStore) -> list[tuple[str, str]]:
    """Every hall's code and name, for the login form's choice where there are several."""
    return store.halls()


def logout(store: SessionStore, key: bytes, session: str) -> None:
    """End a session."""
    store.close(token_hash(key, session))
