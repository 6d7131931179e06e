"""Hostile and malformed input: every case answers a 4xx JSON error with a stable code, never a 5xx.

Each case below once answered 500 (found by schemathesis over the OpenAPI, see tests/fuzz/).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hallq.bootstrap import make_runtime
from queue_server.api.app import create_app
from queue_server.config import ServerSettings
from tests.server.conftest import Clock, Hall, make_tokens


def refused(response: Any, status: int = 422, code: str | None = None) -> dict[str, Any]:
    """The response is a JSON error with a code and both messages."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert body["code"] and body["message"] and body["message_en"], body
    if code is not None:
        assert body["code"] == code, body
    return body


def raw_post(hall: Hall, url: str, text: str, who: str = "manager") -> Any:
    headers = {**hall.as_(who), "Content-Type": "application/json"}
    return hall.client.post(url, content=text.encode("utf-8", "surrogatepass"), headers=headers)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/evaluations/9223372036854775808",
        "/api/v1/evaluations/-9223372036854775809",
        "/api/v1/complaints/601924388618589123530194944",
        "/api/v1/complaints/18446744073709551616",
    ],
)
def test_a_path_id_beyond_64_bits_is_refused(hall: Hall, url: str) -> None:
    refused(hall.client.get(url, headers=hall.as_("manager")))


def test_a_path_id_beyond_64_bits_in_a_change_is_refused(hall: Hall) -> None:
    response = hall.client.post(
        "/api/v1/cases/1300529170284353578598400/complete", headers=hall.as_("manager")
    )
    refused(response)


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/evaluations?date_from=0001-01-01",
        "/api/v1/evaluations?date_to=9999-12-31",
        "/api/v1/evaluations/indicators?date_from=0001-01-01",
        "/api/v1/praise?date_from=0001-01-01&date_to=9999-12-31",
        "/api/v1/complaints?date_from=0001-01-01",
        "/api/v1/reports/figures?date_from=0001-01-01&date_to=0001-01-02",
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_refused(hall: Hall, query: str) -> None:
    refused(hall.client.get(query, headers=hall.as_("manager")))


@pytest.mark.parametrize("month", ["0000-01", "0001-01", "9999-12"])
def test_a_month_outside_the_calendar_is_refused(hall: Hall, month: str) -> None:
    manager = hall.as_("manager")
    refused(hall.client.get(f"/api/v1/assessment/{month}", headers=manager), 409, "assessment.bad_month")
    refused(hall.client.get(f"/manager/reports/monthly?month={month}", headers=manager), 409)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_refused(hall: Hall, number: str) -> None:
    headers = {**hall.as_("manager"), "Content-Type": "application/json"}
    body = '{"avg_handle_minutes": NUMBER}'.replace("NUMBER", number)
    response = hall.client.patch("/api/v1/catalogue/services/S1", content=body, headers=headers)
    refused(response, 422, "request.invalid")
    body = '[{"service_code": "S1", "weight": NUMBER}]'.replace("NUMBER", number)
    refused(hall.client.put("/api/v1/windows/1/assignments", content=body, headers=headers), 422)
    service = hall.client.get("/api/v1/catalogue/services/S1", headers=hall.as_("manager")).json()
    assert service["avg_handle_minutes"] == 5


def test_a_lone_surrogate_in_a_string_is_refused(hall: Hall) -> None:
    response = raw_post(hall, "/api/v1/complaints", '{"category": "fees", "summary": "\\ud800"}')
    refused(response, 422, "request.invalid")
    rubric = hall.client.get("/api/v1/assessment/rubric", headers=hall.as_("manager")).json()
    text = json.dumps(rubric)
    at = text.index('"name": "') + len('"name": "')
    broken = text[:at] + "\\ud800" + text[at:]  # free JSON: no model stands between it and the table
    response = hall.client.put(
        "/api/v1/assessment/rubric",
        content=broken.encode(),
        headers={**hall.as_("manager"), "Content-Type": "application/json"},
    )
    refused(response, 422, "request.invalid")
    assert hall.client.get("/api/v1/assessment/rubric", headers=hall.as_("manager")).json() == rubric


@pytest.mark.parametrize(
    "body",
    [
        '{"category": "fees", "summary": "a\\u0000b"}',
        '{"category": "fees", "summary": "ok", "channel": "\\u0000"}',
    ],
)
def test_a_nul_character_in_a_body_is_refused(hall: Hall, body: str) -> None:
    refused(raw_post(hall, "/api/v1/complaints", body), 422, "request.invalid_text")
    listed = hall.client.get("/api/v1/complaints", headers=hall.as_("manager"))
    assert listed.status_code == 200 and listed.json() == []


@pytest.mark.parametrize(
    "url",
    ["/api/v1/tickets/a%00b", "/api/v1/services/S%001", "/api/v1/hall?zone=%00", "/api/v1/windows/%00"],
)
def test_a_nul_character_in_the_url_is_refused(hall: Hall, url: str) -> None:
    refused(hall.client.get(url, headers=hall.as_("manager")), 422, "request.invalid_text")


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("PUT", "/api/v1/calendar/2026-03-02", {"kind": "holiday", "periods": [["00:00", 0]]}),
        ("PUT", "/api/v1/calendar/2026-03-02", {"kind": "extended", "periods": [["18:00+08:00", "20:00"]]}),
        ("POST", "/api/v1/complaints", {"category": "fees", "summary": "x", "received_at": "2026-03-02"}),
        ("POST", "/api/v1/praise", {"kind": "letter", "window": "1", "day": "0001-01-01"}),
        ("GET", "/api/v1/audit?since=2026-03-02T09:00:00", None),
    ],
    ids=["int-time", "time-with-offset", "naive-datetime", "first-day", "naive-query"],
)
def test_times_without_a_place_in_the_halls_calendar_are_refused(
    hall: Hall, method: str, url: str, body: Any
) -> None:
    refused(hall.client.request(method, url, json=body, headers=hall.as_("manager")), 422, "request.invalid")


