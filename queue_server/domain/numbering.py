"""Ticket numbers: a prefix and a zero-padded daily sequence (A001), never reused."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

PREFIX_PATTERN = re.compile(r"^[A-Z]{1,2}$")


def format_number(prefix: str, seq: int, width: int = 3) -> str:
    """Render sequence ``seq`` under ``prefix``; past the padding width the number simply grows."""
    if seq < 1:
        raise ValueError("sequence numbers start at 1")
    return f"{prefix}{seq:0{width}d}"


def business_day(now: datetime, timezone: str) -> date:
    """The hall-local date that numbering and caps are counted on."""
    return now.astimezone(ZoneInfo(timezone)).date()


def cap_reached(issued_today: int, cap: int | None) -> bool:
    """Whether a service has given out its daily allowance (放号量); ``None`` means no cap."""
    return cap is not None and issued_today >= cap
