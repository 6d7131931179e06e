"""Bounded path and query parameters: values the database and the calendar can hold, refused with 422
(``request.invalid``) before a route runs, and documented as bounds in the OpenAPI."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator

ROW_ID_MAX = 2**63 - 1  # a row id is a signed 64-bit integer in both databases
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)


def within_calendar(day: date) -> date:
    """A hall's day: 1970 to 2999, so a day's neighbours and its month's ends exist too."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"a day between {FIRST_DAY} and {LAST_DAY}")
    return day


RowId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]
Day = Annotated[date, AfterValidator(within_calendar)]
