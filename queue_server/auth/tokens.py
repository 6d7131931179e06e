"""Tokens: random, shown once, stored as a keyed hash, checked against an in-memory cache.

A device token is checked on every request, so it is hashed with HMAC-SHA256 (microseconds), not a
password hash (tens of milliseconds). A revoked token stops working everywhere within
``CACHE_SECONDS``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from queue_server.adapters import tables as t
from queue_server.auth.ports import SessionStore
from queue_server.domain.actors import Actor

CACHE_SECONDS = 10.0
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
        self._cache: dict[str, tuple[float, Actor]] = {}
        self._lock = threading.Lock()

    def cached(self, token: str) -> Actor | None:
        """The actor of a recently seen token, without touching the database."""
        entry = self._cache.get(token_hash(self._key, token))
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        return None

    def lookup(self, store: SessionStore, token: str) -> Actor | None:
        """The actor a token speaks for, or None when unknown or revoked."""
        digest = token_hash(self._key, token)
        entry = self._cache.get(digest)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
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
            self._cache[digest] = (time.monotonic() + CACHE_SECONDS, actor)
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
        """Drop the cache (after a revocation in this process)."""
        with self._lock:
            self._cache.clear()
