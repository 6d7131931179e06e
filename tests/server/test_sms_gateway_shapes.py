"""A hall's generic HTTP SMS gateway, shaped as its contract wants: method, field templates, JSON or
form, signature scheme, set through the settings API, checked when saved, and sent by the server's
own dispatcher to the gateway emulator over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hardware_mocks.gateway import MockGateway
from tests.server.conftest import Hall
from tests.support.gateway import running_gateway

SECRET_ENV = "HALLQ_TEST_SHAPED_SECRET"
PHONE = "13800138000"
BODY = {
    "mobile": "{phone}",
    "content": "{text}",
    "tpl": "{template_code}",
    "params": "{template_params}",
    "ref": "{key}",
    "sent_at": "{timestamp}",
    "note": "{{literal}} {kind}",
}
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def signed_gateway() -> Iterator[MockGateway]:
    """The emulator checking both signature schemes with the test's secret."""
    with running_gateway("shaped-secret") as server:
        yield server


@pytest.fixture(scope="module")
def open_gateway() -> Iterator[MockGateway]:
    """The emulator of a contract without signatures (it checks none)."""
    with running_gateway("") as server:
        yield server


def put_gateway(hall: Hall, **gateway: Any) -> Any:
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()
    current["notices"] = {"enabled": True, "gateway": {"kind": "http", "secret_env": SECRET_ENV, **gateway}}
    return hall.client.put("/api/v1/hall/settings", json=current, headers=hall.as_("manager"))


@pytest.mark.parametrize(
    ("gateway", "code", "zh", "en"),
    [
        ({"body": {"to": "{mobile}"}}, "settings.gateway_placeholder", "未知的占位符", "unknown placeholder"),
        ({"body": {"to": "{phone"}}, "settings.gateway_template", "模板写法有误", "not a valid template"),
        ({"body": {"to": "{phone!r}"}}, "settings.gateway_template", "模板写法有误", "not a valid template"),
        ({"body": {"content": "{text}"}}, "settings.gateway_no_phone", "手机号码", "number's placeholder"),
        ({"method": "GET"}, "settings.gateway_needs_body", "请求字段模板", "field templates"),
        (
            {"body": {"to": "{phone}", "content": "{text}"}, "batch_size": 20},
            "settings.gateway_batch_shape",
            "HallQ JSON",
            "HallQ's JSON",
        ),
        (
            {"body": {"to": "{phone}"}, "signature": "aliyun_rpc"},
            "settings.gateway_rpc_form",
            "不能签 JSON",
            "not a JSON body",
        ),
    ],
)
def test_a_gateway_template_the_server_could_never_send_is_refused_when_saved(
    hall: Hall, gateway: dict[str, Any], code: str, zh: str, en: str
) -> None:
    before = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()
    refused = put_gateway(hall, url="http://127.0.0.1:9/generic", **gateway)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == code
    assert zh in refused.json()["message"] and en in refused.json()["message_en"]
    assert hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json() == before


def test_the_push_s_request_fields_may_name_only_what_a_rating_fills_in(hall: Hall) -> None:
    """The 好差评 push carries a rating, no number and no text: its request fields may use the key,
    the time, the kind and the data, and the settings page lists those (and no SMS ones) for it."""
    manager = hall.as_("manager")
    kinds = hall.client.get("/api/v1/hall/settings/notice-kinds", headers=manager).json()
    assert kinds["push_placeholders"] == ["key", "timestamp", "kind", "data"]
    assert {"phone", "text"} <= set(kinds["gateway_placeholders"])  # the SMS gateway's list
    current = hall.client.get("/api/v1/hall/settings", headers=manager).json()
    push = {"kind": "http", "url": "http://127.0.0.1:9/generic", "method": "PUT", "body_format": "form"}
    fields = {"data": "{data}", "id": "{key}", "at": "{timestamp}", "what": "{kind}"}
    current["evaluation_push"] = {"enabled": True, "gateway": {**push, "body": fields}}
    assert hall.client.put("/api/v1/hall/settings", json=current, headers=manager).status_code == 200
    for sms_only in ("phone", "text", "template_code", "template_params"):
        current["evaluation_push"]["gateway"]["body"] = {**fields, "extra": f"{{{sms_only}}}"}
        refused = hall.client.put("/api/v1/hall/settings", json=current, headers=manager)
        assert refused.status_code == 422, refused.text
        said = refused.json()
        assert (said["code"], said["fields"]["at"], said["fields"]["name"]) == (
            "settings.gateway_placeholder",
            "evaluation_push.gateway.body",
            sms_only,
        )
        assert said["fields"]["known"] == "key, timestamp, kind, data"
    kept = hall.client.get("/api/v1/hall/settings", headers=manager).json()["evaluation_push"]["gateway"]
    assert kept["body"] == fields


