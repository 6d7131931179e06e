"""The manager's calendar in Chromium shows the two calendars apart and what a change did to the
open deadlines (a 差评 follow-up recounted when a holiday is declared, and back when it is cleared)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from tests.consoles.conftest import ServedHall, log_in, shot


@pytest.fixture
def manager_page(served: ServedHall, desk: Any) -> Any:
    page = desk.new_page()
    log_in(page, served, "M1", "pw-m1")
    page.wait_for_url("**/manager")
    return page


def post(served: ServedHall, path: str, who: str | None, body: Any = None) -> Any:
    headers = served.as_(who) if who else {}
    response = httpx.post(served.url + "/api/v1" + path, json=body, headers=headers)
    assert response.status_code < 300, response.text
    return response.json()


def bad_rating(served: ServedHall) -> dict[str, Any]:
    """A case concluded at window 1 and rated 不满意 on the ticket's page: its open follow-up."""
    post(served, "/windows/1/open", "clerk1")
    ticket = post(served, "/tickets", "kiosk", {"service_code": "S1"})
    post(served, "/windows/1/call-next", "clerk1")
    post(served, "/windows/1/conclude", "clerk1")
    evaluation = httpx.get(f"{served.url}/api/v1/tickets/{ticket['token']}/evaluation").json()
    rated = post(
        served,
        f"/evaluations/{evaluation['id']}/rating",
        None,
        {"level": "dissatisfied", "ticket_token": ticket["token"]},
    )
    return {"ticket": ticket["number"], **rated["follow_up"]}


def test_declaring_a_holiday_shows_the_follow_up_it_moved(served: ServedHall, manager_page: Any) -> None:
    follow = bad_rating(served)
    holiday = follow["verify_due"]
    page = manager_page
    page.goto(f"{served.url}/manager/calendar?day={holiday}")
    page.wait_for_selector("body[data-ready='1']")
    page.select_option("#mark select[name=kind]", "holiday")
    page.fill("#mark input[name=note]", "临时休假")
    page.click("#mark-save")
    moved = page.locator("#moved-deadlines li.moved")
    moved.first.wait_for()
    texts = moved.all_inner_texts()
    assert len(texts) == 3  # 核实, 整改 and 回访 all move one working day
    assert "核实" in texts[0] and follow["ticket"] in texts[0] and f"{holiday} → " in texts[0]
    shot(page, "manager-calendar-deadlines")
    page.click("#mark-clear")
    page.locator(f"#month button.day[data-day='{holiday}']:not(.holiday)").wait_for()
    back = page.locator("#moved-deadlines li.moved")
    back.first.wait_for()
    assert f"→ {holiday}" in back.first.inner_text()


def test_an_open_weekend_day_is_shown_as_no_working_day(served: ServedHall, manager_page: Any) -> None:
    today = date.today()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    page = manager_page
    page.goto(f"{served.url}/manager/calendar?day={saturday.isoformat()}")
    page.wait_for_selector("body[data-ready='1']")
    state = page.locator("#day-state").inner_text()
    assert "全天办公" in state and "非法定工作日" in state  # the test hall opens at all hours
