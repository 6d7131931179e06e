"""Tokens: random, shown once, stored as a keyed hash, checked against an in-memory cache.

A device token is checked on every request, so it is hashed with HMAC-SHA256 (microseconds), not a
password hash (tens of milliseconds), and the actor it speaks for is kept in memory for as long as
that actor can be trusted: until the token is revoked or the staff it names change. Both are live
events every server process hears in commit order (``Runtime._deliver``), and each makes it drop
what it keeps, so the next request anywhere reads the token again. (A timed expiry re-read every
device's token every few seconds: a database read on a worker thread for ~15 % of a busy hall's
requests.)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from queue_server.adapters import tables as t
from queue_server.auth.ports import SessionStore
from queue_server.domain.actors import Actor

TOKEN_BYTES = 32


def new_token() -> str:
    """A fresh random token for a device, an API client or a browser session."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(key: bytes, token: str) -> str:
    """The stored form of a token."""
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


class TokenBook:
    """Looks tokens up (database first time, memory afterwards) and issues new ones."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cache: dict[str, Actor] = {}
        self._lock = threading.Lock()
        self._generation = 0  # moved by ``forget``: a lookup that began before it keeps nothing

    def cached(self, token: str) -> Actor | None:
        """The actor of a token seen since the last revocation or staff change, without the database."""
        return self._cache.get(token_hash(self._key, token))

    def lookup(self, store: SessionStore, token: str) -> Actor | None:
        """The actor a token speaks for, or None when unknown, revoked or its staff deactivated."""
        digest = token_hash(self._key, token)
        actor = self._cache.get(digest)
        if actor is not None:
            return actor
        generation = self._generation
        row = store.token(digest)
        if row is None:
            return None
        actor = Actor(
            hall_id=row.hall_id,
            role=row.role,
            window=row.window_number,
            user_id=row.user_id,
            token_id=row.id,
            name=row.user_name or row.label,
        )
        with self._lock:
            # A revocation that landed while the row was read may not be in what was read (a reader's
            # snapshot can be older): keep nothing then, the next request reads again.
            if generation == self._generation:
                self._cache[digest] = actor
        return actor

    def create(
        self,
        conn: Connection,
        *,
        hall_id: int,
        role: str,
        now: datetime,
        window_id: int | None = None,
        user_id: int | None = None,
        label: str = "",
    ) -> tuple[str, int]:
        """Store a new token and return it in the clear (the only time it is seen) with its id."""
        token = new_token()
        values: dict[str, Any] = {
            "hall_id": hall_id,
            "role": role,
            "window_id": window_id,
            "user_id": user_id,
            "token_hash": token_hash(self._key, token),
            "label": label,
            "created_at": now,
        }
        token_id = conn.execute(t.api_tokens.insert().returning(t.api_tokens.c.id), values).scalar_one()
        return token, int(token_id)

    def forget(self) -> None:
        """Drop what is kept (a token revoked, or staff changed, in any process)."""
        with self._lock:
            self._generation += 1
            self._cache.clear()
