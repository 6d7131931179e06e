"""Appointments: booking codes, slot times on the hall's clock, and the check-in window."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.appointments import (
    ALPHABET,
    CODE_LENGTH,
    CheckIn,
    check_in_window,
    check_slot,
    is_missed,
    new_code,
    normalise_code,
    slot_bounds,
)
from queue_server.domain.errors import Rejected

MONDAY = date(2026, 3, 2)
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
END = START + timedelta(minutes=30)
GRACE = timedelta(minutes=10)
LATE = timedelta(minutes=15)

minutes = st.integers(0, 240).map(lambda m: timedelta(minutes=m))
offsets = st.integers(-600, 600).map(lambda m: timedelta(minutes=m))


def test_the_alphabet_leaves_out_characters_people_mistake_for_one_another() -> None:
    assert not set("01OIL") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 31


def test_a_new_code_is_eight_characters_of_the_alphabet() -> None:
    code = new_code()
    assert len(code) == CODE_LENGTH == 8
    assert set(code) <= set(ALPHABET)


def test_codes_drawn_in_a_row_are_all_different() -> None:
    assert len({new_code() for _ in range(2000)}) == 2000


@given(seed=st.integers(0, 2**32))
def test_a_code_reads_back_as_itself_however_it_is_typed(seed: int) -> None:
    code = new_code(random.Random(seed).choice)
    spaced = f" {code[:4].lower()}-{code[4:]} "
    assert normalise_code(code) == normalise_code(spaced) == code


@pytest.mark.parametrize("typed", ["", "ABCD234", "ABCD23456", "ABCD2O45", "ABCD1234", "ABCD234!"])
def test_a_code_of_the_wrong_length_or_with_foreign_characters_is_refused(typed: str) -> None:
    with pytest.raises(Rejected) as refused:
        normalise_code(typed)
    assert refused.value.code == "appointment.invalid_code"


def test_a_slot_must_end_after_it_starts() -> None:
    check_slot(time(9, 0), time(9, 30))
    with pytest.raises(Rejected) as refused:
        check_slot(time(9, 30), time(9, 30))
    assert refused.value.code == "request.invalid"


def test_slot_times_are_read_on_the_halls_wall_clock_and_given_in_utc() -> None:
    begins, ends = slot_bounds(MONDAY, time(10, 0), time(10, 30), "Asia/Shanghai")
    assert (begins, ends) == (START, END)
    assert begins.tzinfo is UTC


def test_an_evening_slot_in_a_western_time_zone_falls_on_the_next_utc_day() -> None:
    begins, _ = slot_bounds(MONDAY, time(19, 0), time(20, 0), "America/New_York")
    assert begins == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)


def test_check_in_opens_at_the_grace_before_the_slot_and_closes_at_the_late_window_after_it() -> None:
    def at(delta: timedelta) -> CheckIn:
        return check_in_window(START, END, START + delta, GRACE, LATE)

    assert at(timedelta(minutes=-11)) is CheckIn.EARLY
    assert at(timedelta(minutes=-10)) is CheckIn.OK
    assert at(timedelta(minutes=45)) is CheckIn.OK  # end + 15 minutes, still in time
    assert at(timedelta(minutes=45, seconds=1)) is CheckIn.LATE


@given(offset=offsets, length=st.integers(1, 240), grace=minutes, late=minutes)
@settings(deadline=None)
def test_the_window_is_early_then_ok_then_late_and_late_exactly_when_missed(
    offset: timedelta, length: int, grace: timedelta, late: timedelta
) -> None:
    end = START + timedelta(minutes=length)
    now = START + offset
    decision = check_in_window(START, end, now, grace, late)
    assert (decision is CheckIn.EARLY) == (now < START - grace)
    assert (decision is CheckIn.LATE) == is_missed(end, now, late)
    later = check_in_window(START, end, now + timedelta(minutes=1), grace, late)
    order = [CheckIn.EARLY, CheckIn.OK, CheckIn.LATE]
    assert order.index(later) >= order.index(decision)


@given(offset=offsets, grace=minutes, late=minutes)
@settings(deadline=None)
def test_during_the_slot_itself_check_in_is_always_open(
    offset: timedelta, grace: timedelta, late: timedelta
) -> None:
    now = min(max(START + offset, START), END)
    assert check_in_window(START, END, now, grace, late) is CheckIn.OK
