"""SMS notices end to end: tickets over HTTP, the server's dispatcher, the gateway emulator on a port."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hardware_mocks.gateway import MockGateway
from tests.server.conftest import Hall
from tests.support.gateway import running_gateway

SECRET_ENV = "HALLQ_TEST_SMS_SECRET"
PHONE = "13800138000"


@pytest.fixture(scope="module")
def gateway() -> Iterator[MockGateway]:
    """The emulator on a free port, checking the HallQ signature with the test's secret."""
    with running_gateway("sms-secret") as server:
        yield server


@pytest.fixture
def sms_hall(hall: Hall, gateway: MockGateway, monkeypatch: pytest.MonkeyPatch) -> Hall:
    """Hall t1 with SMS notices on ("N ahead" at 3), sent to the emulator; window 3 open."""
    monkeypatch.setenv(SECRET_ENV, "sms-secret")
    gateway.emulator.received.clear()
    gateway.emulator.keys.clear()
    gateway.emulator.behaviour.down_until = 0.0
    notices = {
        "enabled": True,
        "ahead_at": 3,
        "page_base": "https://hall.example/",
        "gateway": {"kind": "http", "url": f"{gateway.url}/sms", "secret_env": SECRET_ENV},
    }
    assert put_settings(hall, notices=notices).status_code == 200
    assert hall.act("3", "open").status_code == 200
    return hall


def put_settings(hall: Hall, **changes: Any) -> Any:
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()
    current.update(changes)
    return hall.client.put("/api/v1/hall/settings", json=current, headers=hall.as_("manager"))


def received(
    gateway: MockGateway,
    until: Callable[[list[dict[str, Any]]], bool],
    timeout: float = 60,
    tick: Callable[[], Any] | None = None,
) -> list[Any]:
    """What the emulator accepted, once ``until`` holds for it (or the timeout passed); ``tick`` is
    called while waiting (e.g. to move the hall's clock on, as time would)."""
    deadline = time.monotonic() + timeout
    while True:
        with gateway.emulator.lock:
            seen = list(gateway.emulator.received)
        if until(seen) or time.monotonic() > deadline:
            return seen
        if tick is not None:
            tick()
        time.sleep(0.05)


def texts(seen: list[dict[str, Any]], phone: str = PHONE) -> list[str]:
    return [item["text"] for item in seen if item["phone"] == phone]


def test_a_holder_who_opted_in_hears_when_three_are_ahead_and_when_called_once_each(
    sms_hall: Hall, gateway: MockGateway
) -> None:
    hall = sms_hall
    for _ in range(4):
        hall.issue("S3")
    mine = hall.issue("S3", phone=PHONE, sms=True)
    hall.issue("S3", phone="13900139000")  # a phone, but no opt-in: nothing for this one
    assert mine["phone_masked"] == "138****8000"
    for _ in range(5):
        assert hall.act("3", "call-next").status_code == 200
        assert hall.act("3", "conclude").status_code == 200
    seen = received(gateway, lambda s: len(texts(s)) >= 3)
    got = texts(seen)
    assert (
        got[0].startswith("【测试大厅t1】您已取号 B005")
        and f"https://hall.example/t/{mine['token']}" in got[0]
    )
    assert got[1] == "【测试大厅t1】B005 号前面还有 3 人，请回到大厅等候叫号。"
    assert got[2] == "【测试大厅t1】B005 号，请到 3 号窗口办理。"
    assert not texts(seen, "13900139000")
    assert settled_figures(hall) == [("sms", 3, 0, 0)]  # nothing else written


def settled_figures(hall: Hall, timeout: float = 60) -> list[tuple[str, int, int, int]]:
    """Each destination's (sent, pending, dead) once nothing is pending (a delivery is recorded in
    the dispatcher's next writer job, a moment after the gateway received it)."""
    deadline = time.monotonic() + timeout
    while True:
        view = hall.client.get("/api/v1/outbox", headers=hall.as_("manager")).json()
        figures = [(d["destination"], d["sent"], d["pending"], d["dead"]) for d in view["destinations"]]
        if not any(pending for _, _, pending, _ in figures) or time.monotonic() > deadline:
            return figures
        time.sleep(0.05)


def test_quiet_hours_hold_every_notice(sms_hall: Hall, gateway: MockGateway) -> None:
    hall = sms_hall
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()["notices"]
    assert (
        put_settings(hall, notices={**current, "quiet_hours": ["08:00", "10:00"]}).status_code == 200
    )  # now 09:00
    hall.issue("S3", phone=PHONE, sms=True)
    hall.act("3", "call-next")
    assert hall.client.get("/api/v1/outbox", headers=hall.as_("manager")).json()["destinations"] == []


def test_opting_in_without_a_phone_is_refused_with_a_clear_error(sms_hall: Hall) -> None:
    response = sms_hall.client.post(
        "/api/v1/tickets", json={"service_code": "S3", "sms": True}, headers=sms_hall.as_("kiosk")
    )
    assert response.status_code == 409
    assert response.json()["code"] == "ticket.sms_needs_phone"
    assert response.json()["message"] == "短信告知需要手机号码。"


def test_a_gateway_away_then_back_gets_each_message_once_in_order(
    sms_hall: Hall, gateway: MockGateway
) -> None:
    hall = sms_hall
    gateway.emulator.behaviour.down_until = time.monotonic() + 3600
    tickets = [hall.issue("S3", phone=PHONE, sms=True) for _ in range(3)]
    hall.act("3", "call-next")  # the first is called: its "called" notice queues behind the others
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        figures = hall.client.get("/api/v1/outbox", headers=hall.as_("manager")).json()["destinations"]
        if figures and figures[0]["pending"] == 4 and gateway.emulator.requests > 0:
            break
        time.sleep(0.1)
    metrics = hall.client.get("/metrics").text
    assert 'hallq_outbox_pending{destination="sms",hall="t1"} 4.0' in metrics
    gateway.emulator.behaviour.down_until = 0.0
    hall.clock.advance(minutes=10)  # the retries fall due
    # The hall's clock stands still unless moved: an attempt still in flight when the gateway came
    # back (a loaded machine) is recorded as failed *after* that jump, its retry set a back-off
    # later (at most 5 minutes). Time goes on while the test waits, 5 s of it at each look.
    seen = received(gateway, lambda s: len(texts(s)) >= 4, tick=lambda: hall.clock.advance(seconds=5))
    got = [item["key"] for item in seen]
    assert got == [f"sms:{t['token']}:taken" for t in tickets] + [f"sms:{tickets[0]['token']}:called"]
    assert len(set(got)) == len(got)
