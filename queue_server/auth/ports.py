"""The sign-in port: accounts, browser sessions and API tokens as the auth code reads and writes them.

``queue_server.adapters.auth`` implements it on SQL; only hashes of session ids and tokens are stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Account:
    """An active member of staff who may sign in."""

    id: int
    role: str
    name: str
    password_hash: str | None
    window_id: int | None


@dataclass(frozen=True, slots=True)
class NewSession:
    """A browser session about to be opened."""

    hall_id: int
    session_hash: str
    user_id: int
    window_id: int | None
    csrf_token: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LiveSession:
    """A session with its (active) user and the window it is bound to."""

    hall_id: int
    user_id: int
    role: str
    name: str
    window_number: str | None
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TokenHolder:
    """Who an API token (not revoked) speaks for."""

    id: int
    hall_id: int
    role: str
    label: str
    user_id: int | None
    user_name: str | None
    window_number: str | None


class SessionStore(Protocol):
    """Accounts, sessions and tokens, in one transaction."""

    def account(self, hall_id: int, staff_no: str) -> Account | None:
        """The active account with this staff number."""
        ...

    def open(self, session: NewSession) -> None:
        """Store a new session."""
        ...

    def window_number(self, window_id: int) -> str | None:
        """A window's number."""
        ...

    def session(self, session_hash: str) -> LiveSession | None:
        """The session with this hash, if its user is active."""
        ...

    def close(self, session_hash: str) -> None:
        """End the session with this hash."""
        ...

    def halls(self) -> list[tuple[str, str]]:
        """Every hall's code and name, in the order they were made."""
        ...

    def token(self, token_hash: str) -> TokenHolder | None:
        """Who the token with this hash speaks for, unless revoked."""
        ...
