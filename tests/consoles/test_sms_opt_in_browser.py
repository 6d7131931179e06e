"""短信告知 opted in on the web, as citizens meet it: the lobby guide's tablet issues a ticket with
SMS notices, and a holder opts in (or out) on the ticket's own page, on a phone; a real
``hallq serve`` sends the notices to the gateway emulator over HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from hardware_mocks.gateway import MockGateway
from tests.consoles.conftest import ServedHall, log_in, shot
from tests.consoles.test_guide_browser import guide_account, tablet
from tests.support.browser import checked_context
from tests.support.gateway import running_gateway
from tests.support.served_hall import prepared_hall

__all__ = ["guide_account", "tablet"]  # the guide's fixtures, used here as they are

SECRET_ENV = "HALLQ_TEST_SMS_SECRET"


@pytest.fixture(scope="module")
def gateway() -> Iterator[MockGateway]:
    with running_gateway("sms-secret") as server:
        yield server


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, gateway: MockGateway) -> Iterator[ServedHall]:
    """The small hall, its SMS notices on and sent to the emulator, window 3 open."""
    db = tmp_path_factory.mktemp("sms") / "hall.db"
    with ServedHall(db, prepared_hall(db), env={SECRET_ENV: "sms-secret"}) as server:
        notices = {
            "enabled": True,
            "page_base": server.url,
            "gateway": {"kind": "http", "url": f"{gateway.url}/sms", "secret_env": SECRET_ENV},
        }
        switch_notices(server, notices)
        server.act("3", "open")
        yield server


def switch_notices(server: ServedHall, notices: dict[str, Any]) -> None:
    settings = httpx.get(server.url + "/api/v1/hall/settings", headers=server.as_("manager")).json()
    settings["notices"] = {**settings["notices"], **notices}
    put = httpx.put(server.url + "/api/v1/hall/settings", json=settings, headers=server.as_("manager"))
    assert put.status_code == 200, put.text


def received(gateway: MockGateway, until: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 60
    while True:
        with gateway.emulator.lock:
            seen = list(gateway.emulator.received)
        if until(seen) or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)


def to(seen: list[dict[str, Any]], phone: str) -> list[dict[str, Any]]:
    return [item for item in seen if item["phone"] == phone]


def test_the_guide_issues_a_ticket_with_sms_notices_and_the_holder_gets_them(
    served: ServedHall, tablet: Any, gateway: MockGateway
) -> None:
    page = tablet
    page.fill("#search", "S3")
    page.click("#results button.service[data-code='S3']")
    page.wait_for_selector("#service:not([hidden])")
    assert page.locator("#sms-choice").is_visible()  # the hall sends SMS: the guide may offer it
    page.check("#sms")  # without a phone the server says what is missing, in both languages
    page.click("#issue")
    page.wait_for_selector("#toast.error[data-code='ticket.sms_needs_phone']")
    page.fill("#issue-form input[name=phone]", "139 0013 9000")
    page.check("#sms")
    page.check("#sms-english")
    shot(page, "guide-sms-choice")
    page.click("#issue")
    page.wait_for_selector("#ticket-sms:not([hidden])")
    assert "短信告知：139****9000" in page.inner_text("#ticket-sms")
    assert "13900139000" not in page.content()
    token = page.locator("#issued").get_attribute("data-token")
    seen = received(gateway, lambda s: len(to(s, "13900139000")) >= 1)
    (taken,) = to(seen, "13900139000")
    assert taken["key"] == f"sms:{token}:taken" and f"{served.url}/t/{token}" in taken["text"]
    served.act("3", "call-next")  # the only ticket waiting: it is called
    seen = received(gateway, lambda s: len(to(s, "13900139000")) >= 2)
    assert to(seen, "13900139000")[1]["text"].endswith("号窗口办理。")  # no English template: zh-CN
    shot(page, "guide-sms-issued")
    with checked_context(page.context.browser, viewport={"width": 1366, "height": 768}) as wide:
        laptop = wide.new_page()  # the same desk on a laptop
        log_in(laptop, served, "G1", "pw-g1")
        laptop.wait_for_selector("body[data-ready='1']")
        laptop.fill("#search", "S3")
        laptop.click("#results button.service[data-code='S3']")
        laptop.wait_for_selector("#sms-choice:visible")
        shot(laptop, "guide-sms-1366", full_page=True)


def test_a_holder_opts_in_on_the_ticket_page_sees_only_the_masked_number_and_opts_out(
    served: ServedHall, browser: Any, gateway: MockGateway
) -> None:
    ticket = served.issue("S3")
    phone_size = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "device_scale_factor": 2}
    with checked_context(browser, **phone_size) as context:
        page = context.new_page()
        page.goto(served.url + ticket["status_url"])
        page.wait_for_selector("#sms:not([hidden])")
        assert "留下手机号" in page.inner_text("#sms-hint")
        page.fill("#sms-phone", "12345")
        page.click("#sms-on")
        page.wait_for_selector("#sms-error[data-code='ticket.invalid_phone']:not([hidden])")
        page.fill("#sms-phone", "138 0013 8000")
        page.click("#sms-on")
        page.wait_for_selector("#sms-enabled:not([hidden])")
        assert "短信将发送至 138****8000" in page.inner_text("#sms-to")
        assert "13800138000" not in page.content()
        shot(page, "ticket-sms-on", full_page=True)
        seen = received(gateway, lambda s: len(to(s, "13800138000")) >= 1)
        assert to(seen, "13800138000")[0]["key"] == f"sms:{ticket['token']}:taken"
        page.click("#sms-off")
        page.wait_for_selector("#sms-form:not([hidden])")
        shot(page, "ticket-sms-off", full_page=True)
        assert httpx.get(f"{served.url}/api/v1/tickets/{ticket['token']}/sms").json()["enabled"] is False
    with checked_context(browser, viewport={"width": 1366, "height": 768}) as context:
        page = context.new_page()
        page.goto(served.url + ticket["status_url"])
        page.wait_for_selector("#sms:not([hidden])")
        shot(page, "ticket-sms-1366", full_page=True)
        switch_notices(served, {"enabled": False})  # a hall without SMS: nothing offered
        try:
            page.reload()
            page.wait_for_selector("body[data-ready='1']")
            page.wait_for_load_state("networkidle")
            assert page.locator("#sms").is_hidden()
        finally:
            switch_notices(served, {"enabled": True})
