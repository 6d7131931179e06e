"""The SMS gateway on the settings page, in Chromium at 1366×768: a manager shapes the generic HTTP
gateway as the contract says (address, method, form, Alibaba's signature, request fields), the next
ticket's notice reaches the emulator in that shape; a broken template is refused with its reason,
nothing saved."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hardware_mocks.gateway import MockGateway
from tests.consoles.conftest import ServedHall, log_in, shot
from tests.support.browser import checked_context
from tests.support.gateway import running_gateway

SECRET_ENV = "HALLQ_TEST_PAGE_GATEWAY_SECRET"  # not set: the emulator here checks no signature


@pytest.fixture(scope="module")
def gateway() -> Iterator[MockGateway]:
    with running_gateway("") as server:
        yield server


def stored_gateway(served: ServedHall) -> dict[str, Any]:
    response = httpx.get(served.url + "/api/v1/hall/settings", headers=served.as_("manager"))
    return dict(response.json()["notices"]["gateway"])


def test_a_manager_shapes_the_sms_gateway_and_the_next_notice_goes_that_way(
    served: ServedHall, browser: Any, gateway: MockGateway
) -> None:
    assert SECRET_ENV not in os.environ
    with checked_context(browser, viewport={"width": 1366, "height": 768}) as desk:
        page = desk.new_page()
        log_in(page, served, "M1", "pw-m1", then="/manager/settings")
        page.wait_for_selector("body[data-ready='1']")
        page.check("input[name='notices.enabled']")
        page.select_option("select[name='notices.gateway.kind']", "http")
        page.fill("input[name='notices.gateway.url']", f"{gateway.url}/generic")
        page.select_option("select[name='notices.gateway.method']", "POST")
        page.select_option("select[name='notices.gateway.body_format']", "form")
        page.select_option("select[name='notices.gateway.signature']", "aliyun_rpc")
        page.fill("input[name='notices.gateway.access_key_id']", "LTAI-hall")
        page.fill("input[name='notices.gateway.template_code']", "SMS_88")
        page.fill("input[name='notices.gateway.secret_env']", SECRET_ENV)
        page.fill(
            "textarea[name='notices.gateway.body']",
            "Action = SendSms\nPhoneNumbers = {phone}\nTemplateCode = {template_code}\n"
            "TemplateParam = {template_params}\nOutId = {key}",
        )
        page.click("#save-settings")
        page.wait_for_selector("#toast[data-code='console.saved']")
        saved = stored_gateway(served)
        assert (saved["kind"], saved["method"], saved["body_format"], saved["signature"]) == (
            "http",
            "POST",
            "form",
            "aliyun_rpc",
        )
        assert saved["body"]["PhoneNumbers"] == "{phone}" and saved["body"]["OutId"] == "{key}"
        page.locator("#sms-gateway").scroll_into_view_if_needed()
        shot(page, "settings-sms-gateway-1366")

        body = {"service_code": "S1", "phone": "13800138000", "sms": True}
        ticket = httpx.post(served.url + "/api/v1/tickets", json=body, headers=served.as_("kiosk")).json()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not gateway.emulator.received:
            time.sleep(0.05)
        (got,) = gateway.emulator.received
        assert (got["method"], got["format"], got["key"]) == ("POST", "form", f"sms:{ticket['token']}:taken")
        fields = got["fields"]
        assert (fields["Action"], fields["PhoneNumbers"], fields["TemplateCode"]) == (
            "SendSms",
            "13800138000",
            "SMS_88",
        )
        assert fields["AccessKeyId"] == "LTAI-hall" and fields["SignatureMethod"] == "HMAC-SHA1"

        # a placeholder the gateway cannot fill: refused with the reason, nothing saved
        page.fill("textarea[name='notices.gateway.body']", "PhoneNumbers = {mobile}")
        page.click("#save-settings")
        page.wait_for_selector("#toast.error[data-code='settings.gateway_placeholder']")
        assert "mobile" in page.locator("#toast").inner_text()
        # a line that is no "field = template": refused on the page
        page.fill("textarea[name='notices.gateway.body']", "PhoneNumbers {phone}")
        page.click("#save-settings")
        page.wait_for_selector("#toast.error[data-code='manager.gateway.bad_line']")
        assert stored_gateway(served) == saved

        page.uncheck("input[name='notices.enabled']")  # back to what the other tests expect
        page.fill("textarea[name='notices.gateway.body']", "")
        page.select_option("select[name='notices.gateway.body_format']", "json")
        page.select_option("select[name='notices.gateway.signature']", "hmac_sha256")
        page.select_option("select[name='notices.gateway.kind']", "log")  # hides the fields above
        page.click("#save-settings")
        page.wait_for_selector("#toast[data-code='console.saved']")


def test_a_manager_lets_hallq_s_json_gateway_take_batches_and_a_size_out_of_range_is_refused(
    served: ServedHall, browser: Any, gateway: MockGateway
) -> None:
    with checked_context(browser, viewport={"width": 1366, "height": 768}) as desk:
        page = desk.new_page()
        log_in(page, served, "M1", "pw-m1", then="/manager/settings")
        page.wait_for_selector("body[data-ready='1']")
        size = page.locator("input[name='notices.gateway.batch_size']")
        page.select_option("select[name='notices.gateway.kind']", "aliyun")
        assert not size.is_visible()  # Alibaba Cloud's SendSms: one message a request
        page.select_option("select[name='notices.gateway.kind']", "http")
        assert size.input_value() == "1"
        page.fill("input[name='notices.gateway.url']", f"{gateway.url}/sms")
        page.fill("input[name='notices.gateway.batch_size']", "500")
        page.click("#save-settings")  # held by the page: the field says it takes 1 to 200
        assert page.locator("input[name='notices.gateway.batch_size']:invalid").count() == 1
        assert stored_gateway(served)["kind"] == "log"  # nothing saved
        page.fill("input[name='notices.gateway.batch_size']", "50")
        page.click("#save-settings")
        page.wait_for_selector("#toast[data-code='console.saved']")
        saved = stored_gateway(served)
        assert (saved["kind"], saved["url"], saved["batch_size"]) == ("http", f"{gateway.url}/sms", 50)
        page.locator("#sms-gateway").scroll_into_view_if_needed()
        shot(page, "settings-sms-gateway-batch-1366")
        # request fields of the contract's own shape carry one message a request: refused beside the size
        page.fill("textarea[name='notices.gateway.body']", "mobile = {phone}\ncontent = {text}")
        page.click("#save-settings")
        note = page.locator("label:has(input[name='notices.gateway.batch_size']) .field-error")
        note.wait_for()
        assert note.get_attribute("data-code") == "settings.gateway_batch_shape"
        assert "HallQ JSON" in note.inner_text() and stored_gateway(served) == saved
        shot(page, "settings-sms-gateway-batch-refused-1366")
        page.fill("textarea[name='notices.gateway.body']", "")
        page.select_option("select[name='notices.gateway.kind']", "log")  # back to what the others expect
        page.click("#save-settings")
        page.wait_for_selector("#toast[data-code='console.saved']")
