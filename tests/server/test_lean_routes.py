"""The ticket and window routes answer without FastAPI's per-request dependency solving, with the
same bytes it would send; a request the lean plan does not cover gets FastAPI's own answer.
Counted (solvings), not timed."""

from __future__ import annotations

from typing import Any

import fastapi.routing
import pytest

from tests.server.conftest import Hall

# The routes are the same on either database; their services are covered on both elsewhere.
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

TICKETS = "/api/v1/tickets"


@pytest.fixture
def solved(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The routes FastAPI solved the dependencies of, from now on."""
    seen: list[str] = []
    solve = fastapi.routing.solve_dependencies

    async def counted(**kwargs: Any) -> Any:
        seen.append(str(kwargs["dependant"].path))
        return await solve(**kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counted)
    return seen


def test_a_tickets_life_has_fastapi_solve_nothing(hall: Hall, solved: list[str]) -> None:
    assert hall.act("1", "open").status_code == 200
    headers = {**hall.as_("kiosk"), "Idempotency-Key": "tap-1"}
    one = hall.client.post(TICKETS, json={"service_code": "S1"}, headers=headers)
    again = hall.client.post(TICKETS, json={"service_code": "S1"}, headers=headers)
    assert one.status_code == again.status_code == 201
    assert one.json()["number"] == again.json()["number"] == "A001"  # the header was read
    for action in ("call-next", "start"):
        assert hall.act("1", action).status_code == 200, action
    assert hall.act("1", "conclude").status_code == 200
    assert hall.client.get(f"{TICKETS}/{one.json()['token']}").status_code == 200
    assert solved == []


def test_a_pads_rating_has_fastapi_solve_nothing_and_a_repeat_answers_200(
    hall: Hall, solved: list[str]
) -> None:
    assert hall.act("1", "open").status_code == 200
    hall.issue("S1")
    for action in ("call-next", "conclude"):
        assert hall.act("1", action).status_code == 200, action
    pad = hall.as_("evaluator1")
    pending = hall.client.get("/api/v1/windows/1/pending-evaluation", headers=pad)
    assert pending.status_code == 200, pending.text
    rating = f"/api/v1/evaluations/{pending.json()['id']}/rating"
    first = hall.client.post(rating, json={"level": "satisfied"}, headers=pad)
    again = hall.client.post(rating, json={"level": "satisfied"}, headers=pad)
    assert (first.status_code, again.status_code) == (201, 200), (first.text, again.text)
    assert again.json() == first.json()
    assert solved == []
    not_a_row = hall.client.post("/api/v1/evaluations/0/rating", json={"level": "satisfied"}, headers=pad)
    assert not_a_row.status_code == 422 and solved == ["/api/v1/evaluations/{evaluation_id}/rating"]


def test_what_the_plan_does_not_cover_gets_fastapis_own_answer(hall: Hall, solved: list[str]) -> None:
    kiosk = hall.as_("kiosk")
    missing = hall.client.post(TICKETS, json={}, headers=kiosk)
    assert missing.status_code == 422 and missing.json()["code"] == "request.invalid"
    long_key = {**kiosk, "Idempotency-Key": "k" * 81}  # the header's max_length, checked as before
    too_long = hall.client.post(TICKETS, json={"service_code": "S1"}, headers=long_key)
    assert too_long.status_code == 422 and too_long.json()["code"] == "request.invalid"
    as_text = hall.client.post(
        TICKETS, content=b"service_code=S1", headers={**kiosk, "Content-Type": "text/plain"}
    )
    assert as_text.status_code == 422
    assert solved == [TICKETS] * 3
    assert hall.client.post(TICKETS, json={"service_code": "S1"}).status_code == 401


def _answers(hall: Hall, token: str) -> list[tuple[int, bytes, list[tuple[str, str]]]]:
    """A few answers, whole: status, body bytes and headers (the request id left out)."""
    kiosk = hall.as_("kiosk")
    responses = [
        hall.client.get(f"{TICKETS}/{token}"),
        hall.client.get("/api/v1/windows/1", headers=hall.as_("clerk1")),
        hall.client.post(TICKETS, json={"service_code": "NOPE"}, headers=kiosk),
        hall.client.post(TICKETS, json={"service_code": 5}, headers=kiosk),
        hall.client.post(TICKETS, json={"service_code": "S1"}),
        hall.client.post("/api/v1/windows/1/transfer", json={}, headers=hall.as_("clerk1")),
        hall.client.get("/api/v1/evaluations/abc", headers=hall.as_("manager")),
        hall.client.get("/api/v1/evaluations/999", headers=hall.as_("manager")),
        hall.client.post(f"{TICKETS}/no-such-token/cancel"),
    ]
    return [
        (r.status_code, r.content, [(k, v) for k, v in r.headers.items() if k != "x-request-id"])
        for r in responses
    ]


def test_lean_answers_are_fastapis_byte_for_byte(hall: Hall, solved: list[str]) -> None:
    token = hall.issue("S1")["token"]
    lean = _answers(hall, token)
    assert len(solved) == 3  # the two invalid bodies and the id that is not a number
    overrides: dict[Any, Any] = hall.client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[object()] = object  # any override: every request is FastAPI's to solve
    try:
        full = _answers(hall, token)
    finally:
        overrides.clear()
    assert len(solved) == 3 + 9
    assert lean == full
    assert [status for status, _body, _headers in lean] == [200, 200, 404, 422, 401, 422, 422, 404, 404]
