"""A manager keeps the service catalogue, the staff and the device tokens from the browser."""

from __future__ import annotations

import subprocess
from typing import Any

import httpx

from tests.consoles.conftest import WAIT_MS, ServedHall, log_in, shot


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_manager_changes_a_prefix_and_the_materials_and_the_next_ticket_follows(
    served: ServedHall, desk: Any
) -> None:
    page = desk.new_page()
    log_in(page, served, "M1", "pw-m1", then="/manager/catalogue")
    page.goto(served.url + "/manager/catalogue")
    page.fill("#search", "S3")
    page.click("#services tr[data-code=S3]")
    form = page.locator("#service-form")
    form.wait_for(state="visible")
    assert page.input_value("input[name=prefix]") == "B"
    page.fill("input[name=prefix]", "h")
    page.click("#add-material")
    row = page.locator("#materials tbody tr").last
    row.locator(".m-name").fill("户口簿")
    row.locator(".m-copies").fill("1")
    assert page.get_attribute("input[name=notice_ahead_at]", "placeholder") == "按大厅设置 the hall's setting"
    page.fill("input[name=notice_ahead_at]", "2")  # this service's SMS "N ahead", not the hall's
    page.click("#save-service")
    page.wait_for_selector("#toast:not(.error) >> text=已保存")
    page.wait_for_selector("#history li >> text=prefix")
    shot(page, "catalogue-edited", full_page=True)

    ticket = httpx.post(
        served.url + "/api/v1/tickets", json={"service_code": "S3"}, headers=bearer(served.tokens["kiosk"])
    )
    assert ticket.status_code == 201 and ticket.json()["number"] == "H001"
    guide = httpx.get(served.url + "/api/v1/services/S3", headers=bearer(served.tokens["kiosk"])).json()
    materials = {m["name"]: m for m in guide["guide"]["materials"]}
    assert materials["户口簿"]["originals"] == 1 and materials["户口簿"]["copies"] == 1
    edited = httpx.get(served.url + "/api/v1/catalogue/services/S3", headers=bearer(served.tokens["manager"]))
    assert edited.json()["notice_ahead_at"] == 2

    page.fill("input[name=daily_cap]", "-3")  # refused by the server, in both languages
    page.click("#save-service")
    error = page.locator("#toast.error")
    error.wait_for(state="visible")
    assert error.get_attribute("data-code") == "catalogue.cap_invalid"
    assert "每日放号量" in error.inner_text() and "daily cap" in error.inner_text()


def test_a_clerk_added_in_the_console_logs_in_but_cannot_open_the_staff_page(
    served: ServedHall, desk: Any, browser: Any
) -> None:
    page = desk.new_page()
    log_in(page, served, "M1", "pw-m1", then="/manager/staff")
    page.goto(served.url + "/manager/staff")
    page.fill("#add-staff input[name=staff_no]", "C7")
    page.fill("#add-staff input[name=name]", "孙丽")
    page.select_option("#add-staff select[name=role]", "clerk")
    page.fill("#add-staff input[name=password]", "clerk-pass-7")
    page.select_option("#add-staff select[name=window]", "2")
    page.select_option("#add-staff select[name=ab_partner]", "C2")
    page.click("#create-staff")
    row = page.locator("#staff tr[data-staff=C7]")
    row.wait_for()
    assert row.locator("select[name=ab_partner]").input_value() == "C2"
    partner = page.locator("#staff tr[data-staff=C2] select[name=ab_partner]")
    assert partner.input_value() == "C7"  # AB岗 both ways
    shot(page, "staff-added", full_page=True)

    clerk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        clerk.set_default_timeout(WAIT_MS)
        mine = clerk.new_page()
        log_in(mine, served, "C7", "clerk-pass-7", window="2", then="/clerk")
        refused = mine.goto(served.url + "/manager/staff")
        assert refused is not None and refused.status == 403
        assert "您的账号无权打开此页面" in mine.content()
        shot(mine, "staff-refused-to-clerk")
        cookies = {cookie["name"]: cookie["value"] for cookie in clerk.cookies()}
        api = httpx.get(served.url + "/api/v1/staff", cookies=cookies)
        assert api.status_code == 403 and api.json()["code"] == "auth.forbidden"
    finally:
        clerk.close()


def test_a_device_token_is_shown_once_with_its_qr_and_once_revoked_is_refused(
    served: ServedHall, desk: Any, tmp_path: Any
) -> None:
    page = desk.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, served, "M1", "pw-m1", then="/manager/staff")
    page.goto(served.url + "/manager/staff")
    page.select_option("#issue-token select[name=role]", "kiosk")
    page.fill("#issue-token input[name=label]", "kiosk-7")
    page.click("#issue")
    page.locator("#issued").wait_for(state="visible")
    token = page.inner_text("#issued-token").strip()
    qr = tmp_path / "qr.png"
    page.locator("#issued-qr").screenshot(path=str(qr))
    read = subprocess.run(["zbarimg", "--raw", "-q", str(qr)], capture_output=True, text=True, check=True)
    assert read.stdout.strip() == token
    shot(page, "token-issued", full_page=True)
    assert httpx.get(served.url + "/api/v1/services", headers=bearer(token)).status_code == 200

    row = page.locator("#tokens tr", has=page.locator("td.label", has_text="kiosk-7"))
    row.locator("button.revoke").click()
    page.locator("#tokens tr.revoked", has=page.locator("td.label", has_text="kiosk-7")).wait_for()
    refused = httpx.get(served.url + "/api/v1/services", headers=bearer(token))
    assert refused.status_code == 401 and refused.json()["code"] == "auth.invalid_token"
    page.click("#issued-close")
    assert token not in page.content()  # shown once: gone from the page once closed
    shot(page, "token-revoked", full_page=True)
