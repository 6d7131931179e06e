"""The hall settings page in Chromium: weekly hours marked as 延时服务 apart from the regular hours."""

from __future__ import annotations

from typing import Any

import httpx

from tests.consoles.conftest import ServedHall, log_in, shot


def test_a_manager_marks_saturday_morning_as_extended_service(served: ServedHall, desk: Any) -> None:
    page = desk.new_page()
    log_in(page, served, "M1", "pw-m1")
    page.wait_for_url("**/manager")
    page.goto(f"{served.url}/manager/settings")
    page.wait_for_selector("body[data-ready='1']")
    page.fill("#week tr[data-day='mon'] input", "08:30-12:00, 13:30-17:30")
    page.fill("#extended-week tr[data-day='sat'] input", "09:00-12:00")
    page.click("#save-settings")
    page.wait_for_selector("#toast[data-code='console.saved']")
    stored = httpx.get(served.url + "/api/v1/hall/settings", headers=served.as_("manager")).json()
    assert stored["hours"] == {"mon": [["08:30:00", "12:00:00"], ["13:30:00", "17:30:00"]]}
    assert stored["extended_hours"] == {"sat": [["09:00:00", "12:00:00"]]}
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("#extended-week tr[data-day='sat'] input").input_value() == "09:00–12:00"
    assert page.locator("#week tr[data-day='sat'] input").input_value() == ""
    shot(page, "settings-extended-hours", full_page=True)
