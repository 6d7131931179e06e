"""The gateway emulator: HallQ's own gateways against it (signatures checked, one delivery per
idempotency key), and ``hallq mock-gateway`` as a process that is away, then answers."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from hardware_mocks.gateway import MockGateway
from queue_server.adapters.gateways import AliyunSmsGateway, HttpGateway, body_signature
from queue_server.services.outbox.ports import MessageRow
from queue_server.services.pii import protect_phone
from tests.support.gateway import running_gateway
from tests.support.hall_server import ROOT, free_port

KEY = b"k" * 32


def sms(key: str, phone: str = "13800138000") -> MessageRow:
    cipher = protect_phone(KEY, phone).cipher
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    payload = {
        "phone_cipher": cipher,
        "phone_masked": "138****8000",
        "text": "【测试】A001 号，请到 3 号窗口办理。",
    }
    return MessageRow(1, 1, "sms", "sms.called", key, "sms:x", payload, "pending", 0, now, now, None, None)


@pytest.fixture
def emulator() -> Iterator[MockGateway]:
    with running_gateway("s3cret") as server:
        yield server


def test_the_signed_json_gateway_is_delivered_once_per_key_and_a_wrong_secret_refused(
    emulator: MockGateway,
) -> None:
    gateway = HttpGateway(f"{emulator.url}/sms", "s3cret", KEY)
    assert gateway.send(sms("k1")).outcome == "delivered"
    assert gateway.send(sms("k1")).outcome == "delivered"  # a retried send: delivered, not twice
    assert [(r["key"], r["phone"]) for r in emulator.emulator.received] == [("k1", "13800138000")]
    assert emulator.emulator.duplicates == 1
    wrong = HttpGateway(f"{emulator.url}/sms", "guess", KEY).send(sms("k2"))
    assert (wrong.outcome, wrong.detail) == ("refused", "HTTP 401: bad signature")


def test_a_batch_is_one_request_with_a_receipt_a_message_and_a_refused_one_refused_alone(
    emulator: MockGateway,
) -> None:
    gateway = HttpGateway(f"{emulator.url}/sms", "s3cret", KEY, batch_size=50)
    emulator.emulator.unsubscribed = {"13900139000"}
    batch = [sms("b1"), sms("b2", "13900139000"), sms("b3")]
    receipts = gateway.send_many(batch)
    assert [r.outcome for r in receipts] == ["delivered", "refused", "delivered"]
    assert receipts[1].detail == "HTTP 422: 13900139000 已退订 (the number unsubscribed)"
    assert emulator.emulator.requests == 1
    assert [r["key"] for r in emulator.emulator.received] == ["b1", "b3"]
    again = gateway.send_many([sms("b3"), sms("b4")])  # b3 retried: delivered, not twice
    assert [r.outcome for r in again] == ["delivered", "delivered"]
    assert [r["key"] for r in emulator.emulator.received] == ["b1", "b3", "b4"]
    assert emulator.emulator.duplicates == 1
    assert [r.outcome for r in gateway.send_many([sms("b9")])] == ["delivered"]
    assert emulator.emulator.batches == emulator.emulator.requests == 3  # a lone message too
    wrong = HttpGateway(f"{emulator.url}/sms", "guess", KEY, batch_size=50).send_many([sms("b5"), sms("b6")])
    assert [(r.outcome, r.detail) for r in wrong] == [("refused", "HTTP 401: bad signature")] * 2
    emulator.emulator.behaviour.down_until = time.monotonic() + 60
    assert [r.outcome for r in gateway.send_many([sms("b7"), sms("b8")])] == ["failed", "failed"]


def test_the_batch_form_as_the_document_shows_it(emulator: MockGateway) -> None:
    """What a relay written from docs/notifications.md receives and must answer: one signed POST,
    ``{"messages": [...]}``, each message with its key; one result a message, in order."""
    body = json.dumps(
        {
            "messages": [
                {"key": "sms:t1:taken", "kind": "sms.taken", "phone": "13800138000", "text": "您已取号"},
                {"key": "sms:t2:taken", "kind": "sms.taken", "phone": "not a number", "text": "您已取号"},
                {"kind": "sms.taken", "phone": "13800138000", "text": "no key"},
            ]
        },
        ensure_ascii=False,
    ).encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-HallQ-Timestamp": stamp,
        "X-HallQ-Signature": body_signature("s3cret", stamp, body),
    }
    answer = httpx.post(f"{emulator.url}/sms", content=body, headers=headers, timeout=10)
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [(r["key"], r["status"]) for r in results] == [
        ("sms:t1:taken", 200),
        ("sms:t2:taken", 400),
        ("", 400),
    ]
    assert results[1]["reason"] == "no valid phone number"
    empty = json.dumps({"messages": []}).encode()
    headers["X-HallQ-Signature"] = body_signature("s3cret", stamp, empty)
    refused = httpx.post(f"{emulator.url}/sms", content=empty, headers=headers, timeout=10)
    assert refused.status_code == 400


def test_alibaba_cloud_sendsms_is_checked_with_its_signature(emulator: MockGateway) -> None:
    settings = {"url": emulator.url, "access_key_id": "testId", "sign_name": "测试", "template_code": "SMS_1"}
    assert AliyunSmsGateway(settings, "s3cret", KEY).send(sms("k3")).outcome == "delivered"
    assert emulator.emulator.received[-1]["template_param"] == {
        "text": "【测试】A001 号，请到 3 号窗口办理。"
    }
    assert (
        AliyunSmsGateway(settings, "other", KEY).send(sms("k4")).outcome == "failed"
    )  # SignatureDoesNotMatch


def test_the_emulator_away_fails_a_send_and_an_unreachable_one_too(emulator: MockGateway) -> None:
    emulator.emulator.behaviour.down_until = time.monotonic() + 60
    assert HttpGateway(f"{emulator.url}/sms", "s3cret", KEY).send(sms("k5")).outcome == "failed"
    assert (
        HttpGateway(f"http://127.0.0.1:{free_port()}/sms", "s3cret", KEY).send(sms("k6")).outcome == "failed"
    )


def test_hallq_mock_gateway_runs_away_until_told_then_accepts() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hallq",
            "mock-gateway",
            "--port",
            str(port),
            "--down-for",
            "600",
            "--slow",
            "10ms",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = b'{"phone": "13800138000", "text": "hi"}'
        stamp = str(int(time.time()))
        signature = body_signature("", stamp, body)
        headers = {"Idempotency-Key": "cli-1", "X-HallQ-Timestamp": stamp, "X-HallQ-Signature": signature}

        def post() -> int | None:
            with contextlib.suppress(httpx.TransportError):
                return httpx.post(f"{base}/sms", content=body, headers=headers).status_code
            return None

        deadline = time.monotonic() + 60
        while (away := post()) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert away == 503
        assert httpx.post(f"{base}/control", json={"down_for": 0}).json()["down"] is False
        assert post() == 200
        assert [r["key"] for r in httpx.get(f"{base}/received").json()["received"]] == ["cli-1"]
    finally:
        process.terminate()
        process.wait(10)
