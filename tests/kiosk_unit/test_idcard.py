"""What the citizen types is checked before it is sent."""

from __future__ import annotations

import pytest

from kiosk.idcard import clean, grouped, id_number_valid, phone_valid


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_real_id_numbers_pass(number: str) -> None:
    assert id_number_valid(number)


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check digit
        "11010519491331002X",  # month 13
        "1101051949123100",  # too short
        "11010519491231002Y",
        "",
    ],
)
def test_wrong_id_numbers_are_caught(number: str) -> None:
    assert not id_number_valid(number)


def test_spaces_and_a_small_x_are_forgiven() -> None:
    assert clean("110105 19491231 002x") == "11010519491231002X"
    assert id_number_valid("110105 19491231 002x")


def test_mobile_numbers() -> None:
    assert phone_valid("13812345678") and phone_valid("199 1234 5678")
    assert not phone_valid("12812345678") and not phone_valid("1381234567")


def test_numbers_are_shown_in_groups() -> None:
    assert grouped("11010519491231002X", "id") == "110105 19491231 002X"
    assert grouped("13812345678", "phone") == "138 1234 5678"
    assert grouped("1381", "phone") == "138 1"
