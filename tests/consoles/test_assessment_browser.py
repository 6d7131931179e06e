"""The monthly assessment meeting and the supervision page in Chromium, driven as a manager does.

Screenshots land in artifacts/consoles/ (assessment-*.png, supervision.png).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.consoles.conftest import WAIT_MS, ServedHall, log_in, shot


def last_month() -> str:
    return (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


@pytest.fixture
def manager(served: ServedHall, desk: Any) -> Any:
    page = desk.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the close-month confirmation
    log_in(page, served, "M1", "pw-m1", then=f"/manager/assessment?month={last_month()}")
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    return page


def total_of(page: Any, window: str) -> str:
    return page.inner_text(f"#ranking tr[data-window='{window}'] td.total")


def full_shot(page: Any, name: str) -> None:
    """A full-page screenshot from the top (the tables' sticky headers follow the scroll)."""
    page.evaluate("() => window.scrollTo(0, 0)")
    shot(page, name, full_page=True)


def enter(page: Any, window: str, rule: str, reason: str) -> None:
    page.select_option("#entry [name=window]", window)
    page.select_option("#entry [name=rule]", rule)
    page.fill("#entry [name=reason]", reason)
    page.click("#entry-save")


def test_the_monthly_meeting_ranks_confirms_the_model_window_and_closes_the_month(
    served: ServedHall, manager: Any
) -> None:
    page = manager
    enter(page, "2", "hygiene.messy", "桌面杂乱（督查检查）")
    page.wait_for_selector("#ranking tr[data-window='2']")
    enter(page, "1", "bonus.suggestion", "建议被中心采纳")
    page.wait_for_selector("#ranking tr[data-window='1']")
    assert total_of(page, "1") == "102" and total_of(page, "2") == "98"
    assert "黄旗窗口" in page.inner_text("#ranking tr[data-window='2'] td.flags")
    page.click("#ranking tr[data-window='1'] .model-toggle")
    page.wait_for_selector("#ranking tr[data-window='1'] .pill.model")
    page.click("#ranking tr[data-window='2'] button:has-text('明细')")
    page.wait_for_selector("#sheet-card:not([hidden]) #lines tr")
    assert "窗口杂乱" in page.inner_text("#lines") and "桌面杂乱" in page.inner_text("#lines")
    full_shot(page, "assessment-meeting")
    page.click("#close-month")
    page.wait_for_selector("#state.warn")
    assert "已结账" in page.inner_text("#state") and page.is_hidden("#entry-card")
    assert page.is_hidden("#ranking .model-toggle")
    shot(page, "assessment-closed")


def test_a_complaint_is_registered_verified_reported_and_waived_on_the_sheet(
    served: ServedHall, manager: Any
) -> None:
    page = manager
    page.fill("#month", date.today().strftime("%Y-%m"))
    page.click("#pick button[type=submit]")
    page.select_option("#complaint [name=category]", "attitude")
    page.select_option("#complaint [name=window]", "1")
    page.fill("#complaint [name=clerk_staff_no]", "C1")
    page.fill("#complaint [name=contact_phone]", "13812345678")
    page.fill("#complaint [name=summary]", "窗口人员态度生硬")
    page.click("#complaint-save")
    row = page.locator("#complaints tbody tr").first
    row.wait_for()
    assert "138****5678" in row.inner_text() and "待核实" in row.inner_text()
    row.locator("input[name=finding]").fill("调取录像，情况属实")
    row.locator("input[name=points]").fill("6")
    row.locator("button.verify").click()
    page.wait_for_selector("#complaints tbody tr button.report")
    page.locator("#complaints tbody tr input[name=outcome]").first.fill("已电话反馈投诉人")
    page.click("#complaints tbody tr button.report")
    page.wait_for_selector("#complaints tbody tr:has-text('已反馈')")
    page.select_option("#praise [name=kind]", "banner")
    page.select_option("#praise [name=window]", "1")
    page.fill("#praise [name=note]", "群众赠送锦旗“服务热情”")
    page.click("#praise-save")
    page.wait_for_selector("#praise-list tbody tr:has-text('锦旗')")
    page.wait_for_function(
        "() => { const c = document.querySelector(\"#ranking tr[data-window='1'] td.total\");"
        " return c && c.textContent === '96'; }",
        timeout=WAIT_MS,
    )
    page.click("#ranking tr[data-window='1'] button:has-text('明细')")
    line = page.locator("#lines tr:has-text('投诉经查属实')")
    assert "投诉 #" in line.inner_text() and "−6" in line.inner_text()
    line.locator("button.waive").click()
    page.fill("#entry [name=reason]", "复核：责任不在窗口")
    page.click("#entry-save")
    page.wait_for_selector("#lines tr.waived:has-text('投诉经查属实')")
    assert total_of(page, "1") == "102"
    full_shot(page, "assessment-registers")


def test_the_supervision_page_shows_response_times(served: ServedHall, desk: Any) -> None:
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    # The open alert must be one the hall's own alert engine finds too, or its next round clears it
    # (rounds run every 15 s while the test runs): a real ticket, waiting 40 minutes (yellow at 30).
    waiting = httpx.post(
        served.url + "/api/v1/tickets", json={"service_code": "S4"}, headers=served.as_("kiosk")
    ).json()["number"]
    with sqlite3.connect(served.db) as db:  # two alerts of this morning, one answered, one still open
        db.execute(
            "update tickets set issued_at = ? where number = ?", (now - timedelta(minutes=40), waiting)
        )
        db.execute(
            "insert into alerts (hall_id, rule, subject, severity, raised_at, acknowledged_at,"
            " acknowledged_by, cleared_at, detail)"
            " values (1, 'window.away', 'window:2', 'red', ?, ?, 'user:3:王主任', ?, '{}')",
            (now - timedelta(minutes=30), now - timedelta(minutes=28), now - timedelta(minutes=10)),
        )
        db.execute(
            "insert into alerts (hall_id, rule, subject, severity, raised_at, detail)"
            " values (1, 'ticket.long_wait', ?, 'yellow', ?, '{}')",
            (f"ticket:{waiting}", now - timedelta(minutes=5)),
        )
    page = desk.new_page()
    log_in(page, served, "M1", "pw-m1", then="/manager/supervision")
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    assert "窗口暂离" in page.inner_text("#groups") and "等候超时" in page.inner_text("#groups")
    away = page.locator("#groups tbody tr:has-text('窗口暂离')").inner_text()
    assert "2分00秒 / 2分00秒 / 2分00秒" in away and "20分00秒" in away
    page.select_option("#filter [name=by]", "window")
    page.click("#filter button[type=submit]")
    page.wait_for_selector("#groups tbody tr:has-text('2')")
    page.click("#alerts tbody tr.yellow button")
    page.wait_for_function("() => !document.querySelector('#alerts tbody tr.yellow button')", timeout=WAIT_MS)
    check = httpx.get(served.url + "/api/v1/supervision/alerts", headers=served.as_("manager")).json()
    assert check["total"]["acknowledge"]["count"] == 2
    full_shot(page, "supervision")
