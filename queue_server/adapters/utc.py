"""The one datetime converter: every UtcDateTime value goes through it, whether SQLAlchemy Core
binds it or the hot path's raw cursor does, so both store the same thing and refuse the same.

Stored as naive UTC on every dialect. A naive datetime is refused, never guessed: read as local
time (what ``astimezone`` does with one) it would shift by the server's offset, silently.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


class NaiveDatetime(ValueError):
    """A datetime without a timezone was given where a moment in time is stored."""


def to_stored(value: datetime) -> datetime:
    """An aware datetime as stored: naive, in UTC."""
    if value.tzinfo is UTC:  # the server's own clock: already UTC, no conversion to work out
        return value.replace(tzinfo=None)
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetime(f"naive datetime given to a UTC column: {value.isoformat()}")
    return value.astimezone(UTC).replace(tzinfo=None)


def to_sqlite_text(value: datetime) -> str:
    """The stored form as SQLite keeps it (the text SQLAlchemy's DateTime writes and reads):
    ``%Y-%m-%d %H:%M:%S.%f``, written by ``isoformat`` (half the CPU of ``strftime``, which parses
    its format on every call), the same bytes from year 1000 on (``%Y`` does not pad below)."""
    stored = to_stored(value)
    if stored.year < 1000:
        return stored.strftime("%Y-%m-%d %H:%M:%S.%f")
    return stored.isoformat(" ", "microseconds")


def from_stored(value: Any) -> datetime | None:
    """A stored value (text on SQLite, naive datetime on PostgreSQL) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"not a stored datetime: {value!r}")
    return value.replace(tzinfo=UTC)
