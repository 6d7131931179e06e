"""The working calendar: holidays, 调休 days and extended hours move every working-day count."""

from __future__ import annotations

from datetime import date, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.hours import OpeningHours
from queue_server.domain.outcomes import promised_date

WEEK = {d: [["08:30", "12:00"], ["13:30", "17:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}
HOURS = OpeningHours.from_strings(WEEK)
MONDAY = date(2026, 3, 2)
MORNING = (time(8, 30), time(12, 0))


def test_weekends_are_not_working_days_and_weekdays_are() -> None:
    assert [HOURS.is_working_day(MONDAY + timedelta(days=n)) for n in range(7)] == [True] * 5 + [False] * 2


def test_five_working_days_from_a_monday_is_the_next_monday() -> None:
    assert HOURS.add_working_days(MONDAY, 5) == date(2026, 3, 9)
    assert HOURS.add_working_days(MONDAY, 0) == MONDAY


def test_a_holiday_is_skipped_and_a_make_up_saturday_counts() -> None:
    hours = HOURS.with_days({date(2026, 3, 4): (), date(2026, 3, 7): (MORNING,)})
    assert not hours.is_working_day(date(2026, 3, 4))
    assert hours.is_working_day(date(2026, 3, 7))
    assert hours.add_working_days(MONDAY, 4) == date(2026, 3, 7)


def test_extended_hours_on_a_date_replace_its_periods() -> None:
    evening = (time(18, 0), time(20, 0))
    hours = HOURS.with_days({MONDAY: (MORNING, evening)})
    assert hours.periods_on(MONDAY)[-1] == evening


def test_a_green_channel_case_is_promised_in_half_the_working_days_rounded_up() -> None:
    assert promised_date(HOURS, MONDAY, 5, green=True) == date(2026, 3, 5)
    assert promised_date(HOURS, MONDAY, 5, green=False) == date(2026, 3, 9)


def test_a_hall_open_at_all_hours_without_weekly_hours_works_every_day_but_its_holidays() -> None:
    hours = OpeningHours(always_open=True).with_days({MONDAY: ()})
    assert not hours.is_working_day(MONDAY)
    assert hours.add_working_days(MONDAY, 1) == date(2026, 3, 3)


holidays = st.sets(st.integers(0, 60), max_size=15)


@given(holidays=holidays, start=st.integers(0, 30), count=st.integers(0, 20))
@settings(deadline=None)
def test_counting_working_days_back_gives_the_number_added(
    holidays: set[int], start: int, count: int
) -> None:
    hours = HOURS.with_days({MONDAY + timedelta(days=n): () for n in holidays})
    origin = MONDAY + timedelta(days=start)
    target = hours.add_working_days(origin, count)
    assert hours.working_days_between(origin, target) == count
    assert count == 0 or hours.is_working_day(target)
