"""到号短信提醒 at the kiosk (issue 20): the citizen who gives a phone can ask for the SMS reminder
where the hall sends SMS notices; the server's dispatcher sends the "taken" message to the gateway
emulator on a port (HallQ's signed JSON, checked with the emulator's secret)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from hardware_mocks.gateway import MockGateway
from tests.kiosk.conftest import SMS_SECRET, SMS_SECRET_ENV, Kiosk, seen
from tests.support.gateway import running_gateway

PENSION = "RS001"
ASKS = "13711112222"  # made up; no other test's
DOES_NOT_ASK = "13633334444"


@pytest.fixture(scope="module")
def gateway() -> Iterator[MockGateway]:
    """The SMS gateway emulator, checking the server's signature with the test hall's secret."""
    with running_gateway(SMS_SECRET) as server:
        yield server


def switch_sms(kiosk: Kiosk, gateway: MockGateway | None) -> None:
    """The manager turns the hall's SMS notices on (sent to ``gateway``) or off (None); the kiosk
    follows the live settings event."""
    settings = kiosk.server.call("GET", "/hall/settings").json()
    notices = settings.get("notices", {})
    notices["enabled"] = gateway is not None
    if gateway is not None:
        notices["gateway"] = {"kind": "http", "url": f"{gateway.url}/sms", "secret_env": SMS_SECRET_ENV}
    settings["notices"] = notices
    assert kiosk.server.call("PUT", "/hall/settings", json=settings).status_code == 200
    hall = kiosk.app.parts.hall
    kiosk.pump(lambda: hall.settings.notices.enabled == (gateway is not None), timeout=30)


@pytest.fixture
def sms_hall(kiosk: Kiosk, gateway: MockGateway) -> Iterator[Kiosk]:
    """The kiosk in a hall that sends SMS notices; off again afterwards (the session's hall is shared)."""
    switch_sms(kiosk, gateway)
    try:
        yield kiosk
    finally:
        switch_sms(kiosk, None)


def take_screen(kiosk: Kiosk) -> Any:
    """From the start screen: the service, its guide, 实名 / 手机 / 优先."""
    kiosk.tap(kiosk.service_button(PENSION))
    guide = kiosk.wait_screen("guide")
    kiosk.tap(guide.ids.options)
    return kiosk.wait_screen("take")


def messages_to(gateway: MockGateway, phone: str) -> list[dict[str, Any]]:
    with gateway.emulator.lock:
        return [item for item in gateway.emulator.received if item.get("phone") == phone]


def test_a_citizen_who_asks_for_the_sms_reminder_gets_the_taken_message_and_one_who_does_not_none(
    sms_hall: Kiosk, gateway: MockGateway
) -> None:
    kiosk = sms_hall
    take = take_screen(kiosk)  # first a citizen who gives a phone but leaves the reminder off
    assert take.ids.sms_box.parent is not None and not take.sms  # in the form, off
    kiosk.tap(take.ids.phone_field)
    kiosk.press(take.ids.keypad, DOES_NOT_ASK)
    kiosk.tap(take.ids.confirm)
    quiet = kiosk.wait_screen("ticket")
    assert not quiet.outcome.sms and "短信提醒" not in seen(quiet.facts)
    kiosk.app.reset()

    take = take_screen(kiosk)
    spoken = len(kiosk.app.parts.voice.spoken)
    kiosk.tap(take.ids.sms)  # turned on before the phone: the keypad now types the phone
    assert take.sms and seen(take.ids.sms.text) == "到号短信提醒：已开启（再点关闭）"
    assert take.ids.phone_field.active
    kiosk.pump(lambda: len(kiosk.app.parts.voice.spoken) > spoken, timeout=20)  # said as well as shown
    kiosk.tap(take.ids.confirm)
    assert seen(take.error) == "开启到号短信提醒，请先填写手机号码。"  # asked here, not refused later
    kiosk.press(take.ids.keypad, ASKS)
    kiosk.shot("40-take-sms-on")
    kiosk.tap(kiosk.app.root.ids.large_print)
    kiosk.pump(frames=4)
    take.ids.form.scroll_to(take.ids.sms_note, animate=False)
    kiosk.shot("41-take-sms-on-large-print")
    printed = len(kiosk.printer.receipts)
    kiosk.tap(take.ids.confirm)
    ticket = kiosk.wait_screen("ticket")
    outcome = ticket.outcome
    assert outcome.sms and outcome.ticket.phone_masked == "137****2222"
    assert "短信提醒：137****2222" in seen(ticket.facts)
    kiosk.shot("42-ticket-sms-large-print")
    receipt = kiosk.printer.wait_for(printed + 1)[-1].receipt
    assert "短信提醒：137****2222" in receipt.lines and ASKS not in "".join(receipt.lines)

    deadline = time.monotonic() + 60  # the server's dispatcher sends after the ticket's commit
    while not messages_to(gateway, ASKS) and time.monotonic() < deadline:
        time.sleep(0.05)
    [taken] = messages_to(gateway, ASKS)
    assert taken["kind"] == "sms.taken" and outcome.ticket.number in taken["text"]
    # the quiet citizen's ticket was committed first: its message, had there been one, came before
    assert messages_to(gateway, DOES_NOT_ASK) == []
    kiosk.pump(lambda: not ticket.guarded())  # the ticket screen's first moment swallows taps
    kiosk.tap(kiosk.app.root.ids.large_print)
    kiosk.shot("43-ticket-sms")


def test_a_hall_without_sms_notices_offers_no_reminder(kiosk: Kiosk) -> None:
    switch_sms(kiosk, None)
    take = take_screen(kiosk)
    assert not take.sms_offered and take.ids.sms_box.parent is None  # not in the form at all
    kiosk.tap(take.ids.phone_field)
    kiosk.press(take.ids.keypad, DOES_NOT_ASK)
    kiosk.shot("44-take-no-sms")
    kiosk.tap(take.ids.confirm)
    ticket = kiosk.wait_screen("ticket")
    assert not ticket.outcome.sms and "短信提醒" not in seen(ticket.facts)
