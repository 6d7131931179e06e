"""The administration's ports: staff accounts, device and API tokens (the catalogue's are in
``catalogue_ports``).

The SQLAlchemy stores are in ``queue_server.adapters.admin``; the tests hand in in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypedDict

from queue_server.auth.tokens import TokenBook


class UserValues(TypedDict, total=False):
    """What an account change sets (only the keys given)."""

    name: str
    role: str
    password_hash: str
    window_id: int | None
    active: bool


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A staff account with its default window's number and its AB岗 partner."""

    id: int
    hall_id: int
    staff_no: str
    name: str
    role: str
    window_number: str | None
    partner_no: str | None
    partner_name: str | None
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TokenRow:
    """A device or API token (never its secret), with its window's number."""

    id: int
    hall_id: int
    role: str
    window_number: str | None
    label: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeviceReport:
    """A device's last reported state."""

    device: str
    state: str
    detail: str
    last_seen_at: datetime


class StaffStore(Protocol):
    """Staff accounts, their AB岗 pairs and sessions."""

    def hall_id(self, code: str | None) -> int:
        """The id of hall ``code``, or of the only hall when ``code`` is None (NotFound otherwise)."""
        ...

    def members(self, hall_id: int, roles: Collection[str], staff_no: str | None = None) -> list[StaffMember]:
        """The hall's accounts of these roles (or the one with ``staff_no``), by staff number."""
        ...

    def user_id(self, hall_id: int, staff_no: str) -> int | None:
        """The id of the account with ``staff_no`` (of any role), or None."""
        ...

    def add(self, hall_id: int, staff_no: str, values: UserValues, created_at: datetime) -> int:
        """Open an account and return its id."""
        ...

    def update(self, user_id: int, values: UserValues) -> None:
        """Change an account."""
        ...

    def pair(self, user_id: int, partner_id: int | None) -> None:
        """Make two accounts each other's AB岗 partner (or unpair ``user_id``); whoever was paired
        with either of them is left without a partner."""
        ...

    def end_sessions(self, user_id: int) -> None:
        """Log the person out everywhere."""
        ...


class TokenStore(Protocol):
    """Device and API tokens, and the devices' reports."""

    def issue(
        self, book: TokenBook, *, hall_id: int, role: str, window_id: int | None, label: str, now: datetime
    ) -> tuple[str, int]:
        """Store a new token (hashed by ``book``); return it in the clear, once, with its id."""
        ...

    def token(self, token_id: int, hall_id: int | None = None) -> TokenRow | None:
        """A token by id (of the hall, when given), or None."""
        ...

    def tokens(self, hall_id: int) -> list[TokenRow]:
        """The hall's tokens, oldest first."""
        ...

    def revoke(self, token_id: int, at: datetime) -> None:
        """Mark a token revoked at ``at``."""
        ...

    def device_reports(self, hall_id: int) -> list[DeviceReport]:
        """The hall's devices' reports, oldest first."""
        ...
