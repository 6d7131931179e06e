"""The working calendar: days, windows' extended hours and the deadlines a change moves."""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from typing import Literal

from pydantic import Field

from queue_server.contract.base import Model, WallTime


class CalendarDayKind(StrEnum):
    """A dated exception to the weekly hours."""

    HOLIDAY = "holiday"  # 法定节假日: closed
    WORKDAY = "workday"  # 调休: a weekend day worked (weekday hours unless periods given)
    EXTENDED = "extended"  # 延时服务: extra periods on top of the day's hours


class CalendarDay(Model):
    """``PUT /api/v1/calendar/{day}``: mark a date."""

    kind: CalendarDayKind
    periods: list[tuple[WallTime, WallTime]] = []
    note: str = Field(default="", max_length=200)


class WindowExtendedHours(Model):
    """``PUT /api/v1/calendar/{day}/windows/{window}``: approved 延时服务 of one window on one day."""

    periods: list[tuple[WallTime, WallTime]] = Field(min_length=1)
    note: str = Field(default="", max_length=200)


class ApprovedWindowHours(Model):
    """``GET /api/v1/calendar/{day}/windows``: one window's approved 延时服务 on that day."""

    window: str
    window_name: str
    periods: list[tuple[time, time]]
    note: str = ""
    approved_by: str = ""


class DeadlineChange(Model):
    """An open deadline a calendar change touched: a 差评 follow-up recounted on the new working days
    (``before`` → ``after``), or a 承诺件 whose promised date is no longer a working day (``flagged``:
    the promise stands, the manager decides)."""

    kind: Literal["follow_up", "case"]
    id: int
    ticket: str
    stage: str | None = None
    before: date
    after: date | None = None
    flagged: bool = False


class CalendarEntry(Model):
    """One date of the working calendar as it applies."""

    day: date
    working: bool = Field(description="the hall opens (weekend 延时服务 included)")
    periods: list[tuple[time, time]]
    kind: CalendarDayKind | None = None
    note: str = ""
    workday: bool = Field(default=True, description="法定工作日: counts for every deadline")
    deadlines: list[DeadlineChange] = Field(
        default=[], description="on a change: the open deadlines recounted or flagged"
    )
