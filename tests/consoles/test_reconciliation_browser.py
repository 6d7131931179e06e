"""The 好差评 reconciliation on the settings page, in Chromium at a clerk desk's 1366×768: ratings
rated on the ticket page are pushed to the emulated platform; the manager sees today's ratings
stored against those accepted and refused (with the platform's reason), as a bar and in the table."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hardware_mocks.gateway import MockGateway
from tests.consoles.conftest import ServedHall, log_in, shot
from tests.support.browser import checked_context
from tests.support.gateway import running_gateway

SECRET_ENV = "HALLQ_TEST_RECON_SECRET"


@pytest.fixture(scope="module")
def platform() -> Iterator[MockGateway]:
    with running_gateway("") as server:  # the hall's contract signs nothing here
        yield server


def call(served: ServedHall, method: str, path: str, who: str = "manager", **body: Any) -> Any:
    headers = served.as_(who) if who else {}
    response = httpx.request(method, served.url + "/api/v1" + path, headers=headers, timeout=30, **body)
    assert response.status_code < 300, response.text
    return response.json()


def rated(served: ServedHall, level: str) -> None:
    """A ticket issued, served at window 1 and rated on its ticket page (the web channel)."""
    ticket = call(served, "POST", "/tickets", who="kiosk", json={"service_code": "S1"})
    call(served, "POST", "/windows/1/call-next", who="clerk1")
    call(served, "POST", "/windows/1/conclude", who="clerk1")
    evaluation = call(served, "GET", f"/tickets/{ticket['token']}/evaluation", who="")
    rating = {"level": level, "ticket_token": ticket["token"]}
    call(served, "POST", f"/evaluations/{evaluation['id']}/rating", who="", json=rating)


def test_a_manager_sees_each_days_ratings_stored_against_accepted_and_refused(
    served: ServedHall, browser: Any, platform: MockGateway
) -> None:
    os.environ.setdefault(SECRET_ENV, "")
    settings = call(served, "GET", "/hall/settings")
    settings["evaluation_push"] = {
        "enabled": True,
        "gateway": {"kind": "http", "url": f"{platform.url}/evaluations"},
    }
    call(served, "PUT", "/hall/settings", json=settings)
    call(served, "POST", "/windows/1/open", who="clerk1")
    for level in (
        "very_satisfied",
        "satisfied",
        "very_satisfied",
        "very_dissatisfied",
    ):  # the last: no reasons
        rated(served, level)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # every rating accepted or refused, and that recorded
        figures = call(served, "GET", "/outbox")["destinations"]
        if [(d["sent"], d["pending"], d["dead"]) for d in figures] == [(3, 0, 1)]:
            break
        time.sleep(0.1)

    with checked_context(browser, viewport={"width": 1366, "height": 768}) as desk:
        page = desk.new_page()
        log_in(page, served, "M1", "pw-m1", then="/manager/settings")
        page.wait_for_selector("#reconciliation[data-ready='1']")
        today = page.locator("#recon-end").input_value()
        row = page.locator(f"#recon-days tr[data-day='{today}'] td")
        assert [row.nth(i).inner_text() for i in range(5)] == [today, "4", "3", "0", "1"]
        assert "差评须附差评内容" in row.nth(5).inner_text() and "× 1" in row.nth(5).inner_text()
        assert "Reasons refused" in page.locator("#recon-days thead").inner_text()  # English beside
        bars = page.locator(f"#recon-chart g[data-day='{today}'] rect")
        assert [bars.nth(i).get_attribute("data-part") for i in range(bars.count())] == [
            "accepted",
            "refused",
        ]
        heights = [float(bars.nth(i).get_attribute("height") or 0) for i in range(2)]
        assert heights[0] == pytest.approx(3 * heights[1])  # three accepted for one refused
        assert page.locator("#recon-chart g").count() == 14  # the last two weeks, empty days too
        page.locator("#reconciliation").scroll_into_view_if_needed()
        shot(page, "settings-reconciliation-1366")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1366  # nothing pushes the page sideways at a desk's screen
