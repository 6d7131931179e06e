"""The manager's console in Chromium: live hall, reallocation while tickets flow, alerts, calendar."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.consoles.conftest import ServedHall, log_in, shot, slot_around
from tests.support.browser import checked_context

M = "manager"


@pytest.fixture
def manager_page(served: ServedHall, desk: Any) -> Any:
    page = desk.new_page()
    log_in(page, served, "M1", "pw-m1")
    page.wait_for_url("**/manager")
    return page


@pytest.fixture
def board(served: ServedHall, browser: Any) -> Iterator[Any]:
    """The lobby board in its own browser context (a device cookie, not a session)."""
    with checked_context(browser, viewport={"width": 1280, "height": 720}) as context:
        page = context.new_page()
        page.goto(f"{served.url}/board?token={served.tokens['board']}")
        page.wait_for_selector("#queues li")
        yield page


def api(served: ServedHall, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, served.url + "/api/v1" + path, json=body, headers=served.as_(M))
    assert response.status_code < 300, response.text
    return response.json()


def services_of(served: ServedHall, window: str) -> list[str]:
    return next(w for w in api(served, "GET", "/hall")["windows"] if w["number"] == window)["services"]


def test_a_manager_reallocates_windows_while_tickets_flow(
    served: ServedHall, manager_page: Any, board: Any
) -> None:
    page = manager_page
    served.settings(policy={"mode": "strict", "priority_max": 1, "priority_span": 2})
    served.act("1", "open")
    served.act("2", "open")
    first = served.issue("S1")["number"]
    served.issue("S1")
    s2 = served.issue("S2")["number"]
    page.wait_for_selector("#queues tr[data-service='S1'] .waiting:text-is('2')")
    page.wait_for_selector(".tile[data-window='1'][data-status='open']")
    assert page.locator(".tile[data-window='1'] .pill.status .zh").inner_text() == "服务中"
    shot(page, "manager-hall")

    # window 2 serves S2 first, then S1: open it in the side panel, tick S1 (preference 2 comes by
    # itself) and save
    page.goto(served.url + "/manager/allocation")
    page.wait_for_selector("body[data-ready='1']")
    page.locator("#matrix tr[data-window='2'] button.edit").click()
    panel = page.locator("#panel[data-window='2']")
    panel.locator("input[type=checkbox][data-service='S1']").check()
    assert panel.locator("input.preference[data-service='S1']").input_value() == "2"
    panel.locator("button.save").click()
    page.wait_for_selector("#panel[data-window='2']:not(.dirty)")
    page.wait_for_selector("#matrix tr[data-window='2'] td.services [data-service='S1']")
    assignments = api(served, "GET", "/windows/2/assignments")["assignments"]
    assert [(a["service_code"], a["preference"]) for a in assignments] == [("S2", 1), ("S1", 2)]
    assert services_of(served, "2") == ["S2", "S1"]
    change = page.locator("#audit li[data-action='assignments.replace'][data-subject='window:2']").first
    change.wait_for()
    assert change.locator(".before").inner_text() == "1.S2"
    assert change.locator(".after").inner_text() == "1.S2 2.S1"

    # pause window 1 from the matrix: the board and the snapshot follow
    page.locator("#matrix tr[data-window='1'] button.set-paused").click()
    page.wait_for_selector("#matrix tr[data-window='1'] .pill:has-text('暂停')")
    board.wait_for_selector("#windows .win[data-window='1'].paused")
    hall = api(served, "GET", "/hall")
    assert hall["windows"][0]["status"] == "paused"
    assert [q["windows_open"] for q in hall["queues"] if q["service_code"] == "S1"] == [1]  # window 2 now
    status = page.locator("#audit li[data-action='window.status'][data-subject='window:1']").first
    status.wait_for()
    assert "服务中" in status.locator(".before").inner_text()
    assert "暂停" in status.locator(".after").inner_text()
    shot(page, "manager-allocation")

    # tickets keep flowing: window 2 takes its first service first, then S1's oldest
    assert served.act("2", "call-next")["ticket"]["number"] == s2
    board.wait_for_selector(f"#call-text:has-text('{s2}')")
    served.act("2", "conclude")
    assert served.act("2", "call-next")["ticket"]["number"] == first
    board.wait_for_selector(f"#windows .win[data-window='2'] .win-now:text-is('{first}')")
    shot(board, "manager-board-after")

    # the live hall shows it: window 1 paused, window 2 serving the S1 ticket, one S1 left
    page.goto(served.url + "/manager")
    page.wait_for_selector(".tile[data-window='1'][data-status='paused']")
    page.wait_for_selector(f".tile[data-window='2'] .ticket:text-is('{first}')")
    page.wait_for_selector("#queues tr[data-service='S1'] .waiting:text-is('1')")
    page.locator("#matrix, #windows").first.wait_for()
    api(served, "PUT", "/windows/1/status", {"status": "open"})
    page.wait_for_selector(".tile[data-window='1'][data-status='open']")  # live, without a reload
    shot(page, "manager-hall-after")


def test_a_device_alarm_is_shown_live_and_acknowledged_and_a_threshold_is_edited(
    served: ServedHall, manager_page: Any
) -> None:
    page = manager_page
    page.wait_for_selector("#queues tbody tr")
    report = {"kind": "printer", "device": "kiosk-1", "state": "paper_out", "detail": "纸仓空"}
    sent = httpx.post(served.url + "/api/v1/devices/status", json=report, headers=served.as_("kiosk"))
    assert sent.status_code == 204
    page.wait_for_selector("#devices tr[data-device='kiosk-1'] .pill.bad:has-text('缺纸')")
    alarm = page.locator("#alerts li[data-rule='device.trouble']")
    alarm.wait_for()  # raised by the alert engine's next round (every 15 s)
    assert "kiosk-1" in alarm.inner_text() and "红灯" in alarm.inner_text()
    shot(page, "manager-alert")
    alarm.locator("button.ack").click()
    page.wait_for_selector("#alerts li[data-rule='device.trouble'].acked")
    [standing] = [a for a in api(served, "GET", "/alerts") if a["rule"] == "device.trouble"]
    assert standing["acknowledged_at"] is not None and standing["acknowledged_by"].endswith("王主任")

    page.fill("#thresholds input[name=wait_yellow]", "25")
    page.click("#save-thresholds")
    page.wait_for_selector("#toast:has-text('已保存')")
    assert api(served, "GET", "/hall/settings")["alerts"]["wait_yellow"] == 25


def test_a_manager_opens_slots_marks_a_holiday_and_sees_bookings_checked_in(
    served: ServedHall, manager_page: Any
) -> None:
    page = manager_page
    zone = ZoneInfo("Asia/Shanghai")
    now = datetime.now(zone)
    today = now.date().isoformat()
    holiday = (now.date() + timedelta(days=3)).isoformat()
    page.goto(f"{served.url}/manager/calendar?day={today}")
    page.wait_for_selector("body[data-ready='1']")
    start, end = slot_around(now)
    page.select_option("#slot select[name=service]", "S1")
    page.fill("#slot input[name=start]", start)
    page.fill("#slot input[name=end]", end)
    page.fill("#slot input[name=capacity]", "3")
    page.click("#slot-open")
    page.wait_for_selector("#slots tbody tr")
    [slot] = api(served, "GET", f"/appointments/slots?day={today}&service=S1")
    assert (slot["capacity"], slot["open"]) == (3, True)

    booked = httpx.post(
        served.url + "/api/v1/appointments",
        json={"slot_id": slot["id"], "phone": "13800138000"},
        headers=served.as_("kiosk"),
    ).json()
    httpx.post(
        served.url + "/api/v1/appointments/check-in",
        json={"code": booked["code"]},
        headers=served.as_("kiosk"),
    ).raise_for_status()
    page.goto(f"{served.url}/manager/calendar?day={today}")
    row = page.locator(f"#bookings tr[data-code='{booked['code']}']")
    row.wait_for()
    assert "已签到" in row.inner_text() and "138****8000" in row.inner_text()
    assert "13800138000" not in page.content()

    page.locator(f"#month button.day[data-day='{holiday}']").click() if holiday[:7] == today[:7] else None
    if holiday[:7] != today[:7]:
        page.goto(f"{served.url}/manager/calendar?day={holiday}")
        page.wait_for_selector("body[data-ready='1']")
    page.select_option("#mark select[name=kind]", "holiday")
    page.fill("#mark input[name=note]", "测试假日")
    page.click("#mark-save")
    page.wait_for_selector(f"#month button.day.holiday[data-day='{holiday}']")
    [entry] = api(served, "GET", f"/calendar?start={holiday}&end={holiday}")
    assert (entry["kind"], entry["working"], entry["note"]) == ("holiday", False, "测试假日")
    shot(page, "manager-calendar")

    page.locator(f"#month button.day[data-day='{holiday}']").click()
    page.click("#mark-clear")
    cleared = page.locator(f"#month button.day[data-day='{holiday}']:not(.holiday)")
    cleared.wait_for()
    # the test hall is open at all hours: an ordinary day is a working day all day, not 不办公
    assert "全天办公" in cleared.inner_text() and "off" not in (cleared.get_attribute("class") or "")
    assert "全天办公" in page.locator("#day-state").inner_text()

    # 延时服务: window 1 approved until 19:00 that day, listed, then withdrawn
    page.select_option("#window-hours select[name=window]", "1")
    page.fill("#window-hours input[name=periods]", "17:30-19:00")
    page.click("#window-hours-save")
    approved = page.locator("#approved-hours tr[data-window='1']")
    approved.wait_for()
    assert "17:30–19:00" in approved.inner_text() and "王主任" in approved.inner_text()
    [hours] = api(served, "GET", f"/calendar/{holiday}/windows")
    assert (hours["window"], hours["periods"]) == ("1", [["17:30:00", "19:00:00"]])
    page.click("#window-hours-clear")
    page.locator("#approved-hours tr[data-window='1']").wait_for(state="detached")
    assert "当日无窗口延时服务" in page.locator("#approved-hours").inner_text()
    assert api(served, "GET", f"/calendar/{holiday}/windows") == []


def test_the_evaluations_page_sits_on_the_console_base(served: ServedHall, manager_page: Any) -> None:
    page = manager_page
    page.goto(served.url + "/manager/evaluations")
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator(".topbar nav a.active .zh").inner_text() == "好差评"
    assert page.locator("#follow th").nth(2).inner_text().startswith("环节")
    assert "date_from" not in (page.get_attribute("#csv", "href") or "")
    page.fill("#from", "2026-01-01")
    page.click("#refresh")
    page.wait_for_function("() => document.getElementById('csv').href.includes('date_from=2026-01-01')")
    shot(page, "manager-evaluations")
