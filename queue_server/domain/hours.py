"""Opening hours: when a hall opens and issues tickets.

Weekly hours with their breaks (午休), an issuing cut-off, and dated exceptions: public holidays
(no hours), make-up working days (调休, a weekend day with working hours) and approved extended
hours (延时服务, an extra period on a date). Deadlines do not count these: they count the statutory
working days of ``workdays.WorkingCalendar`` (a Saturday 延时服务 opens the hall, it is no 工作日).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from queue_server.domain.errors import Rejected

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Period = tuple[time, time]


@dataclass(frozen=True)
class OpeningHours:
    """A hall's weekly hours; the gaps between a day's periods are its breaks (午休)."""

    timezone: str = "Asia/Shanghai"
    week: dict[str, tuple[Period, ...]] = field(default_factory=dict)
    cutoff_minutes: int = 0
    always_open: bool = False
    # Dated exceptions: the day's periods replace the weekday's (an empty tuple is a holiday).
    days: dict[date, tuple[Period, ...]] = field(default_factory=dict)
    # 延时服务: weekly and dated extra periods. The hall opens then (tickets are issued), but they are
    # no duty hours (attendance is not measured against them) and make no day a 工作日.
    extended_week: dict[str, tuple[Period, ...]] = field(default_factory=dict)
    extended_days: dict[date, tuple[Period, ...]] = field(default_factory=dict)

    @classmethod
    def from_strings(
        cls,
        week: dict[str, list[list[str]]],
        *,
        timezone: str = "Asia/Shanghai",
        cutoff_minutes: int = 0,
        always_open: bool = False,
        extended: dict[str, list[list[str]]] | None = None,
    ) -> OpeningHours:
        """Build from ``{"mon": [["08:30", "12:00"], …]}`` as configuration files hold it; ``extended``
        holds the weekly 延时服务 periods in the same form."""
        parsed, extra = _parse_week(week), _parse_week(extended or {})
        for day in extra:
            _check_spans(day, tuple(sorted(parsed.get(day, ()) + extra[day])))
        return cls(
            timezone=timezone,
            week=parsed,
            cutoff_minutes=cutoff_minutes,
            always_open=always_open,
            extended_week=extra,
        )

    def with_days(
        self, days: dict[date, tuple[Period, ...]], extended: dict[date, tuple[Period, ...]] | None = None
    ) -> OpeningHours:
        """The same hours with these dated exceptions (and dated 延时服务 periods)."""
        return replace(self, days=dict(days), extended_days=dict(extended or {}))

    def duty_periods_on(self, day: date) -> tuple[Period, ...]:
        """The day's regular hours (its exception if it has one, else its weekday's): the hours a
        clerk's attendance is measured against."""
        if day in self.days:
            return self.days[day]
        return self.week.get(WEEKDAYS[day.weekday()], ())

    def periods_on(self, day: date) -> tuple[Period, ...]:
        """The periods the hall opens on a date: its regular hours and its 延时服务 (a holiday or a
        调休 day replaces the weekday's, weekly extended periods included)."""
        weekly = () if day in self.days else self.extended_week.get(WEEKDAYS[day.weekday()], ())
        extra = weekly + self.extended_days.get(day, ())
        return tuple(sorted(self.duty_periods_on(day) + extra)) if extra else self.duty_periods_on(day)

    def is_open_day(self, day: date) -> bool:
        """Whether the hall opens on ``day`` (weekend 延时服务 and 调休 included, holidays not).

        A hall open at all hours with no weekly hours set opens every day but its holidays. Opening
        days are not working days: deadlines count ``workdays.WorkingCalendar``.
        """
        if day not in self.days and self.always_open and not any(self.week.values()):
            return True
        return bool(self.periods_on(day))

    def check_issue(self, now: datetime) -> None:
        """Raise Rejected with the reason when a ticket may not be issued at ``now``."""
        if self.always_open:
            return
        local = now.astimezone(ZoneInfo(self.timezone))
        periods = self.periods_on(local.date())
        if not periods:
            raise Rejected("hall.closed_today")
        clock = local.replace(tzinfo=None)
        cutoff = timedelta(minutes=self.cutoff_minutes)
        for index, (start, end) in enumerate(periods):
            opens = datetime.combine(local.date(), start)
            last_issue = datetime.combine(local.date(), end) - cutoff
            if opens <= clock < last_issue:
                return
            if clock < opens:
                code = "hall.not_open_yet" if index == 0 else "hall.lunch_break"
                raise Rejected(code, opens=start.strftime("%H:%M"))
        raise Rejected("hall.after_cutoff")


def _check_spans(day: str, spans: tuple[Period, ...]) -> None:
    for start, end in spans:
        if end <= start:
            raise ValueError(f"period {start}-{end} on {day} ends before it starts")
    for (_, first_end), (second_start, _) in itertools.pairwise(spans):
        if second_start < first_end:
            raise ValueError(f"periods on {day} overlap")


def _parse_week(week: dict[str, list[list[str]]]) -> dict[str, tuple[Period, ...]]:
    parsed: dict[str, tuple[Period, ...]] = {}
    for day, periods in week.items():
        if day not in WEEKDAYS:
            raise ValueError(f"unknown weekday {day!r}")
        spans = tuple(sorted((time.fromisoformat(a), time.fromisoformat(b)) for a, b in periods))
        _check_spans(day, spans)
        parsed[day] = spans
    return parsed
