"""Demand by kind of day on the hall's working calendar (holidays, 调休) and the season factor."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from queue_server.domain.simulation.history import (
    HOLIDAY,
    MAKEUP,
    YEAR,
    Journey,
    Season,
    Visit,
    clerk_pace,
    day_kind,
    learn,
    season,
)
from queue_server.domain.workdays import WorkingCalendar

NATIONAL_DAY = date(2026, 10, 1)  # a Thursday
MAKEUP_SATURDAY = date(2026, 10, 10)
CALENDAR = WorkingCalendar(holidays=frozenset({NATIONAL_DAY}), workdays=frozenset({MAKEUP_SATURDAY}))


def tickets(day: date, count: int, hour: int = 10) -> list[Journey]:
    at = hour * 3600.0
    return [Journey(i, day, "S1", at, visits=[Visit("S1", at)]) for i in range(count)]


@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)))
def test_a_day_is_its_weekday_unless_the_calendar_says_holiday_or_make_up_day(day: date) -> None:
    assert day_kind(day, WorkingCalendar()) == day.weekday()
    assert day_kind(day, WorkingCalendar(holidays=frozenset({day}))) == HOLIDAY
    as_makeup = day_kind(day, WorkingCalendar(workdays=frozenset({day})))
    assert as_makeup == (MAKEUP if day.weekday() >= 5 else day.weekday())  # a weekday worked is a weekday


def test_holidays_and_make_up_days_do_not_blur_the_weekdays_they_fall_on() -> None:
    thursdays = [NATIONAL_DAY + timedelta(days=7 * k) for k in (-2, -1)]
    saturdays = [MAKEUP_SATURDAY - timedelta(days=7 * k) for k in (1, 2)]
    journeys = [
        *(j for d in thursdays for j in tickets(d, 30)),
        *tickets(NATIONAL_DAY, 2),  # the hall opened for a few on the holiday
        *(j for d in saturdays for j in tickets(d, 4)),
    ]
    known = learn(journeys, CALENDAR).services["S1"]
    assert known.rates(3) == (known.hourly[3], 2) and known.hourly[3][10] == 30.0  # Thursdays: 30
    assert known.rates(HOLIDAY)[0][10] == 2.0
    assert known.rates(5)[0][10] == 4.0  # Saturdays: 4
    # No 调休 day seen yet: it takes the working weekdays' mean (the Thursdays), not the Saturdays'.
    assert known.rates(MAKEUP) == (known.hourly[3], 2)
    with_makeup = learn([*journeys, *tickets(MAKEUP_SATURDAY, 25)], CALENDAR).services["S1"]
    assert with_makeup.rates(MAKEUP)[0][10] == 25.0 and with_makeup.days[MAKEUP] == 1
    assert with_makeup.spec(MAKEUP, factor=1.2).rates[10] == 30.0  # 25 a day this season's 1.2 times


def _per_day(level_before: float, level_around: float, day: date) -> dict[date, int]:
    then = day - timedelta(days=YEAR)
    out = {}
    for offset in range(-56, 15):
        d = then + timedelta(days=offset)
        if d.weekday() < 5:
            out[d] = round(level_around if offset >= -14 else level_before)
    return out


def test_the_season_is_last_year_s_swing_with_the_days_behind_it() -> None:
    day = date(2026, 7, 15)  # a Wednesday
    per_day = _per_day(100, 150, day)  # last year: 150 a day from a fortnight before the date on
    found = season(per_day, day, WorkingCalendar(), 56)
    assert found.days == 21 and found.baseline_days == 40  # weekdays within 14 days; in the 8 weeks before
    # The baseline's last fortnight was already at 150: (30 × 100 + 10 × 150) / 40 = 112.5.
    assert found.factor == 150 / 112.5
    holiday = date(2025, 7, 16)  # a year back, declared a holiday: not an ordinary day
    assert season(per_day, day, WorkingCalendar(holidays=frozenset({holiday})), 56).days == 20
    assert season({}, day, WorkingCalendar(), 56) == Season(1.0, 0, 0)  # no history a year back


@given(st.integers(1, 5000), st.dates(date(2001, 1, 1), date(2099, 12, 31)))
def test_a_flat_year_has_no_season(level: int, day: date) -> None:
    found = season(_per_day(level, level, day), day, WorkingCalendar(), 56)
    assert found.factor == 1.0 and found.days >= 5


def served(window: str, handles: list[float], first_id: int = 0) -> list[Journey]:
    day = date(2026, 3, 2)
    out = []
    for i, seconds in enumerate(handles):
        at = 9 * 3600.0 + i * 60
        visit = Visit("S1", at, called=at, window=window, ended=at + seconds, outcome="concluded")
        out.append(Journey(first_id + i, day, "S1", at, visits=[visit]))
    return out


def test_a_window_whose_handling_differs_significantly_gets_its_own_pace() -> None:
    slow = [600.0 + 10 * (i % 7) for i in range(30)]
    quick = [300.0 + 10 * (i % 5) for i in range(30)]
    known = learn([*served("1", slow), *served("2", quick, 100)])
    pace = known.window_pace()
    assert set(pace) == {"1", "2"} and pace["1"][0][0] == "S1"
    assert pace["1"][0][1] > 1.3 and pace["2"][0][1] < 0.7  # each against the service's mean
    few = learn([*served("1", slow[:10]), *served("2", quick, 100)])
    assert few.window_pace() == {}  # ten times are too few to tell a window apart


@given(st.lists(st.floats(30.0, 3600.0), min_size=20, max_size=60))
def test_windows_with_the_same_handling_times_share_the_service_s_pace(handles: list[float]) -> None:
    assert learn([*served("1", handles), *served("2", handles, 1000)]).window_pace() == {}


def test_a_parked_ticket_s_call_back_is_not_counted_in_the_clerk_s_turnaround() -> None:
    """A window parks a ticket (挂起), serves two others, calls the parked one back and then the
    next, each press 30 s after the previous ticket ended or was parked. The replay spends both of
    the parked ticket's stretches at its first call, so the call back's 110 s must not also count as
    the clerk's delay before the next call (taken as one stay from its first call to its end, the
    parked ticket hid two of the gaps and stretched another: 30 and 170 s, a mean of 100 s)."""
    day = date(2026, 3, 2)
    nine = 9 * 3600.0

    def ticket(number: int, called: float, ended: float, **parked: float) -> Journey:
        visit = Visit("S1", nine, nine + called, "1", nine + ended, "concluded", **parked)
        return Journey(number, day, "S1", nine, visits=[visit])

    journeys = [
        ticket(1, 10, 510, parked_for=60.0, resumed=nine + 400),  # parked at +70, called back at +400
        ticket(2, 100, 200),
        ticket(3, 230, 370),
        ticket(4, 540, 700),
    ]
    pace = clerk_pace(journeys, {"1": [(nine, nine + 3600)]})
    assert pace.turnaround == 30.0


def test_a_day_s_pace_keeps_each_clerk_s_delay_for_the_replay() -> None:
    """Besides the means, the day's pace keeps for a replay each window's gap after a ticket while
    people waited (by the time it freed), each newcomer's delay before an idle window called it (by
    ticket), and each window's delay from opening to its first call of someone already waiting."""
    day = date(2026, 3, 2)
    nine = 9 * 3600.0

    def ticket(number: int, window: str, queued: float, called: float, ended: float) -> Journey:
        visit = Visit("S1", nine + queued, nine + called, window, nine + ended, "concluded")
        return Journey(number, day, "S1", nine + queued, visits=[visit])

    journeys = [
        ticket(1, "1", -60, 20, 300),  # waited for the window to open at 9:00: 20 s to its call
        ticket(2, "1", 100, 340, 500),  # waited: window 1's gap after ticket 1 is 40 s
        ticket(5, "2", -30, 30, 150),  # window 2 opened 30 s before its first call
        ticket(3, "2", 200, 212, 400),  # window 2 idle: called 12 s after it came
        ticket(4, "1", 600, 609, 700),  # window 1 idle again: 9 s
    ]
    pace = clerk_pace(journeys, {"1": [(nine, nine + 3600)], "2": [(nine, nine + 3600)]})
    assert pace.recorded.after == (("1", ((nine + 300, 40.0),)),)
    assert pace.recorded.opened == (("1", nine, 20.0), ("2", nine, 30.0))
    assert pace.answered == {3: 12.0, 4: 9.0}
    assert sorted(pace.recorded.reactions) == [9.0, 12.0] and pace.recorded.turnarounds == (40.0,)
    assert (pace.turnaround, pace.reaction, pace.opening) == (40.0, 10.5, 25.0)
