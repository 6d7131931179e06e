"""Browser sessions: a cookie holding a random session id (stored hashed) and a CSRF token."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select

from queue_server.adapters import tables as t
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


def account(conn: Connection, hall_id: int, staff_no: str) -> Any:
    """The active account that may log in with ``staff_no`` (id, role, password hash), or None."""
    return conn.execute(
        select(t.users.c.id, t.users.c.role, t.users.c.password_hash).where(
            t.users.c.hall_id == hall_id, t.users.c.staff_no == staff_no, t.users.c.active.is_(True)
        )
    ).first()


def login(
    conn: Connection,
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
    user = conn.execute(
        select(t.users).where(
            t.users.c.hall_id == hall_id, t.users.c.staff_no == staff_no, t.users.c.active.is_(True)
        )
    ).first()
    if user is None or not user.password_hash or user.password_hash != checked_hash:
        raise Unauthorized("auth.bad_credentials")
    if user.role == "clerk" and window_id is None:
        window_id = user.window_id
    if user.role == "clerk" and window_id is None:  # a clerk acts at one window, never at any
        raise DomainError("auth.window_required")
    if user.role in ("kiosk", "board", "evaluator"):
        raise Forbidden()
    session, csrf = new_token(), secrets.token_urlsafe(24)
    conn.execute(
        t.sessions.insert(),
        {
            "hall_id": hall_id,
            "session_hash": token_hash(key, session),
            "user_id": user.id,
            "window_id": window_id,
            "csrf_token": csrf,
            "created_at": now,
            "expires_at": now + timedelta(hours=SESSION_HOURS),
        },
    )
    window = (
        conn.execute(select(t.windows.c.number).where(t.windows.c.id == window_id)).scalar()
        if window_id
        else None
    )
    return (
        session,
        csrf,
        Actor(hall_id=hall_id, role=user.role, window=window, user_id=user.id, name=user.name),
    )


def lookup(conn: Connection, key: bytes, session: str, now: datetime) -> tuple[Actor, str] | None:
    """The actor and CSRF token of a live session."""
    row = conn.execute(
        select(
            t.sessions.c.csrf_token,
            t.sessions.c.expires_at,
            t.users.c.id.label("user_id"),
            t.users.c.hall_id,
            t.users.c.role,
            t.users.c.name,
            t.windows.c.number.label("window_number"),
        )
        .join(t.users, t.users.c.id == t.sessions.c.user_id)
        .outerjoin(t.windows, t.windows.c.id == t.sessions.c.window_id)
        .where(t.sessions.c.session_hash == token_hash(key, session), t.users.c.active.is_(True))
    ).first()
    if row is None or row.expires_at <= now:
        return None
    if row.role == "clerk" and row.window_number is None:  # unbound (made before binding was checked)
        return None
    actor = Actor(
        hall_id=row.hall_id, role=row.role, window=row.window_number, user_id=row.user_id, name=row.name
    )
    return actor, row.csrf_token


def halls(conn: Connection) -> list[tuple[str, str]]:
    """Every hall's code and name, for the login form's choice where there are several."""
    rows = conn.execute(select(t.halls.c.code, t.halls.c.name).order_by(t.halls.c.id))
    return [(row.code, row.name) for row in rows]


def logout(conn: Connection, key: bytes, session: str) -> None:
    """End a session."""
    conn.execute(delete(t.sessions).where(t.sessions.c.session_hash == token_hash(key, session)))
