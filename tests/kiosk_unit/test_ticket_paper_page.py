"""The status page a receipt's QR code opens (/t/TOKEN?p=N) says when that paper was superseded by a
reprint from the kiosk: the QR code carries the copy number, the server counts the copies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kiosk.layout import ticket_qr
from queue_server import contract as c
from tests.support.browser import WAIT_MS, checked_context, chromium, screenshot
from tests.support.served_hall import BoardServer, prepared_hall


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoardServer]:
    db = tmp_path_factory.mktemp("paper") / "hall.db"
    with BoardServer(db, prepared_hall(db)) as server:
        yield server


@pytest.fixture(scope="module")
def phone(hall: BoardServer) -> Iterator[Any]:
    with (
        chromium() as browser,
        checked_context(
            browser, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
        ) as context,
    ):
        yield context.new_page()


def open_paper(page: Any, url: str) -> str:
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    return str(page.get_attribute("body", "data-paper"))


def test_an_old_paper_copy_says_it_was_superseded_and_the_newest_does_not(
    hall: BoardServer, phone: Any
) -> None:
    ticket = c.TicketPublic.model_validate(hall.issue("S1"))
    first = ticket_qr(ticket, hall.url)
    assert first.endswith("?p=1")
    assert open_paper(phone, first) == "current"
    assert phone.is_hidden("#superseded")

    reply = httpx.post(f"{hall.url}/api/v1/tickets/{ticket.token}/reprint", headers=hall.as_("kiosk"))
    reprinted = c.TicketPublic.model_validate(reply.raise_for_status().json())
    assert reprinted.paper == 2

    assert open_paper(phone, first) == "superseded"  # the citizen scans the paper they still hold
    notice = phone.inner_text("#superseded")
    assert "第 1 联号票已作废" in notice and "补打第 2 联" in notice
    assert phone.inner_text("#number") == ticket.number  # the number itself is still valid
    screenshot(phone, "kiosk", "status-page-old-paper", full_page=True)

    assert open_paper(phone, ticket_qr(reprinted, hall.url)) == "current"
    assert phone.is_hidden("#superseded")
    assert open_paper(phone, hall.url + ticket.status_url) == "current"  # no ?p: nothing to compare


def test_a_forged_or_garbled_copy_number_is_ignored(hall: BoardServer, phone: Any) -> None:
    ticket = hall.issue("S1")
    for suffix in ("?p=abc", "?p=0", "?p=-1", "?p=99"):
        assert open_paper(phone, hall.url + ticket["status_url"] + suffix) == "current"
