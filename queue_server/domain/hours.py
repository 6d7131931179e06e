"""Opening hours: when a hall issues tickets (periods per weekday, lunch break, cut-off)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
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

    @classmethod
    def from_strings(
        cls,
        week: dict[str, list[list[str]]],
        *,
        timezone: str = "Asia/Shanghai",
        cutoff_minutes: int = 0,
        always_open: bool = False,
    ) -> OpeningHours:
        """Build from ``{"mon": [["08:30", "12:00"], …]}`` as configuration files hold it."""
        parsed: dict[str, tuple[Period, ...]] = {}
        for day, periods in week.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}")
            spans = tuple(sorted((time.fromisoformat(a), time.fromisoformat(b)) for a, b in periods))
            for start, end in spans:
                if end <= start:
                    raise ValueError(f"period {start}-{end} on {day} ends before it starts")
            for (_, first_end), (second_start, _) in itertools.pairwise(spans):
                if second_start < first_end:
                    raise ValueError(f"periods on {day} overlap")
            parsed[day] = spans
        return cls(timezone=timezone, week=parsed, cutoff_minutes=cutoff_minutes, always_open=always_open)

    def check_issue(self, now: datetime) -> None:
        """Raise Rejected with the reason when a ticket may not be issued at ``now``."""
        if self.always_open:
            return
        local = now.astimezone(ZoneInfo(self.timezone))
        periods = self.week.get(WEEKDAYS[local.weekday()], ())
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
