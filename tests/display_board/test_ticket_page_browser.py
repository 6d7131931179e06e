"""The citizen's ticket page (/t/TOKEN) on a phone-sized headless Chromium against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.display_board.conftest import WAIT_MS, BoardServer, shot


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A phone-sized page with no cookies (the citizen never logs in)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, locale="zh-CN"
    )
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    try:
        yield context.new_page()
    finally:
        context.close()
    assert not errors, errors


def test_the_ticket_page_follows_the_ticket_from_waiting_to_done(
    board_server: BoardServer, phone: Any
) -> None:
    board_server.act("3", "open")
    ahead = board_server.issue("S3")
    response = httpx.post(
        board_server.url + "/api/v1/tickets",
        json={"service_code": "S3", "phone": "13912345678"},
        headers=board_server.as_("kiosk"),
    )
    mine = response.json()
    phone.goto(board_server.url + mine["status_url"])
    phone.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    assert phone.inner_text("#number") == mine["number"]
    assert "事项S3" in phone.inner_text("#service")
    assert "前面还有 1 人" in phone.inner_text("#ahead")
    assert "预计等候约" in phone.inner_text("#estimate")
    phone.wait_for_selector("#materials:not([hidden])", timeout=WAIT_MS)
    assert "居民身份证" in phone.inner_text("#materials-list")
    assert "原件 1 份" in phone.inner_text("#materials-list")
    page_text = phone.inner_text("body")
    assert "1391" not in page_text and "5678" not in page_text  # nothing personal, not even masked
    shot(phone, "ticket-waiting", full_page=True)

    board_server.act("3", "call-next")  # the ticket ahead
    board_server.act("3", "conclude")
    phone.evaluate("() => window.hallqTicket.live.resync()")  # what its 15 s poll does
    phone.wait_for_selector("#ahead:has-text('前面还有 0 人')", timeout=WAIT_MS)

    board_server.act("3", "call-next")
    phone.wait_for_selector("#called:not([hidden])", timeout=WAIT_MS)
    assert phone.inner_text("#go").replace(" ", "").startswith("请到3号窗口")
    assert phone.get_attribute("#card", "data-status") == "called"
    shot(phone, "ticket-called", full_page=True)

    board_server.act("3", "conclude", {"outcome": "correction", "missing_items": ["居民身份证"]})
    phone.wait_for_selector("#card[data-status='concluded']", timeout=WAIT_MS)
    phone.wait_for_selector("#notice:not([hidden])", timeout=WAIT_MS)
    assert "居民身份证" in phone.inner_text("#notice-items")
    assert "已办结" in phone.inner_text("#state")
    phone.wait_for_selector("#rating[data-status='pending']", timeout=WAIT_MS)
    shot(phone, "ticket-concluded", full_page=True)
    assert ahead["number"] != mine["number"]

    phone.click("#levels [data-level='dissatisfied']")
    phone.check("#reason-list input[value='long_wait']")
    shot(phone, "ticket-rating", full_page=True)
    phone.click("#rate-submit")
    phone.wait_for_selector("#rating[data-status='rated']", timeout=WAIT_MS)
    assert "感谢您的评价：不满意" in phone.inner_text("#rated")
    recorded = httpx.get(f"{board_server.url}/api/v1/tickets/{mine['token']}/evaluation").json()
    assert (recorded["level"], recorded["channel"], recorded["reasons"]) == (
        "dissatisfied",
        "web",
        ["long_wait"],
    )


def test_an_unknown_ticket_says_so(board_server: BoardServer, phone: Any) -> None:
    phone.goto(board_server.url + "/t/no-such-token")
    phone.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    assert "找不到该号票" in phone.inner_text("#message")
