"""The citizen's ticket page (/t/TOKEN) on a phone-sized headless Chromium against a real server."""

from __future__ import annotations

import re
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
    context.set_default_timeout(WAIT_MS)
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
    assert "需补正材料" in phone.inner_text("#state")  # 补正 is not 办结
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


def _wait_for_ticket(phone: Any, server: BoardServer, service: str) -> dict[str, Any]:
    ticket = server.issue(service)
    phone.goto(server.url + ticket["status_url"])
    phone.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    return ticket


@pytest.mark.parametrize(
    ("outcome", "body", "state", "words"),
    [
        ("immediate", {}, "已办结", "业务已当场办结"),
        ("promised", {}, "已受理", "承诺于"),
        ("correction", {"missing_items": ["居民身份证"]}, "需补正材料", "一次性告知书"),
        ("refused", {"reasons": "不属于本中心受理范围"}, "不予受理", "原因：不属于本中心受理范围"),
        ("referred", {"referred_to": "市公安局出入境窗口"}, "已转办", "已转办至 市公安局出入境窗口"),
    ],
)
def test_the_ticket_page_names_the_outcome_the_citizen_got(
    board_server: BoardServer, phone: Any, outcome: str, body: dict[str, Any], state: str, words: str
) -> None:
    board_server.act("3", "open")
    _wait_for_ticket(phone, board_server, "S3")
    board_server.act("3", "call-next")
    phone.wait_for_selector("#card[data-status='called']", timeout=WAIT_MS)
    board_server.act("3", "conclude", {"outcome": outcome, **body})
    phone.wait_for_selector(f"#card[data-outcome='{outcome}']", timeout=WAIT_MS)
    assert state in phone.inner_text("#state")
    said = phone.inner_text("#message")
    assert words in said
    if outcome != "immediate":
        assert "已办结" not in said and "感谢您的耐心等候" not in said
    if outcome == "promised":
        assert re.search(r"承诺于 \d{4}年\d{1,2}月\d{1,2}日 前办结", said), said
    shot(phone, f"ticket-outcome-{outcome}", full_page=True)


def test_with_no_open_window_the_page_sends_the_citizen_to_the_guide_not_a_made_up_wait(
    board_server: BoardServer, phone: Any
) -> None:
    for window in ("1", "2", "4"):
        board_server.act(window, "close", who="manager")
    _wait_for_ticket(phone, board_server, "S1")  # S1 is served by windows 1 and 4, both closed
    phone.wait_for_selector("#card[data-wait='no-window']", timeout=WAIT_MS)
    assert "暂无窗口办理此事项，请咨询导办台" in phone.inner_text("#estimate")
    assert "分钟" not in phone.inner_text("#card")
    shot(phone, "ticket-no-window", full_page=True)

    board_server.act("4", "open")  # a window opens: the page hears it on the ticket's own topic
    phone.wait_for_selector("#card[data-wait='estimate']", timeout=WAIT_MS)
    assert "您是下一位" in phone.inner_text("#estimate")
    board_server.act("4", "call-next")
    board_server.act("4", "conclude")


def test_people_ahead_arrive_live_on_the_tickets_own_topic(board_server: BoardServer, phone: Any) -> None:
    board_server.act("3", "open")
    board_server.issue("S3")
    board_server.issue("S3")
    _wait_for_ticket(phone, board_server, "S3")
    phone.wait_for_selector("#ahead:has-text('前面还有 2 人')", timeout=WAIT_MS)
    # No resync, no poll: the call pushes the new count on ticket:TOKEN (the poll is every 15 s,
    # and the snapshot request is counted so a poll cannot pass for a push).
    phone.evaluate(
        "() => { const live = window.hallqTicket.live; window.resyncs = 0;"
        " const real = live.resync.bind(live); live.resync = (t) => { window.resyncs += 1; real(t); }; }"
    )
    board_server.act("3", "call-next")
    phone.wait_for_selector("#ahead:has-text('前面还有 1 人')", timeout=WAIT_MS)
    assert phone.evaluate("() => window.resyncs") == 0
    board_server.act("3", "conclude")
    board_server.act("3", "call-next")
    phone.wait_for_selector("#ahead:has-text('前面还有 0 人')", timeout=WAIT_MS)
    assert "您是下一位" in phone.inner_text("#estimate")
    assert "0 分钟" not in phone.inner_text("#card")
    board_server.act("3", "conclude")
    board_server.act("3", "call-next")
    board_server.act("3", "conclude")


def test_the_call_names_zone_floor_and_window_and_a_transfer_says_where_to(
    board_server: BoardServer, phone: Any
) -> None:
    board_server.act("3", "open")
    board_server.act("1", "open")
    ticket = _wait_for_ticket(phone, board_server, "S3")
    board_server.act("3", "call-next")
    phone.wait_for_selector("#place:not([hidden])", timeout=WAIT_MS)
    assert phone.inner_text("#place") == "B区 · 2楼 · 三号窗口"
    shot(phone, "ticket-called-place", full_page=True)

    board_server.act("3", "transfer", {"to_window": "1", "reason": "需综合窗口办理", "keep_place": True})
    phone.wait_for_selector("#transferred:not([hidden])", timeout=WAIT_MS)
    assert "已转至 1 号窗口" in phone.inner_text("#transferred")
    assert phone.get_attribute("#card", "data-status") == "waiting"
    assert "前面还有" in phone.inner_text("#ahead")
    shot(phone, "ticket-transferred", full_page=True)
    called = board_server.act("1", "call-next")
    assert called["ticket"]["number"] == ticket["number"]
    board_server.act("1", "conclude")
