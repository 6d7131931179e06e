"""Press times that cannot be forged: only a pad's press time is taken from the device; a web page,
kiosk or console rating is pressed when the server receives it, and nothing is pressed before its question."""

from __future__ import annotations

from datetime import timedelta

from queue_server.services.operations.housekeeping import chores
from tests.server.conftest import Hall
from tests.server.test_evaluations_api import concluded, evaluation_of, rate


def test_a_web_rating_on_an_unrated_case_cannot_claim_an_early_press_time(hall: Hall) -> None:
    hall.open_all()
    ticket = concluded(hall)
    hall.clock.advance(seconds=300)
    hall.runtime.write_sync(lambda uow: chores(uow, 1))
    evaluation = evaluation_of(hall, ticket)
    assert evaluation["status"] == "unrated"
    forged = (hall.clock.now - timedelta(days=365)).isoformat()
    response = rate(
        hall, evaluation["id"], who="", level="satisfied", ticket_token=ticket["token"], pressed_at=forged
    )
    assert response.status_code == 409 and response.json()["code"] == "evaluation.closed"
    assert evaluation_of(hall, ticket)["status"] == "unrated"


def test_a_web_rating_is_pressed_when_the_server_receives_it(hall: Hall) -> None:
    hall.open_all()
    ticket = concluded(hall)
    hall.clock.advance(seconds=30)
    claimed = (hall.clock.now - timedelta(seconds=25)).isoformat()
    evaluation = evaluation_of(hall, ticket)
    response = rate(
        hall, evaluation["id"], who="", level="satisfied", ticket_token=ticket["token"], pressed_at=claimed
    )
    assert response.status_code == 201, response.text
    got = response.json()
    assert got["pressed_at"] == got["recorded_at"] and got["late"] is False


def test_a_pad_press_before_its_question_is_refused_with_a_clear_error(hall: Hall) -> None:
    hall.open_all()
    ticket = concluded(hall)
    evaluation = evaluation_of(hall, ticket)
    before = (hall.clock.now - timedelta(minutes=10)).isoformat()
    response = rate(hall, evaluation["id"], level="satisfied", pressed_at=before)
    assert response.status_code == 409
    error = response.json()
    assert error["code"] == "evaluation.pressed_before_question"
    assert "早于评价请求" in error["message"] and "precedes the question" in error["message_en"]
    assert evaluation_of(hall, ticket)["status"] == "pending"
    within = rate(hall, evaluation["id"], level="satisfied", pressed_at=hall.clock.now.isoformat())
    assert within.status_code == 201, within.text
