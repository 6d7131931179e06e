"""What a manager edits on the settings page, in Chromium at a clerk desk's 1366×768, against
``hallq serve`` and the gateway emulator over HTTP: a notice's wording (with its placeholders and a
live preview, the number masked) saved, kept after a reload and sent that way; a placeholder the
notice does not have refused beside its field; the 好差评 push destination set in the same gateway
fieldset as the SMS gateway and a rating reaching the emulated platform; a test SMS through the
saved gateway, answered at once, masked and audited."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from hardware_mocks.gateway import MockGateway
from tests.consoles.conftest import ServedHall, log_in, shot
from tests.support.browser import checked_context
from tests.support.gateway import running_gateway
from tests.support.hall_server import free_port

DESK = {"width": 1366, "height": 768}
PAGE_BASE = "https://hall.example.gov.cn"
TAKEN = "【{hall}】取号 {number}，前面 {ahead} 人。进度 {link}"


@pytest.fixture(scope="module")
def gateway() -> Iterator[MockGateway]:
    with running_gateway("") as server:  # the hall names no secret: both sides sign with ""
        yield server


@pytest.fixture(scope="module")
def desk_page(browser: Any, served: ServedHall) -> Iterator[Any]:
    """The manager's page at the desk, logged in once for the module."""
    with checked_context(browser, viewport=DESK) as context:
        opened = context.new_page()
        log_in(opened, served, "M1", "pw-m1", then="/manager/settings")
        yield opened


@pytest.fixture
def page(desk_page: Any) -> Any:
    """The settings page freshly loaded (what the tests before left unsaved is gone), ready."""
    desk_page.reload()
    desk_page.wait_for_selector("body[data-ready='1']")
    return desk_page


def api(served: ServedHall, method: str, path: str, who: str = "manager", **body: Any) -> httpx.Response:
    headers = served.as_(who) if who else {}
    return httpx.request(method, served.url + "/api/v1" + path, headers=headers, timeout=30, **body)


def stored(served: ServedHall) -> dict[str, Any]:
    response = api(served, "GET", "/hall/settings")
    assert response.status_code == 200, response.text
    return dict(response.json())


