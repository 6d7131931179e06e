"""SMS notices on the in-memory stores: what a holder's ticket writes to the outbox, and what not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from queue_server import contract as c
from queue_server.domain.actors import Actor
from queue_server.domain.notices import KINDS, PLACEHOLDERS, NoticeRules
from queue_server.services.cases import appointments, outcomes, slots
from queue_server.services.desk import windows
from queue_server.services.live import LiveEvent
from queue_server.services.outbox.notices import react
from queue_server.services.outbox.reminders import remind_appointments
from queue_server.services.pii import reveal
from queue_server.services.tickets.issue import issue_ticket
from tests.fakes.stores import FakeStores
from tests.services.conftest import HALL, S1, Hall, small_catalogue

KIOSK = Actor(hall_id=HALL, role="kiosk", name="kiosk-1")
CLERK = Actor(hall_id=HALL, role="clerk", window="1", user_id=1, name="clerk 1")
MANAGER = Actor(hall_id=HALL, role="manager", user_id=7, name="manager")
PHONE = "13800138000"


def hall_with(**notices: Any) -> Hall:
    catalogue = small_catalogue()
    rules = NoticeRules.from_dict({"enabled": True, "ahead_at": 1, **notices})
    stores = FakeStores()
    stores.hall.put(replace(catalogue, settings=replace(catalogue.settings, notices=rules)))
    stores.windows.install(HALL)
    return Hall(stores)


def step(hall: Hall, work: Any) -> Any:
    """One transaction: the handler, then the notices its live events call for (as the runtime does)."""
    uow = hall.unit()
    before = len(hall.published)
    result = work(uow)
    react(uow, hall.published[before:])
    return result


def issue(hall: Hall, service: str = "S1", **fields: Any) -> c.TicketPublic:
    command = c.IssueTicket.model_validate({"service_code": service, **fields})
    return step(hall, lambda uow: issue_ticket(uow, KIOSK, command))  # type: ignore[no-any-return]


def call_and_conclude(hall: Hall) -> None:
    step(hall, lambda uow: windows.call_next(uow, CLERK, "1"))
    hall.advance(1)
    step(hall, lambda uow: windows.conclude(uow, CLERK, "1"))


def kinds(hall: Hall) -> list[str]:
    return [m.kind for m in sorted(hall.stores.outbox.rows.values(), key=lambda m: m.id)]


@pytest.fixture
def sms_hall() -> Hall:
    hall = hall_with()
    step(hall, lambda uow: windows.open_window(uow, CLERK, "1"))
    return hall


def test_the_number_is_kept_encrypted_and_shown_masked_in_the_message(sms_hall: Hall) -> None:
    ticket = issue(sms_hall, phone=PHONE, sms=True)
    (message,) = sms_hall.stores.outbox.rows.values()
    assert message.kind == "sms.taken" and message.ordering_key.startswith("sms:")
    assert PHONE not in str(message.payload) and message.payload["phone_masked"] == "138****8000"
    assert reveal(b"k" * 32, message.payload["phone_cipher"]) == PHONE
    assert message.idempotency_key == f"sms:{ticket.token}:taken"


def test_n_ahead_goes_once_and_called_once(sms_hall: Hall) -> None:
    issue(sms_hall)
    issue(sms_hall)  # two ahead, without SMS
    mine = issue(sms_hall, phone=PHONE, sms=True)
    assert kinds(sms_hall) == ["sms.taken"]
    call_and_conclude(sms_hall)  # one ahead now
    assert kinds(sms_hall) == ["sms.taken", "sms.ahead"]
    again = LiveEvent("ticket.ahead", (f"ticket:{mine.token}",), {"people_ahead": 1}, sms_hall.now, HALL)
    assert react(sms_hall.unit(), [again]) == 0  # the queue came back to one ahead: not told twice
    call_and_conclude(sms_hall)
    call_and_conclude(sms_hall)
    assert kinds(sms_hall) == ["sms.taken", "sms.ahead", "sms.called"]
    texts = [m.payload["text"] for m in sorted(sms_hall.stores.outbox.rows.values(), key=lambda m: m.id)]
    assert texts[1:] == [
        "【测试大厅】A003 号前面还有 1 人，请回到大厅等候叫号。",
        "【测试大厅】A003 号，请到 1 号窗口办理。",
    ]


def test_a_number_gets_at_most_its_daily_cap(sms_hall: Hall) -> None:
    hall = hall_with(daily_cap=2)
    for _ in range(3):
        issue(hall, phone=PHONE, sms=True)
    assert kinds(hall) == ["sms.taken", "sms.taken"]
    hall.advance(24 * 60)
    issue(hall, phone=PHONE, sms=True)
    assert len(kinds(hall)) == 3


def test_notices_turned_off_one_by_one_or_all_write_nothing(sms_hall: Hall) -> None:
    quiet = hall_with(templates={"taken": {"on": False}})
    issue(quiet, phone=PHONE, sms=True)
    assert kinds(quiet) == []
    off = hall_with(enabled=False)
    issue(off, phone=PHONE, sms=True)
    assert kinds(off) == [] and off.stores.outbox.subs  # the opt-in is kept for when they turn on


def test_english_wording_where_the_hall_wrote_it_and_zh_cn_otherwise() -> None:
    english = {"called": {"en": "[{hall}] {number}, window {window}."}}
    hall = hall_with(templates=english)
    step(hall, lambda uow: windows.open_window(uow, CLERK, "1"))
    issue(hall, phone=PHONE, sms=True, language="en")
    step(hall, lambda uow: windows.call_next(uow, CLERK, "1"))
    texts = [m.payload["text"] for m in sorted(hall.stores.outbox.rows.values(), key=lambda m: m.id)]
    assert texts[0].startswith("【测试大厅】您已取号 A001")  # no English "taken": zh-CN
    assert texts[1] == "[Test hall] A001, window 1."


def test_a_friday_reminds_monday_s_bookings_a_saturday_none_and_each_booking_once() -> None:
    catalogue = small_catalogue()
    rules = NoticeRules.from_dict({"enabled": True})
    stores = FakeStores()
    stores.hall.put(replace(catalogue, settings=replace(catalogue.settings, notices=rules)))
    monday_nine = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in the hall
    codes = {}
    for day in (date(2026, 3, 9), date(2026, 3, 10)):  # next Monday and Tuesday
        command = c.OpenSlot(service_code="S1", day=day, start=time(10), end=time(10, 30), capacity=1)
        slot = slots.open_slot(stores.unit(monday_nine), MANAGER, command)
        booking = c.BookAppointment(slot_id=slot.id, phone=PHONE)
        codes[day] = appointments.book(stores.unit(monday_nine), KIOSK, booking).code
    friday, saturday = monday_nine + timedelta(days=4), monday_nine + timedelta(days=5)
    assert remind_appointments(stores.unit(friday), HALL) == 1  # Monday's, not Tuesday's
    assert remind_appointments(stores.unit(friday), HALL) == 0  # once
    assert remind_appointments(stores.unit(saturday), HALL) == 0  # no reminders on a day off
    assert remind_appointments(stores.unit(friday + timedelta(days=3)), HALL) == 1  # Monday: Tuesday's
    keys = [m.idempotency_key for m in sorted(stores.outbox.rows.values(), key=lambda m: m.id)]
    assert keys == [f"sms:appointment:{codes[d]}:reminder" for d in (date(2026, 3, 9), date(2026, 3, 10))]


def test_every_notice_fills_every_placeholder_its_settings_page_lists() -> None:
    """A wording that names each placeholder its notice lists is sent with every one filled in."""
    every = {kind: {"zh": " ".join(f"{name}={{{name}}}" for name in PLACEHOLDERS[kind])} for kind in KINDS}
    hall = hall_with(templates=every)
    step(hall, lambda uow: windows.open_window(uow, CLERK, "1"))
    hall.stores.cases.guides[S1] = {"promised_limit_days": 3, "materials": [{"name": "户口簿"}]}
    issue(hall)
    issue(hall)
    issue(hall, phone=PHONE, sms=True)  # taken, two ahead
    call_and_conclude(hall)  # ahead: one ahead now
    call_and_conclude(hall)
    step(hall, lambda uow: windows.call_next(uow, CLERK, "1"))  # called
    step(hall, lambda uow: windows.no_show(uow, CLERK, "1"))  # missed
    for phone, outcome in (("13900139000", c.Outcome.CORRECTION), ("13700137000", c.Outcome.PROMISED)):
        issue(hall, phone=phone, sms=True)
        step(hall, lambda uow: windows.call_next(uow, CLERK, "1"))
        conclusion = c.Conclude(outcome=outcome, missing_items=["户口簿"] if outcome == "correction" else [])
        step(hall, lambda uow, conclusion=conclusion: windows.conclude(uow, CLERK, "1", conclusion))
    (case,) = outcomes.list_cases(hall.unit(), CLERK, "open")
    step(hall, lambda uow: outcomes.complete_case(uow, CLERK, case.id))  # ready
    tomorrow = c.OpenSlot(
        service_code="S1", day=date(2026, 3, 3), start=time(10), end=time(10, 30), capacity=1
    )
    slot = slots.open_slot(hall.unit(), MANAGER, tomorrow)
    appointments.book(hall.unit(), KIOSK, c.BookAppointment(slot_id=slot.id, phone="13600136000"))
    assert remind_appointments(hall.unit(), HALL) == 1  # reminder
    texts = {m.kind: m.payload["text"] for m in hall.stores.outbox.rows.values()}
    assert sorted(texts) == sorted(f"sms.{kind}" for kind in KINDS)
    for kind in KINDS:
        said = texts[f"sms.{kind}"]
        filled = dict(part.split("=", 1) for part in said.split(" "))
        assert list(filled) == list(PLACEHOLDERS[kind]) and all(filled.values()), said
        assert "{" not in said and "None" not in said, said


def test_an_english_ticket_s_notices_name_its_service_in_english_each_one() -> None:
    kinds = ("taken", "ahead", "called", "missed", "correction", "ready")
    hall = hall_with(templates={kind: {"en": f"{kind}: {{service}}"} for kind in kinds})
    catalogue = hall.stores.hall.load_catalogue(HALL)
    named = replace(catalogue.services[S1], name_en="Residence permit")
    hall.stores.hall.put(replace(catalogue, services={**catalogue.services, S1: named}))
    step(hall, lambda uow: windows.open_window(uow, CLERK, "1"))
    hall.stores.cases.guides[S1] = {"promised_limit_days": 3, "materials": [{"name": "户口簿"}]}
    issue(hall)
    issue(hall)
    english = {"phone": PHONE, "sms": True, "language": "en"}
    issue(hall, **english)  # taken
    for _ in range(3):  # two before it (ahead: one ahead, the hall's N), then it: called, missed
        step(hall, lambda uow: windows.call_next(uow, CLERK, "1"))
        step(hall, lambda uow: windows.no_show(uow, CLERK, "1"))
    for outcome in (c.Outcome.CORRECTION, c.Outcome.PROMISED):
        issue(hall, **english)
        step(hall, lambda uow: windows.call_next(uow, CLERK, "1"))
        conclusion = c.Conclude(outcome=outcome, missing_items=["户口簿"] if outcome == "correction" else [])
        step(hall, lambda uow, conclusion=conclusion: windows.conclude(uow, CLERK, "1", conclusion))
    (case,) = outcomes.list_cases(hall.unit(), CLERK, "open")
    step(hall, lambda uow: outcomes.complete_case(uow, CLERK, case.id))
    texts = {m.payload["text"] for m in hall.stores.outbox.rows.values()}  # the later tickets are called too
    assert texts == {f"{kind}: Residence permit" for kind in kinds}
