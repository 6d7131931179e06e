"""The lobby guide's tablet in Chromium: find by pinyin, issue with priority, confirm, check in."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.consoles.conftest import ServedHall, log_in, shot, slot_around
from tests.support.browser import checked_context


@pytest.fixture(scope="module")
def guide_account(served: ServedHall) -> str:
    """A lobby guide's account (role ``guide``) made with the admin command, as a hall would."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "hallq",
            "user",
            "add",
            "G1",
            "陈导办",
            "--role",
            "guide",
            "--password",
            "pw-g1",
            "--hall",
            "t1",
            "--db",
            str(served.db),
        ],
        check=True,
        capture_output=True,
        cwd=served.db.parent,
    )
    return "G1"


@pytest.fixture
def tablet(browser: Any, served: ServedHall, guide_account: str) -> Any:
    """A tablet-sized page logged in as the lobby guide."""
    with checked_context(browser, viewport={"width": 1024, "height": 1366}, has_touch=True) as context:
        page = context.new_page()
        log_in(page, served, guide_account, "pw-g1")
        page.wait_for_url("**/guide")
        page.wait_for_selector("body[data-ready='1']")
        yield page


def test_the_guide_finds_a_service_by_pinyin_initials_and_issues_a_priority_ticket(
    served: ServedHall, tablet: Any
) -> None:
    page = tablet
    assert page.locator("body").get_attribute("data-role") == "guide"
    assert page.locator(".topbar nav").count() == 0  # no manager menu for the guide
    page.fill("#search", "csj")  # 测试局, the department
    page.wait_for_selector("#results button.service[data-code='S4']")
    page.fill("#search", "S3")  # by its code
    page.wait_for_function("() => document.querySelector('#results button.service')?.dataset.code === 'S3'")
    page.fill("#search", "sx")
    page.wait_for_selector("#results button.service[data-code='S1']")
    page.click("#results button.service[data-code='S1']")
    page.wait_for_selector("#materials li:has-text('居民身份证')")
    page.fill("#issue-form input[name=phone]", "13800138000")
    page.fill("#issue-form input[name=id_number]", "11010519491231002X")
    page.click("#priority-choices button[data-priority='elderly']")
    assert page.is_checked("#proof")
    shot(page, "guide-find")
    page.click("#issue")
    page.wait_for_selector("#issued:not([hidden])")
    number = page.locator("#ticket-number").inner_text()
    assert number.startswith("A")
    text = page.locator("#issued").inner_text()
    assert "138****8000" in text and "13800138000" not in page.content()
    assert "11010519491231002X" not in page.content()
    assert "已核验" in page.locator("#ticket-priority").inner_text()
    # the QR code and the link of the ticket's live page, as on a printed ticket
    page.wait_for_function("() => document.getElementById('ticket-qr').naturalWidth > 0")
    link = page.get_attribute("#ticket-link", "href")
    token_now = page.locator("#issued").get_attribute("data-token")
    assert link == f"{served.url}/t/{token_now}"
    qr = httpx.get(f"{served.url}/t/{token_now}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    png = shot(page.locator("#ticket-qr"), "guide-ticket-qr")  # read back as a phone's camera would
    read = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True, check=True)
    assert read.stdout.strip() == link
    shot(page, "guide-ticket")
    token = page.locator("#issued").get_attribute("data-token")
    status = httpx.get(f"{served.url}/api/v1/tickets/{token}").json()
    assert (status["priority_class"], status["priority_confirmed"]) == ("elderly", True)


def test_a_slow_answer_to_an_older_search_never_replaces_the_newer_one(tablet: Any) -> None:
    """Typing on while the hall's network is slow: the answer for "csj" arrives after the one for
    "S3"; the list keeps showing what the search box says."""
    page = tablet
    held: list[Any] = []
    page.route("**/guide/search?q=csj", lambda route: held.append(route))
    with page.expect_request("**/guide/search?q=csj"):  # after the 150 ms typing pause
        page.fill("#search", "csj")
    page.fill("#search", "S3")
    page.wait_for_function("() => document.querySelector('#results button.service')?.dataset.code === 'S3'")
    with page.expect_event("requestfinished", lambda request: "q=csj" in request.url):
        held[0].continue_()
    page.evaluate("() => new Promise((done) => setTimeout(done, 200))")  # the page reads the late body
    assert page.locator("#results button.service").first.get_attribute("data-code") == "S3"


def test_the_guide_confirms_a_priority_declared_at_the_kiosk(served: ServedHall, tablet: Any) -> None:
    page = tablet
    declared = httpx.post(
        served.url + "/api/v1/tickets",
        json={"service_code": "S2", "priority_class": "pregnant"},
        headers=served.as_("kiosk"),
    ).json()
    page.click(".tab[data-tab='priority']")
    item = page.locator(f"#pending .item[data-number='{declared['number']}']")
    item.wait_for()
    assert "孕妇" in item.inner_text()
    shot(page, "guide-priority")
    item.locator("button.confirm").click()
    page.wait_for_selector(f"#pending .item[data-number='{declared['number']}']", state="detached")
    status = httpx.get(f"{served.url}/api/v1/tickets/{declared['token']}").json()
    assert status["priority_confirmed"] is True


def test_the_guide_checks_in_a_booking_by_its_code(served: ServedHall, tablet: Any) -> None:
    page = tablet
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    start, end = slot_around(now)
    slot = httpx.post(
        served.url + "/api/v1/appointments/slots",
        json={
            "service_code": "S3",
            "day": now.date().isoformat(),
            "start": start,
            "end": end,
            "capacity": 2,
        },
        headers=served.as_("manager"),
    ).json()
    booking = httpx.post(
        served.url + "/api/v1/appointments",
        json={"slot_id": slot["id"], "phone": "13900139000"},
        headers=served.as_("kiosk"),
    ).json()
    page.click(".tab[data-tab='booking']")
    page.fill("#booking-code", booking["code"].lower())
    page.click("#check-in")
    page.wait_for_selector("#issued:not([hidden])")
    number = page.locator("#ticket-number").inner_text()
    assert number.startswith("B")
    after = httpx.get(f"{served.url}/api/v1/appointments/{booking['code']}", headers=served.as_("manager"))
    assert after.json()["status"] == "checked_in" and after.json()["ticket"] == number
    shot(page, "guide-check-in")


def test_the_guide_says_not_found_and_never_makes_up_a_wait(served: ServedHall, tablet: Any) -> None:
    page = tablet
    page.fill("#search", "zzqqxx")
    page.wait_for_selector("#results[data-found='0'] .not-found")
    assert "未找到与“zzqqxx”相关的事项" in page.inner_text("#results")
    status = httpx.get(served.url + "/api/v1/hall", headers=served.as_("manager")).json()
    if next(w for w in status["windows"] if w["number"] == "3")["status"] != "closed":
        served.act("3", "close", who="manager")  # S4 is served by window 3 alone
    page.fill("#search", "S4")
    page.wait_for_selector("#results button.service[data-code='S4'] .meta[data-wait='no-window']")
    page.click("#results button.service[data-code='S4']")
    page.wait_for_selector("#service-queue[data-wait='no-window']")
    assert "暂无窗口办理此事项，请咨询导办台" in page.inner_text("#service-queue")
    page.click("#issue")
    page.wait_for_selector("#issued:not([hidden])")
    said = page.inner_text("#ticket-ahead")
    assert "暂无窗口办理此事项" in said and "分钟" not in said
    shot(page, "guide-no-window")
