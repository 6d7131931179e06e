"""The consoles under test: a real ``hallq serve`` on the small test hall, and headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.support.browser import WAIT_MS, checked_context, chromium, screenshot
from tests.support.served_hall import ServedHall, prepared_hall

__all__ = ["WAIT_MS", "ServedHall", "log_in", "shot"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHall]:
    """One server per test module on a fresh copy of the small hall (always open)."""
    db = tmp_path_factory.mktemp("consoles") / "hall.db"
    with ServedHall(db, prepared_hall(db)) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium, one per module (see tests/support/browser.py)."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def desk(browser: Any) -> Iterator[Any]:
    """A fresh browser context (its own cookies) at a desk-sized screen."""
    with checked_context(browser, viewport={"width": 1440, "height": 900}) as context:
        yield context


def log_in(
    page: Any, server: ServedHall, staff_no: str, password: str, window: str = "", then: str = ""
) -> None:
    """Log in through the login form the way a person does, and wait for the page it leads to."""
    page.goto(server.url + "/login" + (f"?next={then}" if then else ""))
    page.fill("#staff_no", staff_no)
    page.fill("#password", password)
    page.fill("#window", window)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def shot(page: Any, name: str, **options: Any) -> Any:
    """Save a screenshot under artifacts/consoles/."""
    return screenshot(page, "consoles", name, **options)


def slot_around(now: datetime) -> tuple[str, str]:
    """A half-hour booking slot ("HH:MM", "HH:MM") that began five minutes before ``now``, kept inside
    ``now``'s day: a slot cannot cross midnight, and the suite may run at 23:50 in the hall's zone."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(now.replace(second=0, microsecond=0) - timedelta(minutes=5), midnight)
    end = min(start + timedelta(minutes=30), midnight + timedelta(hours=23, minutes=59))
    return start.strftime("%H:%M"), end.strftime("%H:%M")