def received(gateway: MockGateway, timeout: float = 60) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with gateway.emulator.lock:
            seen = [r for r in gateway.emulator.received if r["path"] == "/generic"]
        if seen:
            return seen
        time.sleep(0.05)
    return []


@pytest.mark.parametrize(
    ("method", "body_format", "signature"),
    [("POST", "json", "hmac_sha256"), ("PUT", "form", "aliyun_rpc"), ("GET", "form", "none")],
)
def test_the_taken_notice_reaches_the_gateway_in_the_shape_the_hall_set(
    hall: Hall,
    signed_gateway: MockGateway,
    open_gateway: MockGateway,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    body_format: str,
    signature: str,
) -> None:
    monkeypatch.setenv(SECRET_ENV, "shaped-secret")
    gateway = open_gateway if signature == "none" else signed_gateway
    gateway.emulator.received.clear()
    gateway.emulator.keys.clear()
    shape = {"method": method, "body_format": body_format, "signature": signature, "body": BODY}
    saved = put_gateway(
        hall, url=f"{gateway.url}/generic", template_code="SMS_1", access_key_id="LTAI-test", **shape
    )
    assert saved.status_code == 200, saved.text
    assert {k: saved.json()["notices"]["gateway"][k] for k in shape} == shape
    ticket = hall.issue("S1", phone=PHONE, sms=True)
    (got,) = received(gateway)
    assert (got["method"], got["format"], got["key"]) == (method, body_format, f"sms:{ticket['token']}:taken")
    fields = got["fields"]
    assert fields["mobile"] == PHONE and ticket["number"] in fields["content"]
    assert fields["tpl"] == "SMS_1" and json.loads(fields["params"]) == {"text": fields["content"]}
    assert fields["ref"] == got["key"] and fields["sent_at"].endswith("Z")
    assert fields["note"] == "{literal} sms.taken"
    if signature == "aliyun_rpc":  # the RPC scheme's own parameters were signed with the fields
        assert fields["AccessKeyId"] == "LTAI-test" and fields["SignatureMethod"] == "HMAC-SHA1"
    assert gateway.emulator.duplicates == 0


def test_a_send_signed_with_the_wrong_secret_is_refused_by_the_gateway_and_given_up(
    hall: Hall, signed_gateway: MockGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "not-the-gateways-secret")
    signed_gateway.emulator.received.clear()
    shape = {"method": "POST", "body_format": "form", "signature": "hmac_sha256", "body": BODY}
    assert put_gateway(hall, url=f"{signed_gateway.url}/generic", **shape).status_code == 200
    hall.issue("S1", phone=PHONE, sms=True)
    deadline, dead = time.monotonic() + 60, []
    while not dead and time.monotonic() < deadline:
        dead = hall.client.get("/api/v1/outbox", headers=hall.as_("manager")).json()["dead"]
        time.sleep(0.05)
    assert [m["kind"] for m in dead] == ["sms.taken"] and "bad signature" in dead[0]["last_error"]
    assert PHONE not in json.dumps(dead)  # the manager sees the number masked, never whole
    assert not [r for r in signed_gateway.emulator.received if r["path"] == "/generic"]
