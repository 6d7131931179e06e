"""Two calendars kept apart: opening hours (weekend 延时服务 included) decide when the hall opens;
法定工作日 (Monday–Friday, holidays and 调休) decide every deadline."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.evaluations import follow_up_dues
from queue_server.domain.hours import OpeningHours
from queue_server.domain.outcomes import promised_date
from queue_server.domain.workdays import WorkingCalendar

WEEK = {d: [["08:30", "12:00"], ["13:30", "17:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}
HOURS = OpeningHours.from_strings(WEEK)
MONDAY = date(2026, 3, 2)
MORNING = (time(8, 30), time(12, 0))
STATUTORY = WorkingCalendar()


def test_weekends_are_not_working_days_and_weekdays_are() -> None:
    assert [STATUTORY.is_working_day(MONDAY + timedelta(days=n)) for n in range(7)] == [True] * 5 + [
        False
    ] * 2
    assert [HOURS.is_open_day(MONDAY + timedelta(days=n)) for n in range(7)] == [True] * 5 + [False] * 2


def test_five_working_days_from_a_monday_is_the_next_monday() -> None:
    assert STATUTORY.add_working_days(MONDAY, 5) == date(2026, 3, 9)
    assert STATUTORY.add_working_days(MONDAY, 0) == MONDAY


def test_a_holiday_is_skipped_and_a_make_up_saturday_counts() -> None:
    calendar = WorkingCalendar(holidays=frozenset({date(2026, 3, 4)}), workdays=frozenset({date(2026, 3, 7)}))
    assert not calendar.is_working_day(date(2026, 3, 4))
    assert calendar.is_working_day(date(2026, 3, 7))
    assert calendar.add_working_days(MONDAY, 4) == date(2026, 3, 7)


def test_saturday_extended_service_opens_the_hall_but_is_no_working_day() -> None:
    # The demo hall opens Saturday 09:00–12:00 (延时服务): a 差评 rated Monday 2026-12-07 has its
    # 整改 due after 15 statutory 工作日, on Monday 12-28 — not 12-24 as counting opening days gave.
    hours = OpeningHours.from_strings({**WEEK, "sat": [["09:00", "12:00"]]})
    rated = date(2026, 12, 7)
    assert rated.weekday() == 0 and hours.is_open_day(date(2026, 12, 12))
    assert not STATUTORY.is_working_day(date(2026, 12, 12))
    assert follow_up_dues(rated, STATUTORY, 1, 15, 0) == (
        date(2026, 12, 8),
        date(2026, 12, 28),
        date(2026, 12, 28),
    )


def test_extended_hours_on_a_date_replace_its_periods() -> None:
    evening = (time(18, 0), time(20, 0))
    hours = HOURS.with_days({MONDAY: (MORNING, evening)})
    assert hours.periods_on(MONDAY)[-1] == evening


def test_a_green_channel_case_is_promised_in_half_the_working_days_rounded_up() -> None:
    assert promised_date(STATUTORY, MONDAY, 5, green=True) == date(2026, 3, 5)
    assert promised_date(STATUTORY, MONDAY, 5, green=False) == date(2026, 3, 9)


def test_a_hall_open_at_all_hours_without_weekly_hours_opens_every_day_but_its_holidays() -> None:
    hours = OpeningHours(always_open=True).with_days({MONDAY: ()})
    assert not hours.is_open_day(MONDAY)
    assert hours.is_open_day(date(2026, 3, 7))
    assert not STATUTORY.is_working_day(date(2026, 3, 7))  # open on Saturday, still no 工作日


holidays = st.sets(st.integers(0, 60), max_size=15)


@given(holidays=holidays, start=st.integers(0, 30), count=st.integers(0, 20))
@settings(deadline=None)
def test_counting_working_days_back_gives_the_number_added(
    holidays: set[int], start: int, count: int
) -> None:
    calendar = WorkingCalendar(holidays=frozenset(MONDAY + timedelta(days=n) for n in holidays))
    origin = MONDAY + timedelta(days=start)
    target = calendar.add_working_days(origin, count)
    assert calendar.working_days_between(origin, target) == count
    assert count == 0 or calendar.is_working_day(target)


def test_weekly_extended_service_opens_the_hall_without_duty_hours_or_a_working_day() -> None:
    saturday = date(2026, 3, 7)
    hours = OpeningHours.from_strings(
        WEEK, extended={"sat": [["09:00", "12:00"]], "thu": [["17:30", "19:00"]]}
    )
    assert hours.is_open_day(saturday) and hours.periods_on(saturday) == ((time(9, 0), time(12, 0)),)
    assert hours.duty_periods_on(saturday) == ()
    thursday = date(2026, 3, 5)
    assert hours.periods_on(thursday)[-1] == (time(17, 30), time(19, 0))
    assert hours.duty_periods_on(thursday)[-1] == (time(13, 30), time(17, 30))
    holiday = hours.with_days({saturday: ()})
    assert not holiday.is_open_day(saturday)  # a holiday closes the extended hours too
    assert not STATUTORY.is_working_day(saturday)


def test_extended_hours_may_not_overlap_the_regular_ones() -> None:
    with pytest.raises(ValueError, match="overlap"):
        OpeningHours.from_strings(WEEK, extended={"mon": [["11:00", "13:00"]]})
