"""The lobby board, a window screen and the citizen's ticket page at the monitors halls have (1366×768
and 1920×1080): nothing wider than the screen, text contrast of at least 4.5:1 and control outlines
of 3:1, computed from the rendered colours (tests/support/contrast.js), with a call on show."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.display_board.conftest import WAIT_MS, BoardServer, shot
from tests.support.browser import checked_context

CONTRAST = (Path(__file__).resolve().parents[1] / "support" / "contrast.js").read_text(encoding="utf-8")
SIZES = [(1366, 768), (1920, 1080)]


@pytest.fixture(scope="module")
def on_show(board_server: BoardServer) -> dict[str, str]:
    """Window 1 open with a call on show, a ticket waiting behind it; the waiting ticket's page."""
    board_server.log_in("C1", "pw-c1", "1")
    board_server.act("1", "open")
    called = board_server.issue("S1")
    waiting = httpx.post(
        board_server.url + "/api/v1/tickets", json={"service_code": "S1"}, headers=board_server.as_("kiosk")
    ).json()
    assert board_server.act("1", "call-next")["ticket"]["number"] == called["number"]
    return {"called": called["number"], "status_url": waiting["status_url"]}


@pytest.fixture(scope="module")
def screen(browser: Any, board_server: BoardServer) -> Iterator[Any]:
    """One page with the board token's cookie (a hall's TV), reused across sizes."""
    with checked_context(browser) as context:
        page = context.new_page()
        page.goto(f"{board_server.url}/board?voice=0&token={board_server.tokens['board']}")
        page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
        yield page


def fits_and_reads_clearly(page: Any, name: str, width: int, height: int) -> None:
    """No sideways scroll, no contrast failure; the screenshot is kept to be looked at."""
    shot(page, f"{name}-{width}x{height}")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), "sideways scroll"
    failures = page.evaluate(CONTRAST)
    assert failures == [], failures[:12]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_lobby_board_fits_and_reads_clearly(
    screen: Any, board_server: BoardServer, on_show: dict[str, str], width: int, height: int
) -> None:
    screen.set_viewport_size({"width": width, "height": height})
    screen.goto(f"{board_server.url}/board?voice=0")
    screen.wait_for_selector(f"#call[data-number='{on_show['called']}']", timeout=WAIT_MS)
    screen.evaluate("() => document.getElementById('call').classList.remove('flash')")  # as after 6 s
    fits_and_reads_clearly(screen, "fit-board", width, height)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_window_screen_fits_and_reads_clearly(
    screen: Any, board_server: BoardServer, on_show: dict[str, str], width: int, height: int
) -> None:
    screen.set_viewport_size({"width": width, "height": height})
    screen.goto(f"{board_server.url}/board/window/1")
    screen.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    screen.wait_for_function(
        "n => document.body.innerText.includes(n)", arg=on_show["called"], timeout=WAIT_MS
    )
    fits_and_reads_clearly(screen, "fit-window", width, height)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_ticket_page_fits_and_reads_clearly(
    browser: Any, board_server: BoardServer, on_show: dict[str, str], width: int, height: int
) -> None:
    with checked_context(browser, viewport={"width": width, "height": height}, locale="zh-CN") as context:
        page = context.new_page()
        page.goto(board_server.url + on_show["status_url"])
        page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
        page.wait_for_selector("#ahead:has-text('前面还有')", timeout=WAIT_MS)
        fits_and_reads_clearly(page, "fit-ticket", width, height)
