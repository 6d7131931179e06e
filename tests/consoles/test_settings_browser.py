"""The hall settings page in Chromium: a manager changes the weekly hours and the ticket rules, and
the kiosk's API follows at once; a wrong line loses nothing; a clerk cannot open the page."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from hardware_mocks.gateway import GatewayEmulator, MockGateway
from tests.consoles.conftest import ServedHall, log_in, shot

ID_NUMBER = "11010519491231002X"


def settings(served: ServedHall) -> dict[str, Any]:
    response = httpx.get(served.url + "/api/v1/hall/settings", headers=served.as_("manager"))
    assert response.status_code == 200, response.text
    return response.json()


def take(served: ServedHall, **body: Any) -> httpx.Response:
    return httpx.post(
        served.url + "/api/v1/tickets", json={"service_code": "S1", **body}, headers=served.as_("kiosk")
    )


def test_a_manager_sets_the_hours_and_the_ticket_rules(served: ServedHall, desk: Any) -> None:
    before = settings(served)
    page = desk.new_page()
    log_in(page, served, "M1", "pw-m1")
    page.wait_for_url("**/manager")
    page.click("#top nav a[href='/manager/settings']")
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("#week tr[data-day='mon'] input").input_value() == ""  # always open, no hours yet

    page.fill("#week tr[data-day='mon'] input", "8:30-12:00，13:30-17:30")
    page.fill("#week tr[data-day='sat'] input", "09:00-12:00")
    page.fill("input[name=cutoff_minutes]", "30")
    page.check("input[name=real_name_required]")
    page.fill("input[name=person_daily_limit]", "1")
    page.check("input[name='voice.english']")
    page.fill("textarea[name=notice]", "今日下午社保窗口延时至19:00")
    page.click("#save-settings")
    page.wait_for_selector("#toast[data-code='console.saved']")
    shot(page, "settings-saved", full_page=True)

    after = settings(served)
    assert after["hours"] == {
        "mon": [["08:30:00", "12:00:00"], ["13:30:00", "17:30:00"]],
        "sat": [["09:00:00", "12:00:00"]],
    }
    assert (after["cutoff_minutes"], after["real_name_required"], after["person_daily_limit"]) == (
        30,
        True,
        1,
    )
    assert after["voice"]["english"] is True and after["notice"] == "今日下午社保窗口延时至19:00"
    assert after["alerts"] == before["alerts"] and after["policy"] == before["policy"]  # untouched
    assert after["always_open"] is True  # still open at all hours: the tests' clock is any time
    # the page shows what the server stored, normalised
    assert page.locator("#week tr[data-day='mon'] input").input_value() == "08:30–12:00, 13:30–17:30"

    # the kiosk follows at once: 实名 needed, then one ticket per person per service a day
    refused = take(served)
    assert refused.status_code == 409 and refused.json()["code"] == "ticket.id_required"
    assert take(served, id_number=ID_NUMBER).status_code == 201
    again = take(served, id_number=ID_NUMBER)
    assert again.json()["code"] == "ticket.person_limit" and again.json()["message_en"]

    # a line that is not a period: a clear message, nothing saved
    page.fill("#week tr[data-day='tue'] input", "八点半到十二点")
    page.click("#save-settings")
    page.wait_for_selector("#toast.error[data-code='manager.bad_periods']")
    assert "八点半到十二点" in page.locator("#toast").inner_text()
    assert "tue" not in settings(served)["hours"]

    # back to what the other tests expect
    page.fill("#week tr[data-day='tue'] input", "")
    page.uncheck("input[name=real_name_required]")
    page.fill("input[name=person_daily_limit]", "")
    page.click("#save-settings")
    page.wait_for_selector("#toast[data-code='console.saved']")
    restored = settings(served)
    assert (restored["real_name_required"], restored["person_daily_limit"]) == (False, None)
    assert take(served).status_code == 201


def test_a_clerk_cannot_open_the_settings_page(served: ServedHall, desk: Any) -> None:
    page = desk.new_page()
    log_in(page, served, "C2", "pw-c2", window="2")
    response = page.goto(served.url + "/manager/settings")
    assert response is not None and response.status == 403
    put = page.evaluate(
        """async () => {
             const csrf = decodeURIComponent(document.cookie.split('; ')
               .find((c) => c.startsWith('hallq_csrf=')).split('=')[1]);
             const response = await fetch('/api/v1/hall/settings', {method: 'PUT', body: '{}',
               headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}});
             return response.status;
           }"""
    )
    assert put == 403


def test_a_manager_turns_sms_on_sees_the_outbox_and_drops_a_message_the_gateway_refused(
    served: ServedHall, desk: Any
) -> None:
    emulator = MockGateway(
        "127.0.0.1", 0, GatewayEmulator("the-gateway's-secret")
    )  # the hall signs with none
    threading.Thread(target=emulator.serve_forever, daemon=True).start()
    try:
        stored = settings(served)
        stored["notices"]["gateway"] = {"kind": "http", "url": f"{emulator.url}/sms"}
        assert httpx.put(served.url + "/api/v1/hall/settings", json=stored, headers=served.as_("manager"))
        page = desk.new_page()
        log_in(page, served, "M1", "pw-m1", then="/manager/settings")
        page.wait_for_selector("body[data-ready='1']")
        page.check("input[name='notices.enabled']")
        page.fill("input[name='notices.ahead_at']", "2")
        page.click("#save-settings")
        page.wait_for_selector("#toast[data-code='console.saved']")
        assert (settings(served)["notices"]["enabled"], settings(served)["notices"]["ahead_at"]) == (True, 2)
        assert take(served, phone="13800138000", sms=True).status_code == 201
        page.reload()
        page.wait_for_selector("#outbox-dead li", timeout=60_000)
        row = page.locator("#outbox-destinations tr[data-destination='sms'] td")
        assert row.nth(4).inner_text() == "1"  # given up: the gateway refused the signature
        assert "bad signature" in page.locator("#outbox-dead li").inner_text()
        shot(page, "settings-outbox", full_page=True)
        page.click("#outbox-dead li button.drop")
        page.wait_for_selector("#toast[data-code='manager.outbox.dropped']")
        page.wait_for_selector("#outbox-dead li", state="detached")
        assert emulator.emulator.received == []
    finally:
        emulator.shutdown()
        stored = settings(served)
        stored["notices"]["enabled"] = False
        httpx.put(served.url + "/api/v1/hall/settings", json=stored, headers=served.as_("manager"))
