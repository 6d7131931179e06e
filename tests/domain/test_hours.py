"""Opening hours: issuing only within the day's periods, never in the lunch break or after the cut-off."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.errors import DomainError, Rejected
from queue_server.domain.hours import OpeningHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
WORKDAY = [["08:30", "12:00"], ["13:30", "17:30"]]
WEEK = {day: WORKDAY for day in ("mon", "tue", "wed", "thu", "fri")}

MONDAY = date(2026, 3, 2)
SATURDAY = date(2026, 3, 7)
SUNDAY = date(2026, 3, 8)


@pytest.fixture
def hall() -> OpeningHours:
    return OpeningHours.from_strings(WEEK, cutoff_minutes=30)


def at(day: date, hh: int, mm: int, ss: int = 0) -> datetime:
    """An aware UTC instant whose Shanghai wall clock reads ``day hh:mm:ss``."""
    local = datetime.combine(day, time(hh, mm, ss), tzinfo=SHANGHAI)
    return local.astimezone(UTC)


def rejection(hall: OpeningHours, now: datetime) -> Rejected:
    with pytest.raises(Rejected) as raised:
        hall.check_issue(now)
    assert isinstance(raised.value, DomainError)
    return raised.value


def test_the_helper_builds_utc_instants_for_shanghai_wall_clock() -> None:
    assert at(MONDAY, 9, 0) == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert MONDAY.weekday() == 0 and SATURDAY.weekday() == 5 and SUNDAY.weekday() == 6


def test_configured_strings_are_parsed_into_sorted_periods() -> None:
    hall = OpeningHours.from_strings({"mon": [["13:30", "17:30"], ["08:30", "12:00"]]}, cutoff_minutes=30)
    assert hall.week == {"mon": ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))}
    assert hall.timezone == "Asia/Shanghai"
    assert hall.cutoff_minutes == 30
    assert not hall.always_open


@pytest.mark.parametrize(("hh", "mm"), [(8, 30), (9, 0), (11, 29), (13, 30), (16, 59)])
def test_tickets_are_issued_within_a_period_before_its_cutoff(hall: OpeningHours, hh: int, mm: int) -> None:
    hall.check_issue(at(MONDAY, hh, mm))


@pytest.mark.parametrize(("hh", "mm"), [(0, 0), (7, 0), (8, 29)])
def test_before_the_first_period_the_hall_is_not_open_yet_and_says_when_it_opens(
    hall: OpeningHours, hh: int, mm: int
) -> None:
    error = rejection(hall, at(MONDAY, hh, mm))
    assert error.code == "hall.not_open_yet"
    assert error.fields == {"opens": "08:30"}


@pytest.mark.parametrize(("hh", "mm"), [(12, 15), (12, 0), (13, 29)])
def test_between_periods_it_is_the_lunch_break_until_the_afternoon_opens(
    hall: OpeningHours, hh: int, mm: int
) -> None:
    error = rejection(hall, at(MONDAY, hh, mm))
    assert error.code == "hall.lunch_break"
    assert error.fields == {"opens": "13:30"}


def test_the_cutoff_before_lunch_already_counts_as_the_lunch_break(hall: OpeningHours) -> None:
    error = rejection(hall, at(MONDAY, 11, 30))
    assert error.code == "hall.lunch_break"
    assert error.fields == {"opens": "13:30"}


@pytest.mark.parametrize(("hh", "mm"), [(17, 0), (17, 10), (17, 30), (20, 0), (23, 59)])
def test_after_the_last_cutoff_no_more_tickets_are_issued(hall: OpeningHours, hh: int, mm: int) -> None:
    error = rejection(hall, at(MONDAY, hh, mm))
    assert error.code == "hall.after_cutoff"


@pytest.mark.parametrize("day", [SATURDAY, SUNDAY])
def test_a_day_without_periods_is_closed(hall: OpeningHours, day: date) -> None:
    error = rejection(hall, at(day, 10, 0))
    assert error.code == "hall.closed_today"


def test_the_weekday_is_taken_in_hall_time_not_utc(hall: OpeningHours) -> None:
    # Monday 09:00 in Shanghai is still Monday 01:00 UTC; Saturday 07:00 Shanghai is Friday 23:00 UTC.
    hall.check_issue(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    assert rejection(hall, datetime(2026, 3, 6, 23, 0, tzinfo=UTC)).code == "hall.closed_today"


def test_the_same_instant_seen_from_another_timezone_gives_the_same_answer(hall: OpeningHours) -> None:
    instant = at(MONDAY, 9, 0).astimezone(ZoneInfo("America/New_York"))
    hall.check_issue(instant)


def test_without_cutoff_issuing_runs_to_the_end_of_each_period() -> None:
    hall = OpeningHours.from_strings(WEEK)
    hall.check_issue(at(MONDAY, 11, 59, 59))
    assert rejection(hall, at(MONDAY, 12, 0)).code == "hall.lunch_break"
    hall.check_issue(at(MONDAY, 17, 29))
    assert rejection(hall, at(MONDAY, 17, 30)).code == "hall.after_cutoff"


def test_a_hall_with_no_week_configured_is_closed_every_day() -> None:
    assert rejection(OpeningHours(), at(MONDAY, 10, 0)).code == "hall.closed_today"


@given(
    instant=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    )
)
@settings(deadline=None)
def test_an_always_open_hall_issues_at_any_time(instant: datetime) -> None:
    OpeningHours.from_strings({}, always_open=True).check_issue(instant)
    OpeningHours.from_strings(WEEK, cutoff_minutes=30, always_open=True).check_issue(instant)


@given(minute_of_week=st.integers(0, 7 * 24 * 60 - 1))
@settings(deadline=None)
def test_every_minute_of_the_week_is_either_issuable_or_rejected_with_the_right_reason(
    minute_of_week: int,
) -> None:
    hall = OpeningHours.from_strings(WEEK, cutoff_minutes=30)
    local = datetime.combine(MONDAY, time(0, 0), tzinfo=SHANGHAI) + timedelta(minutes=minute_of_week)
    clock = local.time()
    try:
        hall.check_issue(local.astimezone(UTC))
    except Rejected as error:
        if local.weekday() >= 5:
            assert error.code == "hall.closed_today"
        elif clock < time(8, 30):
            assert (error.code, error.fields) == ("hall.not_open_yet", {"opens": "08:30"})
        elif clock < time(13, 30):
            assert clock >= time(11, 30)
            assert (error.code, error.fields) == ("hall.lunch_break", {"opens": "13:30"})
        else:
            assert clock >= time(17, 0)
            assert error.code == "hall.after_cutoff"
    else:
        assert local.weekday() < 5
        assert time(8, 30) <= clock < time(11, 30) or time(13, 30) <= clock < time(17, 0)


def test_a_cutoff_longer_than_an_early_period_never_opens_it() -> None:
    hall = OpeningHours.from_strings({"mon": [["00:00", "00:20"]]}, cutoff_minutes=30)
    assert rejection(hall, at(MONDAY, 15, 0)).code == "hall.after_cutoff"


@pytest.mark.parametrize(
    "week",
    [
        {"mon": [["12:00", "08:30"]]},  # ends before it starts
        {"mon": [["09:00", "09:00"]]},  # empty period
        {"monday": [["08:30", "12:00"]]},  # unknown weekday
        {"mon": [["8h30", "12:00"]]},  # not a time
        {"mon": [["08:30", "25:00"]]},  # no such hour
        {"mon": [["08:30"]]},  # missing end
        {"mon": [["08:30", "12:00", "13:00"]]},  # too many bounds
    ],
)
def test_bad_periods_are_refused_with_a_value_error(week: dict[str, list[list[str]]]) -> None:
    with pytest.raises(ValueError):
        OpeningHours.from_strings(week)
