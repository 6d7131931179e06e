"""Appointments (预约): booking codes people can read aloud, slot times, and when check-in is open.

A slot is a time of a hall-local day with a capacity. A booking turns into a ticket when the
citizen checks in at the kiosk: from ``grace`` before the slot's start until ``late`` after its
end. Earlier is refused (come back later); later, the booking is missed (爽约) and no ticket is
issued for it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from queue_server.domain.errors import Rejected

# No 0/O, 1/I/L: a code is read aloud on the phone, written down, and typed at a kiosk.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
_SEPARATORS = re.compile(r"[\s\-_]")


class CheckIn(StrEnum):
    """Whether a booking may check in now."""

    EARLY = "early"
    OK = "ok"
    LATE = "late"


def new_code(choice: Callable[[str], str] = secrets.choice) -> str:
    """A fresh booking code: ``CODE_LENGTH`` characters of ``ALPHABET``, drawn by ``choice``."""
    return "".join(choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """A booking code as typed (any case, spaces or dashes), upper-cased, or Rejected."""
    value = _SEPARATORS.sub("", raw).upper()
    if len(value) != CODE_LENGTH or any(ch not in ALPHABET for ch in value):
        raise Rejected("appointment.invalid_code")
    return value


def check_slot(start: time, end: time) -> None:
    """Refuse a slot that ends before it starts (a slot lies within one day)."""
    if end <= start:
        raise Rejected("request.invalid", detail=f"slot {start:%H:%M}-{end:%H:%M} ends before it starts")


def slot_bounds(day: date, start: time, end: time, timezone: str) -> tuple[datetime, datetime]:
    """The slot's start and end as aware UTC datetimes, read on the hall's wall clock."""
    zone = ZoneInfo(timezone)
    begins = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
    ends = datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
    return begins, ends


def check_in_opens(start: datetime, grace: timedelta) -> datetime:
    """When check-in opens: ``grace`` before the slot (the policy calls it due from then, too)."""
    return start - grace


def check_in_closes(end: datetime, late: timedelta) -> datetime:
    """When check-in closes: ``late`` after the slot's end."""
    return end + late


def check_in_window(
    start: datetime, end: datetime, now: datetime, grace: timedelta, late: timedelta
) -> CheckIn:
    """Early before ``start - grace``, late after ``end + late``, otherwise ok (both bounds included)."""
    if now < check_in_opens(start, grace):
        return CheckIn.EARLY
    if now > check_in_closes(end, late):
        return CheckIn.LATE
    return CheckIn.OK


def is_missed(end: datetime, now: datetime, late: timedelta) -> bool:
    """Whether a booking never checked in is missed (爽约): its check-in window has closed."""
    return now > check_in_closes(end, late)