def received(gateway: MockGateway, path: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = [r for r in gateway.emulator.received if r["path"] == path]
        if len(got) >= count:
            return got
        time.sleep(0.05)
    raise AssertionError(f"{path}: {gateway.emulator.received}")


def save(page: Any) -> None:
    page.click("#save-settings")
    page.wait_for_selector("#toast[data-code='console.saved']")


def quiet_hours_away_from_now() -> tuple[str, str]:
    """An hour of quiet six hours from now (the hall's clock), so it holds nothing this test sends."""
    start = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(hours=6)
    return start.strftime("%H:%M"), (start + timedelta(hours=1)).strftime("%H:%M")


def test_a_manager_rewords_the_taken_notice_and_the_next_ticket_is_told_so(
    served: ServedHall, page: Any, gateway: MockGateway
) -> None:
    quiet = quiet_hours_away_from_now()
    editor = page.locator(".notice-editor[data-kind='taken']")
    assert editor.locator("button.chip").all_inner_texts() == [
        "{hall}",
        "{number}",
        "{service}",
        "{ahead}",
        "{link}",
    ]
    assert page.locator(".notice-editor").count() == 7
    page.check("input[name='notices.enabled']")
    page.fill("input[name='notices.page_base']", PAGE_BASE)
    page.fill("[data-quiet='0']", quiet[0])
    page.fill("[data-quiet='1']", quiet[1])
    page.select_option("select[name='notices.gateway.kind']", "http")
    page.fill("input[name='notices.gateway.url']", f"{gateway.url}/sms")
    page.fill("textarea[name='notices.templates.taken.zh']", TAKEN)
    preview = editor.locator(".preview").inner_text()
    assert "138****8000" in preview and "A012" in preview and f"{PAGE_BASE}/t/" in preview
    assert "{" not in editor.locator(".preview-zh").inner_text()
    page.uncheck("input[name='notices.templates.missed.on']")
    page.evaluate("document.getElementById('notices').scrollIntoView()")
    shot(page, "settings-notices-top-1366")
    editor.scroll_into_view_if_needed()
    shot(page, "settings-notices-1366")
    save(page)

    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert page.input_value("textarea[name='notices.templates.taken.zh']") == TAKEN
    assert not page.is_checked("input[name='notices.templates.missed.on']")
    assert page.is_checked("input[name='notices.templates.called.on']")  # never worded: on, default
    called = page.input_value("textarea[name='notices.templates.called.zh']")
    assert called.startswith("【{hall}】{number} 号")
    assert (page.input_value("[data-quiet='0']"), page.input_value("[data-quiet='1']")) == quiet
    notices = stored(served)["notices"]
    assert notices["quiet_hours"] == [f"{quiet[0]}:00", f"{quiet[1]}:00"]
    assert notices["page_base"] == PAGE_BASE and notices["templates"]["missed"]["on"] is False

    body = {"service_code": "S1", "phone": "13800138000", "sms": True}
    ticket = api(served, "POST", "/tickets", who="kiosk", json=body).json()
    hall = api(served, "GET", "/hall/settings/notice-kinds").json()["samples"]["hall"]
    (got,) = received(gateway, "/sms", 1)
    link = f"{PAGE_BASE}/t/{ticket['token']}"
    want = f"【{hall}】取号 {ticket['number']}，前面 {ticket['people_ahead']} 人。进度 {link}"
    assert (got["kind"], got["text"]) == ("sms.taken", want)


def test_a_placeholder_the_notice_does_not_have_is_refused_beside_its_field(
    served: ServedHall, page: Any
) -> None:
    before = stored(served)
    field = "textarea[name='notices.templates.ahead.zh']"
    page.fill(field, "{number} 号前面还有 {ahead} 人，请到 {window} 号窗口")  # "ahead" knows no window
    assert page.locator(".notice-editor[data-kind='ahead'] mark.unknown").inner_text() == "{window}"
    page.fill("textarea[name='notices.templates.called.en']", "{number}, please go to window {window}.")
    save_refused = page.locator(".notice-editor[data-kind='ahead'] .field-error")
    page.click("#save-settings")
    save_refused.wait_for()
    assert save_refused.get_attribute("data-code") == "settings.notice_placeholder"
    said = save_refused.inner_text()
    assert "{window}" in said and "前面还有 N 人" in said and "N ahead" in said
    assert page.get_attribute(field, "aria-invalid") == "true"
    shot(page, "settings-notice-refused-1366")
    assert stored(served) == before

    page.fill(field, "{number} 号前面还有 {ahead} 人")
    page.fill("textarea[name='notices.templates.called.en']", "x" * 501)  # past a wording's bound
    page.click("#save-settings")
    too_long = page.locator(".notice-editor[data-kind='called'] .field-error[data-code='request.invalid']")
    too_long.wait_for()
    assert page.locator(".notice-editor[data-kind='ahead'] .field-error").count() == 0
    assert stored(served) == before

    english = "{number}, please go to window {window}."
    page.fill("textarea[name='notices.templates.called.en']", english)
    save(page)
    assert stored(served)["notices"]["templates"]["called"]["en"] == english
    page.locator(".notice-editor[data-kind='called']").scroll_into_view_if_needed()
    assert "A012, please go to window 5." in page.inner_text(".notice-editor[data-kind='called'] .preview-en")
    shot(page, "settings-notice-english-1366")


def test_the_push_destination_is_set_in_the_same_fieldset_and_a_rating_reaches_the_platform(
    served: ServedHall, page: Any, gateway: MockGateway
) -> None:
    sms = page.locator("#sms-gateway label").evaluate_all("ls => ls.map(l => l.dataset.kinds)")
    push = page.locator("#push-gateway label").evaluate_all("ls => ls.map(l => l.dataset.kinds)")
    assert len(push) == len(sms) - 2  # the same fields, but the SMS template code and signature name
    assert page.locator("#push-gateway select[name='evaluation_push.gateway.kind'] option").count() == 2
    page.check("input[name='evaluation_push.enabled']")
    page.select_option("select[name='evaluation_push.gateway.kind']", "http")
    # Under each gateway what its request fields may name: a rating has no number and no text.
    listed = "#{} [data-gateway-placeholders] code"
    assert page.locator(listed.format("push-gateway")).all_inner_texts() == [
        "{key}",
        "{timestamp}",
        "{kind}",
        "{data}",
    ]
    sms_listed = page.locator(listed.format("sms-gateway")).all_text_contents()  # shown for its http kind
    assert {"{phone}", "{text}", "{key}"} <= set(sms_listed)
    page.fill("input[name='evaluation_push.gateway.url']", f"{gateway.url}/evaluations")
    page.select_option("select[name='evaluation_push.gateway.signature']", "none")
    page.click("#save-settings")  # another signature without request fields: refused beside them
    refused = page.locator("#push-gateway .field-error[data-code='settings.gateway_needs_body']")
    refused.wait_for()
    page.select_option("select[name='evaluation_push.gateway.signature']", "hmac_sha256")
    save(page)
    push_settings = stored(served)["evaluation_push"]
    assert push_settings["enabled"] is True
    assert (push_settings["gateway"]["kind"], push_settings["gateway"]["url"]) == (
        "http",
        f"{gateway.url}/evaluations",
    )
    page.locator("#push-gateway").scroll_into_view_if_needed()
    shot(page, "settings-push-gateway-1366")

    ticket = api(served, "POST", "/tickets", who="kiosk", json={"service_code": "S1"}).json()
    assert api(served, "POST", "/windows/1/open", who="clerk1").status_code == 200
    for _ in range(5):  # the tickets of the tests before go first
        called = api(served, "POST", "/windows/1/call-next", who="clerk1").json()["ticket"]["number"]
        assert api(served, "POST", "/windows/1/conclude", who="clerk1").status_code == 200
        if called == ticket["number"]:
            break
    evaluation = api(served, "GET", f"/tickets/{ticket['token']}/evaluation", who="").json()
    rating = {"level": "very_satisfied", "ticket_token": ticket["token"]}
    assert api(served, "POST", f"/evaluations/{evaluation['id']}/rating", who="", json=rating).is_success
    (got,) = received(gateway, "/evaluations", 1)
    assert (got["level"], got["level_name"], got["ticket"]) == (5, "非常满意", ticket["number"])


def test_a_test_sms_goes_through_the_saved_gateway_masked_audited_and_limited(
    served: ServedHall, page: Any, gateway: MockGateway
) -> None:
    def point_sms_at(url: str) -> None:
        settings = stored(served)
        settings["notices"]["gateway"] = {"kind": "http", "url": url}
        assert api(served, "PUT", "/hall/settings", json=settings).status_code == 200

    point_sms_at(f"{gateway.url}/sms")
    page.locator("#test-sms").scroll_into_view_if_needed()
    page.fill("#test-sms-phone", "13912345678")
    page.click("#send-test-sms")
    page.wait_for_selector("#test-sms-result[data-outcome='delivered']")
    said = page.inner_text("#test-sms-result")
    assert "139****5678" in said and "13912345678" not in page.content()
    assert page.input_value("#test-sms-phone") == ""
    shot(page, "settings-test-sms-1366")
    got = [r for r in received(gateway, "/sms", 1) if r["kind"] == "sms.test"]
    assert [r["phone"] for r in got] == ["13912345678"] and "短信网关测试" in got[0]["text"]
    with sqlite3.connect(served.db) as db:
        (detail,) = db.execute("SELECT detail FROM audit_log WHERE action = 'outbox.test_sms'").fetchone()
    assert "139****5678" in detail and "13912345678" not in detail

    with running_gateway("the contract's secret") as strict:  # the hall signs with none: refused
        point_sms_at(f"{strict.url}/sms")
        page.fill("#test-sms-phone", "13912345678")
        page.click("#send-test-sms")
        page.wait_for_selector("#test-sms-result[data-outcome='refused']")
        assert "bad signature" in page.inner_text("#test-sms-result") and strict.emulator.received == []
    point_sms_at(f"http://127.0.0.1:{free_port()}/sms")  # nobody listens
    away = api(served, "POST", "/outbox/test-sms", json={"phone": "13912345678"}).json()
    assert (away["outcome"], away["gateway"], away["phone_masked"]) == ("failed", "http", "139****5678")

    wrong = api(served, "POST", "/outbox/test-sms", json={"phone": "12345"})
    assert (wrong.status_code, wrong.json()["code"]) == (422, "ticket.invalid_phone")
    clerk = api(served, "POST", "/outbox/test-sms", who="clerk1", json={"phone": "13912345678"})
    assert clerk.status_code == 403
    point_sms_at(f"{gateway.url}/sms")
    answers = [api(served, "POST", "/outbox/test-sms", json={"phone": "13912345678"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]  # 5 in any 10 minutes
    assert answers[-1].json()["code"] == "outbox.test_sms_busy" and "Retry-After" in answers[-1].headers
    assert "13912345678" not in answers[0].text and answers[0].json()["outcome"] == "delivered"
