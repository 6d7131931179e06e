"""Ticket numbers: a prefix and a zero-padded daily sequence, never reused; caps per business day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.numbering import PREFIX_PATTERN, business_day, cap_reached, format_number

prefixes = st.from_regex(PREFIX_PATTERN, fullmatch=True)


def test_a_number_is_the_prefix_and_the_sequence_padded_to_three_digits() -> None:
    assert format_number("A", 1) == "A001"
    assert format_number("A", 42) == "A042"
    assert format_number("VP", 7) == "VP007"


def test_the_padding_width_is_configurable() -> None:
    assert format_number("A", 1, width=4) == "A0001"
    assert format_number("B", 12, width=2) == "B12"


def test_past_the_padding_width_the_number_simply_grows() -> None:
    assert format_number("A", 999) == "A999"
    assert format_number("A", 1000) == "A1000"
    assert format_number("A", 12345, width=4) == "A12345"


@pytest.mark.parametrize("seq", [0, -1])
def test_sequence_numbers_start_at_one(seq: int) -> None:
    with pytest.raises(ValueError):
        format_number("A", seq)


@given(prefix=prefixes, seq=st.integers(1, 10**6), width=st.integers(1, 6))
@settings(deadline=None)
def test_a_number_is_prefix_then_digits_at_least_width_long_that_read_back_as_the_sequence(
    prefix: str, seq: int, width: int
) -> None:
    number = format_number(prefix, seq, width)
    assert number.startswith(prefix)
    digits = number[len(prefix) :]
    assert digits.isdigit()
    assert len(digits) == max(width, len(str(seq)))
    assert int(digits) == seq


@given(prefix=prefixes, count=st.integers(1, 3000), width=st.integers(1, 5))
@settings(deadline=None, max_examples=50)
def test_numbers_for_sequences_one_to_n_are_all_different(prefix: str, count: int, width: int) -> None:
    numbers = [format_number(prefix, seq, width) for seq in range(1, count + 1)]
    assert len(set(numbers)) == count


def test_prefixes_are_one_or_two_capital_letters() -> None:
    assert PREFIX_PATTERN.match("A")
    assert PREFIX_PATTERN.match("VP")
    assert not PREFIX_PATTERN.match("")
    assert not PREFIX_PATTERN.match("ABC")
    assert not PREFIX_PATTERN.match("a")
    assert not PREFIX_PATTERN.match("A1")


def test_the_business_day_in_shanghai_starts_at_sixteen_hundred_utc() -> None:
    assert business_day(datetime(2026, 1, 1, 17, 0, tzinfo=UTC), "Asia/Shanghai") == date(2026, 1, 2)
    assert business_day(datetime(2026, 1, 1, 16, 0, tzinfo=UTC), "Asia/Shanghai") == date(2026, 1, 2)
    assert business_day(datetime(2026, 1, 1, 15, 59, 59, tzinfo=UTC), "Asia/Shanghai") == date(2026, 1, 1)


def test_the_business_day_follows_the_hall_timezone_not_utc() -> None:
    now = datetime(2026, 1, 1, 17, 0, tzinfo=UTC)
    assert business_day(now, "UTC") == date(2026, 1, 1)
    assert business_day(now, "Asia/Urumqi") == date(2026, 1, 1)  # UTC+6: 23:00 the same day


def test_no_cap_is_never_reached() -> None:
    assert not cap_reached(0, None)
    assert not cap_reached(10**9, None)


def test_the_cap_is_reached_once_that_many_tickets_were_issued() -> None:
    assert not cap_reached(0, 3)
    assert not cap_reached(2, 3)
    assert cap_reached(3, 3)
    assert cap_reached(4, 3)


def test_a_cap_of_zero_allows_no_ticket() -> None:
    assert cap_reached(0, 0)


@given(issued=st.integers(0, 1000), cap=st.integers(0, 1000))
@settings(deadline=None)
def test_the_cap_is_reached_exactly_when_issued_is_at_least_the_cap(issued: int, cap: int) -> None:
    assert cap_reached(issued, cap) == (issued >= cap)