def test_praise_for_an_empty_window_is_refused(hall: Hall) -> None:
    body = {"kind": "letter", "day": "2026-03-02", "window": ""}
    response = hall.client.post("/api/v1/praise", json=body, headers=hall.as_("manager"))
    refused(response, 422)


def test_a_binary_websocket_message_gets_an_error_frame_and_the_socket_lives_on(hall: Hall) -> None:
    with hall.client.websocket_connect(f"/ws?token={hall.tokens['board']}") as ws:
        ws.send_bytes(b"\x00\xff binary")
        frame = ws.receive_json()
        assert frame["type"] == "error" and frame["code"] == "request.invalid", frame
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}


@pytest.mark.parametrize(
    "topic", ["ticket:a\u0000b", "ticket:" + "x" * 5000, "window:\u0000"], ids=["nul", "long", "nul-window"]
)
def test_a_hostile_websocket_topic_gets_an_error_frame(hall: Hall, topic: str) -> None:
    with hall.client.websocket_connect(f"/ws?token={hall.tokens['board']}") as ws:
        ws.send_json({"type": "subscribe", "topics": [topic]})
        frame = ws.receive_json()
        assert frame["type"] == "error", frame
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}


def test_a_websocket_text_with_a_lone_surrogate_gets_an_error_frame(hall: Hall) -> None:
    with hall.client.websocket_connect("/ws") as ws:
        ws.send_text('{"type": "subscribe", "topics": ["ticket:\\ud800"]}')
        frame = ws.receive_json()
        assert frame["type"] == "error" and frame["code"] == "request.invalid", frame
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}


def test_a_body_over_the_limit_is_refused_with_413(hall: Hall) -> None:
    huge = '{"category": "fees", "summary": "%s"}' % ("x" * (2 * 1024 * 1024))
    refused(raw_post(hall, "/api/v1/complaints", huge), 413, "request.too_large")
    chunks = (part.encode() for part in ['{"category": "fees", "summary": "', "y" * 1_100_000, '"}'])
    response = hall.client.post(
        "/api/v1/complaints",
        content=chunks,
        headers={**hall.as_("manager"), "Content-Type": "application/json"},
    )
    refused(response, 413, "request.too_large")
    assert hall.client.get("/api/v1/complaints", headers=hall.as_("manager")).json() == []


def test_the_body_limit_is_a_setting(db_url: str, templates: dict[str, str]) -> None:
    settings = ServerSettings(
        db=db_url, secret_key_file=str(Path(templates["dir"]) / "secret.key"), max_body_bytes=4096
    )
    runtime = make_runtime(settings, Clock())
    tokens = make_tokens(runtime)
    with TestClient(create_app(runtime)) as client:
        headers = {"Authorization": f"Bearer {tokens['manager']}"}
        body = {"category": "fees", "summary": "长" * 2000}  # 3 bytes a character in UTF-8
        refused(client.post("/api/v1/complaints", json=body, headers=headers), 413, "request.too_large")
        body["summary"] = "长" * 500
        assert client.post("/api/v1/complaints", json=body, headers=headers).status_code == 201


def test_a_100000_character_staff_name_is_refused(hall: Hall) -> None:
    body = {"staff_no": "X1", "name": "名" * 100_000, "role": "clerk", "password": "long-enough-pw-1"}
    refused(hall.client.post("/api/v1/staff", json=body, headers=hall.as_("admin")), 422, "request.invalid")
    listed = hall.client.get("/api/v1/staff", headers=hall.as_("admin")).json()
    assert all(person["staff_no"] != "X1" for person in listed)


def unbounded_text(schema: dict[str, Any], node: Any, where: str) -> list[str]:
    """The places in a request schema where a string has no maxLength (and no enum, format or pattern)."""
    while isinstance(node, dict) and "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    if not isinstance(node, dict):
        return []
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for part in node.get(key, []):
            found += unbounded_text(schema, part, where)
    if node.get("type") == "string" and not {"maxLength", "enum", "format", "pattern", "const"} & set(node):
        found.append(where)
    if "items" in node:
        found += unbounded_text(schema, node["items"], where + "[]")
    for name, part in node.get("properties", {}).items():
        found += unbounded_text(schema, part, f"{where}.{name}")
    if isinstance(node.get("additionalProperties"), dict):
        found += unbounded_text(schema, node["additionalProperties"], where + "{}")
    return found


def test_the_login_form_refuses_overlong_fields_before_any_password_check(hall: Hall) -> None:
    answer = hall.client.post("/api/v1/auth/login", data={"staff_no": "C1", "password": "x" * 10_000})
    assert answer.status_code == 422 and answer.json()["code"] == "request.invalid"


def test_every_free_text_field_of_a_request_body_has_a_length_limit(hall: Hall) -> None:
    schema = hall.client.get("/openapi.json").json()
    unbounded = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for kind, content in operation.get("requestBody", {}).get("content", {}).items():
                unbounded += unbounded_text(schema, content["schema"], f"{method.upper()} {path} {kind}")
    assert unbounded == []
