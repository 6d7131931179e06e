"""法定工作日: the statutory working days that every deadline counts (差评 follow-up, 承诺件, 催办).

Kept apart from the hall's opening hours (``hours.OpeningHours``): a hall open on Saturday morning
for 延时服务 issues tickets then, but Saturday is no working day for a deadline. The national rule is
Monday to Friday, minus the declared public holidays (法定节假日), plus the declared make-up working
days (调休: a weekend day worked instead of a holiday's bridge day). A hall declares both on its
calendar; nothing else changes which days count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

WORKWEEK = frozenset(range(5))  # Monday..Friday (date.weekday())


@dataclass(frozen=True)
class WorkingCalendar:
    """Statutory working days: Monday–Friday, minus ``holidays``, plus ``workdays`` (调休)."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` counts for a deadline."""
        if day in self.holidays:
            return False
        return day in self.workdays or day.weekday() in WORKWEEK

    def add_working_days(self, start: date, count: int) -> date:
        """The date ``count`` working days after ``start`` (start itself not counted); 0 → start."""
        if count < 0:
            raise ValueError("count must not be negative")
        day = start
        for _ in range(count):
            day += timedelta(days=1)
            guard = 0
            while not self.is_working_day(day):
                day += timedelta(days=1)
                guard += 1
                if guard > 366:
                    raise ValueError("the calendar has no working day in a year")
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when end is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=n))
        )
