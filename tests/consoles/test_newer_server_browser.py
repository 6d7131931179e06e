"""The pages made for today's server keep working against a newer one whose replies and events carry
fields they do not know (tests/support/newer_server.py adds one to every JSON object): the clerk
calls a ticket, the lobby board shows the call, the citizen's ticket page follows it, and every
manager page opens without a script error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from queue_server.api.routes.pages import PAGES
from queue_server.contract import Role
from tests.consoles.conftest import ServedHall, log_in, shot
from tests.support.browser import checked_context
from tests.support.newer_server import GROWN_FIELD
from tests.support.served_hall import prepared_hall


@pytest.fixture(scope="module")
def newer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHall]:
    db = tmp_path_factory.mktemp("newer-pages") / "hall.db"
    with ServedHall(db, prepared_hall(db), module="tests.support.newer_server") as server:
        yield server


def test_a_call_goes_from_the_clerk_to_the_board_and_the_ticket_page_of_a_newer_server(
    newer: ServedHall, browser: Any
) -> None:
    hall = httpx.get(newer.url + "/api/v1/hall", headers=newer.as_("manager")).json()
    assert GROWN_FIELD in hall and GROWN_FIELD in hall["windows"][0]
    ticket = newer.issue("S1")
    with (
        checked_context(browser, viewport={"width": 1440, "height": 900}) as desk,
        checked_context(browser) as screens,
    ):
        board = screens.new_page()
        board.goto(f"{newer.url}/board?token={newer.tokens['board']}")
        board.wait_for_selector("body[data-ready='1']")
        phone = screens.new_page()
        phone.goto(newer.url + ticket["status_url"])
        phone.wait_for_selector("body[data-ready='1']")
        clerk = desk.new_page()
        log_in(clerk, newer, "C1", "pw-c1", window="1")
        clerk.wait_for_selector("body[data-ready='1'][data-window-status='open']")
        clerk.wait_for_selector("body[data-busy='0']", state="attached")
        clerk.keyboard.press("F1")
        clerk.wait_for_selector(f"#current[data-number='{ticket['number']}'][data-status='called']")
        assert "事项S1" in clerk.locator("#ticket").inner_text()
        board.wait_for_selector(f"#call[data-number='{ticket['number']}'][data-window='1']", state="attached")
        phone.wait_for_selector("#card[data-status='called']")
        assert phone.inner_text("#go").replace(" ", "").startswith("请到1号窗口")
        shot(board, "board-newer-server")
        shot(phone, "ticket-newer-server")


def test_every_manager_page_opens_against_a_newer_server(newer: ServedHall, desk: Any) -> None:
    page = desk.new_page()
    log_in(page, newer, "M1", "pw-m1")
    for path in sorted(p for p, page in PAGES.items() if Role.MANAGER in page.roles):
        response = page.goto(newer.url + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        shot(page, "newer-server" + path.replace("/", "-"))
