"""The kiosk's HTTP client: what it retries, what it does not, and one ticket per tap."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from kiosk.client import HallClient, ServerRefused, ServerUnreachable
from queue_server import contract as c

TICKET = {
    "token": "tok",
    "number": "A001",
    "service_code": "S1",
    "service_name": "事项S1",
    "status": "waiting",
    "issued_at": datetime(2026, 3, 2, 1, 0, tzinfo=UTC).isoformat(),
    "status_url": "/t/tok",
}


def client(handler: Callable[[httpx.Request], httpx.Response], retry_seconds: float = 5.0) -> HallClient:
    return HallClient(
        "http://hall",
        "secret",
        transport=httpx.MockTransport(handler),
        retry_seconds=retry_seconds,
        sleep=lambda _s: None,
    )


def issue(key: str = "tap-1") -> c.IssueTicket:
    return c.IssueTicket(service_code="S1", idempotency_key=key)


def test_a_tap_retried_after_lost_replies_carries_the_same_key_every_time() -> None:
    seen: list[tuple[str | None, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers.get("Idempotency-Key"), json.loads(request.content)["idempotency_key"]))
        if len(seen) == 1:
            raise httpx.ConnectError("refused", request=request)
        if len(seen) == 2:
            raise httpx.ReadTimeout("slow", request=request)  # it may have been issued: the key finds it
        return httpx.Response(201, json=TICKET)

    retries: list[int] = []
    ticket = client(handler).issue(issue(), on_retry=lambda attempt, _e: retries.append(attempt))
    assert ticket.number == "A001"
    assert seen == [("tap-1", "tap-1")] * 3 and retries == [1, 2]


def test_an_issue_without_a_key_is_refused_by_the_kiosk_itself() -> None:
    with pytest.raises(ValueError):
        client(lambda r: httpx.Response(201, json=TICKET)).issue(c.IssueTicket(service_code="S1"))


def test_a_reprint_whose_reply_was_lost_is_not_sent_again() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(ServerUnreachable) as failure:
        client(handler).reprint("tok")
    assert calls == ["/api/v1/tickets/tok/reprint"] and failure.value.ambiguous


def test_a_server_that_never_answers_is_given_up_after_the_retry_budget() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ServerUnreachable) as failure:
        client(handler, retry_seconds=0.0).issue(issue())
    assert failure.value.attempts == 1 and not failure.value.ambiguous


def test_a_busy_server_is_retried() -> None:
    answers = iter([httpx.Response(503, json={"code": "server.busy", "message": "忙", "message_en": "busy"})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(201, json=TICKET))

    assert client(handler).issue(issue()).token == "tok"


def test_a_refusal_carries_the_servers_words_in_both_languages() -> None:
    body = {
        "code": "ticket.id_required",
        "message": "本大厅实行实名取号，请输入身份证号码。",
        "message_en": "ID",
        "fields": {},
    }
    with pytest.raises(ServerRefused) as refusal:
        client(lambda r: httpx.Response(409, json=body)).issue(issue())
    assert refusal.value.status == 409 and refusal.value.body.code == "ticket.id_required"
    with pytest.raises(ServerRefused) as garbled:
        client(lambda r: httpx.Response(500, text="<html>oops")).services()
    assert (
        garbled.value.body.code == "server.error" and garbled.value.body.message == "系统内部错误，已记录。"
    )


def test_calls_carry_the_device_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer secret"
        return httpx.Response(204)

    client(handler).report(c.DeviceStatus(kind="printer", device="kiosk-1", state="ok"))
