"""SMS notices end to end: tickets over HTTP, the server's dispatcher, the gateway emulator on a port."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hardware_mocks.gateway import MockGateway
from queue_server.services.operations.housekeeping import chores
from tests.server.conftest import Hall
from tests.server.test_appointments_api import book, booked, slot
from tests.server.test_cases_api import set_guide_limit
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


def test_a_number_gets_no_more_notices_a_day_than_its_cap(sms_hall: Hall) -> None:
    """The cap is counted by the statement that stores a notice (``add_capped``), on either database."""
    hall = sms_hall
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()["notices"]
    assert put_settings(hall, notices={**current, "daily_cap": 2}).status_code == 200
    for _ in range(3):
        hall.issue("S3", phone=PHONE, sms=True)
    hall.issue("S3", phone="13900139000", sms=True)
    view = hall.client.get("/api/v1/outbox", headers=hall.as_("manager")).json()["destinations"]
    assert [(d["destination"], d["sent"] + d["pending"]) for d in view] == [("sms", 3)]


def test_opting_in_without_a_phone_is_refused_with_a_clear_error(sms_hall: Hall) -> None:
    response = sms_hall.client.post(
        "/api/v1/tickets", json={"service_code": "S3", "sms": True}, headers=sms_hall.as_("kiosk")
    )
    assert response.status_code == 409
    assert response.json()["code"] == "ticket.sms_needs_phone"
    assert response.json()["message"] == "短信告知需要手机号码。"


def pending_while_away(hall: Hall, gateway: MockGateway, messages: int) -> None:
    """Wait until the hall's outbox holds ``messages`` pending and the (away) gateway was tried."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        figures = hall.client.get("/api/v1/outbox", headers=hall.as_("manager")).json()["destinations"]
        if figures and figures[0]["pending"] == messages and gateway.emulator.requests > 0:
            return
        time.sleep(0.1)


def test_a_gateway_away_then_back_gets_each_message_once_in_order(
    sms_hall: Hall, gateway: MockGateway
) -> None:
    hall = sms_hall
    gateway.emulator.behaviour.down_until = time.monotonic() + 3600
    tickets = [hall.issue("S3", phone=PHONE, sms=True) for _ in range(3)]
    hall.act("3", "call-next")  # the first is called: its "called" notice queues behind the others
    pending_while_away(hall, gateway, 4)
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


def test_a_gateway_taking_batches_gets_each_message_once_in_order_and_a_refused_number_alone(
    sms_hall: Hall, gateway: MockGateway
) -> None:
    hall = sms_hall
    notices = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()["notices"]
    notices["gateway"]["batch_size"] = 50
    assert put_settings(hall, notices=notices).status_code == 200
    refused, others = "13900139000", ["13700000001", "13700000002", "13700000003"]
    gateway.emulator.behaviour.down_until = time.monotonic() + 3600
    gateway.emulator.unsubscribed = {refused}
    try:
        first = hall.issue("S3", phone=PHONE, sms=True)
        rest = [hall.issue("S3", phone=number, sms=True) for number in [*others, refused]]
        # The first's "called" notice queues behind its "taken"; the last now has 3 ahead (its
        # "前面还有 3 人" behind its own "taken").
        hall.act("3", "call-next")
        pending_while_away(hall, gateway, 7)
        before = gateway.emulator.requests
        gateway.emulator.behaviour.down_until = 0.0
        hall.clock.advance(minutes=10)  # the retries fall due
        seen = received(gateway, lambda s: len(s) >= 5, tick=lambda: hall.clock.advance(seconds=5))
        figures = settled_figures(hall)
    finally:
        gateway.emulator.unsubscribed = set()
    keys = [item["key"] for item in seen]
    assert len(set(keys)) == len(keys) == 5
    assert [k for k in keys if first["token"] in k] == [
        f"sms:{first['token']}:{n}" for n in ("taken", "called")
    ]
    assert {item["phone"] for item in seen} == {PHONE, *others}
    assert figures == [("sms", 5, 0, 2)]  # the unsubscribed number's two notices alone given up
    assert rest[-1]["token"] not in str(keys)
    assert gateway.emulator.requests - before < 7  # in batches: fewer requests than messages


