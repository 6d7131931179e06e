"""The 限期整改窗口 sign on a window screen: it goes up when the month closes with the window a
群众不满意窗口 (≤ 60 points) and shows while its week lasts. Screenshot in artifacts/board/."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from tests.display_board.conftest import WAIT_MS, BoardServer, shot
from tests.display_board.test_board_browser import open_screen


def last_month() -> str:
    return (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def entry(server: BoardServer, month: str, body: dict[str, Any]) -> None:
    response = httpx.post(
        f"{server.url}/api/v1/assessment/{month}/entries", json=body, headers=server.as_("manager")
    )
    assert response.status_code == 201, response.text


def test_a_window_closed_at_sixty_points_shows_the_rectification_sign_live(
    board_server: BoardServer, screens: Any
) -> None:
    board_server.act("3", "open")
    screen = open_screen(screens, board_server, "/board/window/3")
    other = open_screen(screens, board_server, "/board/window/4")
    assert screen.is_hidden("#sign")
    month = last_month()
    for rule, count in (
        ("fees.other", 5),
        ("quality.other", 11),
        ("hygiene.messy", 2),
        ("appraisal.centre", 4),
    ):
        entry(board_server, month, {"window": "3", "rule": rule, "count": count, "reason": "督查记录"})
    entry(board_server, month, {"window": "4", "rule": "bonus.suggestion", "reason": "建议被采用"})
    closed = httpx.post(
        f"{board_server.url}/api/v1/assessment/{month}/close", headers=board_server.as_("manager")
    )
    assert closed.status_code == 200, closed.text
    three = next(w for w in closed.json()["windows"] if w["window"] == "3")
    assert three["total"] == 60 and three["unsatisfied"]
    until = date.fromisoformat(three["sign_until"])
    assert until - date.fromisoformat(three["sign_from"]) == timedelta(days=6)

    screen.wait_for_selector("#sign:not([hidden])", timeout=WAIT_MS)
    text = screen.inner_text("#sign")
    assert "限期整改窗口" in text and f"整改期限至 {until.month}月{until.day}日" in text
    assert screen.evaluate("() => document.body.classList.contains('rectifying')")
    shot(screen, "window-rectification-sign")
    other.reload()
    other.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    assert other.is_hidden("#sign")
