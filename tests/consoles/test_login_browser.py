"""Logging in to the consoles from a browser, and who may open which page."""

from __future__ import annotations

from typing import Any

import httpx

from tests.consoles.conftest import ServedHall, log_in, shot


def test_a_wrong_password_is_refused_in_both_languages_and_nothing_opens(
    served: ServedHall, desk: Any
) -> None:
    page = desk.new_page()
    page.goto(served.url + "/login")
    assert page.locator("h1 .zh").inner_text() == "工作人员登录"
    page.fill("#staff_no", "M1")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    error = page.locator("#error")
    error.wait_for(state="visible")
    assert error.get_attribute("data-code") == "auth.bad_credentials"
    assert "工号或密码错误" in error.inner_text() and "Wrong staff number or password" in error.inner_text()
    assert "/login" in page.url
    shot(page, "login-refused")


def test_a_page_asked_for_without_a_session_leads_to_the_login_and_back(
    served: ServedHall, desk: Any
) -> None:
    page = desk.new_page()
    page.goto(served.url + "/manager/evaluations")
    assert "/login?next=/manager/evaluations" in page.url
    page.fill("#staff_no", "M1")
    page.fill("#password", "pw-m1")
    page.click("button[type=submit]")
    page.wait_for_url("**/manager/evaluations")


def test_a_clerk_cannot_open_a_manager_page(served: ServedHall, desk: Any) -> None:
    page = desk.new_page()
    log_in(page, served, "C1", "pw-c1", window="1", then="/clerk")
    response = page.goto(served.url + "/manager/evaluations")
    assert response is not None and response.status == 403
    assert "您的账号无权打开此页面" in page.content()
    shot(page, "clerk-refused-manager-page")
    # and the data behind it is refused too, with the clerk's own session
    cookies = {cookie["name"]: cookie["value"] for cookie in desk.cookies()}
    api = httpx.get(served.url + "/api/v1/evaluations/indicators", cookies=cookies)
    assert api.status_code == 403 and api.json()["code"] == "auth.forbidden"


def test_the_catalogue_script_carries_every_message_and_the_served_pages(served: ServedHall) -> None:
    script = httpx.get(served.url + "/catalogue.js").text
    assert '"console.forbidden": ["您的账号无权打开此页面。"' in script
    assert "window.HALLQ_PAGES = [" in script and '"/manager/evaluations"' in script
    assert httpx.get(served.url + "/static/console.js").headers["cache-control"] == "no-cache"