def test_a_gateway_s_refusal_naming_the_number_is_kept_and_shown_masked(
    sms_hall: Hall, gateway: MockGateway
) -> None:
    hall = sms_hall
    gateway.emulator.unsubscribed = {PHONE}  # it answers 422 "13800138000 已退订"
    try:
        hall.issue("S3", phone=PHONE, sms=True)
        deadline, dead = time.monotonic() + 60, []
        while not dead and time.monotonic() < deadline:
            dead = hall.client.get("/api/v1/outbox", headers=hall.as_("manager")).json()["dead"]
            time.sleep(0.05)
    finally:
        gateway.emulator.unsubscribed = set()
    assert [m["kind"] for m in dead] == ["sms.taken"]
    assert dead[0]["last_error"] == "HTTP 422: 138****8000 已退订 (the number unsubscribed)"
    with hall.runtime.read_engine.connect() as conn:  # nor whole in the database (only its cipher)
        stored = conn.exec_driver_sql("SELECT last_error FROM outbox").scalars().all()
        (event,) = conn.exec_driver_sql("SELECT data FROM events WHERE type = 'outbox.dead'").scalars()
    data = json.loads(event) if isinstance(event, str) else event  # SQLite keeps JSON as text
    assert data["reason"] == dead[0]["last_error"]
    assert PHONE not in str(stored) and PHONE not in str(data) and PHONE not in str(dead)


def test_the_ahead_called_and_missed_notices_fill_every_placeholder_their_settings_list(
    sms_hall: Hall, gateway: MockGateway
) -> None:
    """A hall that writes "您办理的{service}" into a queue notice gets the service's name, not braces:
    each of these notices names every placeholder the settings page lists for it, and each is filled."""
    hall = sms_hall
    kinds = hall.client.get("/api/v1/hall/settings/notice-kinds", headers=hall.as_("manager")).json()
    listed = {k["kind"]: k["placeholders"] for k in kinds["kinds"]}
    queue_kinds = ("ahead", "called", "missed")
    assert all("service" in listed[kind] for kind in queue_kinds)
    every = {kind: " ".join(f"{{{name}}}" for name in listed[kind]) for kind in queue_kinds}
    templates = {
        kind: {"on": True, "zh": f"您办理的{{service}}（{kind}）{every[kind]}"} for kind in queue_kinds
    }
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()["notices"]
    saved = put_settings(hall, notices={**current, "ahead_at": 1, "templates": templates})
    assert saved.status_code == 200, saved.text
    for _ in range(2):
        hall.issue("S3")
    mine = hall.issue("S3", phone=PHONE, sms=True)
    # 1 ahead after the first call, then called, then missed.
    for action in ("call-next", "conclude", "call-next", "conclude", "call-next", "no-show"):
        assert hall.act("3", action).status_code == 200, action
    seen = received(gateway, lambda s: len(texts(s)) >= 4)
    told = texts(seen)[1:]
    assert [item["key"] for item in seen][1:] == [f"sms:{mine['token']}:{kind}" for kind in queue_kinds]
    assert told == [
        f"您办理的事项S3（ahead）测试大厅t1 {mine['number']} 事项S3 1",
        f"您办理的事项S3（called）测试大厅t1 {mine['number']} 事项S3 3",
        f"您办理的事项S3（missed）测试大厅t1 {mine['number']} 事项S3",
    ]


def test_a_service_s_own_n_ahead_set_in_the_catalogue_overrides_the_hall_s(
    sms_hall: Hall, gateway: MockGateway
) -> None:
    hall = sms_hall  # the hall tells at 3 ahead
    headers = hall.as_("manager")
    changed = hall.client.patch("/api/v1/catalogue/services/S3", json={"notice_ahead_at": 1}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["notice_ahead_at"] == 1
    bad = hall.client.patch("/api/v1/catalogue/services/S3", json={"notice_ahead_at": 0}, headers=headers)
    assert bad.status_code == 422
    for _ in range(3):
        hall.issue("S3")
    mine = hall.issue("S3", phone=PHONE, sms=True)  # 3 ahead when taken: the hall's N would tell now
    for _ in range(3):
        assert hall.act("3", "call-next").status_code == 200
        assert hall.act("3", "conclude").status_code == 200
    seen = received(gateway, lambda s: len(texts(s)) >= 2)
    assert texts(seen)[1] == f"【测试大厅t1】{mine['number']} 号前面还有 1 人，请回到大厅等候叫号。"
    assert [item["key"] for item in seen] == [f"sms:{mine['token']}:taken", f"sms:{mine['token']}:ahead"]
    back = hall.client.patch("/api/v1/catalogue/services/S3", json={"notice_ahead_at": None}, headers=headers)
    assert back.json()["notice_ahead_at"] is None  # the hall's N again


def test_a_ticket_taken_in_english_gets_the_hall_s_english_wording_and_zh_cn_where_none(
    sms_hall: Hall, gateway: MockGateway
) -> None:
    hall = sms_hall
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()["notices"]
    english = {
        "called": {
            "on": True,
            "zh": "【{hall}】{number} 号，请到 {window} 号窗口。",
            "en": "[{hall}] Number {number}, please go to window {window}.",
        }
    }
    assert put_settings(hall, notices={**current, "templates": english}).status_code == 200
    mine = hall.issue("S3", phone=PHONE, sms=True, language="en")
    other = hall.issue("S3", phone="13900139000", sms=True)  # zh-CN, the default
    for _ in range(2):
        assert hall.act("3", "call-next").status_code == 200
        assert hall.act("3", "conclude").status_code == 200
    seen = received(gateway, lambda s: len(texts(s)) >= 2 and len(texts(s, "13900139000")) >= 2)
    assert texts(seen)[0].startswith(f"【测试大厅t1】您已取号 {mine['number']}")  # no English "taken": zh-CN
    assert texts(seen)[1] == f"[Test hall t1] Number {mine['number']}, please go to window 3."
    assert texts(seen, "13900139000")[1] == f"【测试大厅t1】{other['number']} 号，请到 3 号窗口。"
    refused = hall.client.post(
        "/api/v1/tickets", json={"service_code": "S3", "language": "fr"}, headers=hall.as_("kiosk")
    )
    assert refused.status_code == 422
    named = {"name_en": "Residence permit"}
    assert hall.client.patch(
        "/api/v1/catalogue/services/S3", json=named, headers=hall.as_("manager")
    ).is_success
    taken = {"taken": {"en": "[{hall}] You have number {number} for {service}."}}
    assert put_settings(hall, notices={**current, "templates": taken}).status_code == 200
    third = hall.issue("S3", phone="13700137000", sms=True, language="en")
    seen = received(gateway, lambda s: len(texts(s, "13700137000")) >= 1)
    assert texts(seen, "13700137000") == [
        f"[Test hall t1] You have number {third['number']} for Residence permit."
    ]


def concluded_at_window_1(hall: Hall, body: dict[str, Any], **issue: Any) -> dict[str, Any]:
    """A ticket of S1 (a two-item checklist, a 3-day promise) served at window 1 with ``body``."""
    set_guide_limit(hall, 3)
    assert hall.act("1", "open").status_code == 200
    ticket = hall.issue("S1", **issue)
    assert hall.act("1", "call-next").status_code == 200
    done = hall.act("1", "conclude", body=body)
    assert done.status_code == 200, done.text
    return ticket


def test_materials_missing_reach_the_holder_by_sms_with_the_notice_s_link(
    sms_hall: Hall, gateway: MockGateway
) -> None:
    hall = sms_hall
    body = {"outcome": "correction", "missing_items": ["户口簿", "居民身份证"]}
    ticket = concluded_at_window_1(hall, body, phone=PHONE, sms=True)
    seen = received(gateway, lambda s: len(texts(s)) >= 3)  # taken, called, then the 补正 notice
    assert texts(seen)[2] == (
        f"【测试大厅t1】{ticket['number']} 号办理的事项S1需补正材料：户口簿、居民身份证。"
        f"请备齐后再来办理，告知书：https://hall.example/t/{ticket['token']}"
    )
    assert seen[2]["key"] == f"sms:{ticket['token']}:correction"


def test_a_promised_case_marked_done_tells_its_holder_it_is_ready_once_and_only_when_on(
    sms_hall: Hall, gateway: MockGateway
) -> None:
    hall = sms_hall
    # No opt-in at the kiosk: the call-back number the clerk took at the window is told.
    ticket = concluded_at_window_1(hall, {"outcome": "promised", "phone": "13812345678"})
    (case,) = hall.client.get("/api/v1/cases?status=open", headers=hall.as_("manager")).json()
    done = hall.client.post(f"/api/v1/cases/{case['id']}/complete", headers=hall.as_("clerk1"))
    assert done.status_code == 200, done.text
    again = hall.client.post(f"/api/v1/cases/{case['id']}/complete", headers=hall.as_("clerk1"))
    assert again.status_code == 409 and again.json()["code"] == "case.not_open"
    seen = received(gateway, lambda s: len(texts(s, "13812345678")) >= 1)
    assert texts(seen, "13812345678") == [
        f"【测试大厅t1】您办理的事项S1（{ticket['number']} 号）已办结，请携带受理回执到大厅领取结果。"
    ]
    assert seen[0]["key"] == f"sms:{ticket['token']}:ready"
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()["notices"]
    off = {**current, "templates": {"ready": {"on": False}}}
    assert put_settings(hall, notices=off).status_code == 200
    hall.issue("S1")
    assert hall.act("1", "call-next").status_code == 200
    promised = {"outcome": "promised", "phone": "13912345678"}
    assert hall.act("1", "conclude", body=promised).status_code == 200
    open_case = hall.client.get("/api/v1/cases?status=open", headers=hall.as_("manager")).json()[0]
    hall.client.post(f"/api/v1/cases/{open_case['id']}/complete", headers=hall.as_("clerk1"))
    view = hall.client.get("/api/v1/outbox", headers=hall.as_("manager")).json()["destinations"]
    assert [(d["destination"], d["sent"] + d["pending"]) for d in view] == [("sms", 1)]


def test_a_booking_is_reminded_the_working_day_before_once_and_not_in_quiet_hours(
    sms_hall: Hall, gateway: MockGateway
) -> None:
    hall = sms_hall  # Monday 2026-03-02, 09:00 in the hall
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()["notices"]
    assert put_settings(hall, notices={**current, "quiet_hours": ["08:00", "10:00"]}).status_code == 200
    # Quiet before anything is booked: the server's own housekeeping rounds run meanwhile too.
    tuesday = booked(hall, slot(hall, "10:00", "10:30", day="2026-03-03"))  # the default phone
    wednesday = booked(hall, slot(hall, "14:00", "14:30", day="2026-03-04"), phone="13900139000")
    hall.runtime.write_sync(lambda uow: chores(uow, 1))  # quiet now: held, not dropped
    assert hall.client.get("/api/v1/outbox", headers=hall.as_("manager")).json()["destinations"] == []
    hall.clock.advance(hours=2)
    for _ in range(2):  # a second round writes nothing again
        hall.runtime.write_sync(lambda uow: chores(uow, 1))
    seen = received(gateway, lambda s: len(s) >= 1)
    assert [item["text"] for item in seen] == [
        f"【测试大厅t1】您预约了 2026-03-03 10:00 办理事项S1，预约码 {tuesday['code']}，请按时到大厅签到。"
    ]
    assert (
        seen[0]["phone"] == "13812345678" and seen[0]["key"] == f"sms:appointment:{tuesday['code']}:reminder"
    )
    hall.clock.advance(days=1)  # Tuesday 11:00: Wednesday's booking
    hall.runtime.write_sync(lambda uow: chores(uow, 1))
    seen = received(gateway, lambda s: len(s) >= 2)
    assert [item["key"] for item in seen] == [
        f"sms:appointment:{tuesday['code']}:reminder",
        f"sms:appointment:{wednesday['code']}:reminder",
    ]
    assert seen[1]["phone"] == "13900139000"


def test_a_booking_made_in_english_is_reminded_in_the_hall_s_english_wording(
    sms_hall: Hall, gateway: MockGateway
) -> None:
    hall = sms_hall  # Monday 2026-03-02, 09:00 in the hall
    current = hall.client.get("/api/v1/hall/settings", headers=hall.as_("manager")).json()["notices"]
    english = {"reminder": {"en": "[{hall}] {service} on {day} at {time}, booking code {code}."}}
    assert put_settings(hall, notices={**current, "templates": english}).status_code == 200
    named = {"name_en": "Residence permit"}
    assert hall.client.patch(
        "/api/v1/catalogue/services/S1", json=named, headers=hall.as_("manager")
    ).is_success
    mine = booked(hall, slot(hall, "10:00", "10:30", day="2026-03-03"), language="en")
    other = booked(hall, slot(hall, "11:00", "11:30", day="2026-03-03"), phone="13900139000")
    hall.runtime.write_sync(lambda uow: chores(uow, 1))
    seen = received(gateway, lambda s: len(s) >= 2)
    assert texts(seen, "13812345678") == [
        f"[Test hall t1] Residence permit on 2026-03-03 at 10:00, booking code {mine['code']}."
    ]
    assert texts(seen, "13900139000") == [  # booked in zh-CN, the default
        f"【测试大厅t1】您预约了 2026-03-03 11:00 办理事项S1，预约码 {other['code']}，请按时到大厅签到。"
    ]
    refused = book(hall, slot(hall, "12:00", "12:30", day="2026-03-03"), language="fr")
    assert refused.status_code == 422


def test_the_ticket_page_opts_in_after_the_fact_changes_the_number_and_opts_out(
    sms_hall: Hall, gateway: MockGateway
) -> None:
    hall = sms_hall
    ticket = hall.issue("S3")
    sms = f"/api/v1/tickets/{ticket['token']}/sms"
    assert hall.client.get(sms).json() == {"available": True, "enabled": False, "phone_masked": None}
    bad = hall.client.put(sms, json={"phone": "12345"})
    assert bad.status_code == 422 and bad.json()["code"] == "ticket.invalid_phone"
    opted = hall.client.put(sms, json={"phone": "139 0013 9000"})
    assert opted.json() == {"available": True, "enabled": True, "phone_masked": "139****9000"}
    changed = hall.client.put(sms, json={"phone": PHONE, "language": "en"})  # no second confirmation
    assert changed.json()["phone_masked"] == "138****8000"
    assert hall.client.get(sms).json()["phone_masked"] == "138****8000"
    seen = received(gateway, lambda s: len(s) >= 1)
    assert seen[0]["phone"] == "13900139000" and seen[0]["key"] == f"sms:{ticket['token']}:taken"
    assert f"https://hall.example/t/{ticket['token']}" in seen[0]["text"]
    assert hall.client.delete(sms).json() == {"available": True, "enabled": False, "phone_masked": None}
    assert hall.act("3", "call-next").status_code == 200  # opted out: no "called" notice
    view = hall.client.get("/api/v1/outbox", headers=hall.as_("manager")).json()["destinations"]
    assert [(d["sent"] + d["pending"]) for d in view] == [1]
    assert hall.client.get("/api/v1/tickets/nope/sms").json()["code"] == "ticket.not_found"
    for _ in range(6):  # 4 changes so far; the address is allowed 10 in 10 minutes
        hall.client.delete(sms)
    busy = hall.client.put(sms, json={"phone": PHONE})
    assert busy.status_code == 429 and busy.json()["code"] == "ticket.sms_busy"
    assert busy.json()["message"].startswith("操作过于频繁")


def test_a_hall_without_sms_notices_refuses_the_opt_in_clearly(hall: Hall) -> None:
    ticket = hall.issue("S1")
    sms = f"/api/v1/tickets/{ticket['token']}/sms"
    assert hall.client.get(sms).json()["available"] is False
    refused = hall.client.put(sms, json={"phone": PHONE})
    assert refused.status_code == 409 and refused.json()["code"] == "ticket.sms_off"
