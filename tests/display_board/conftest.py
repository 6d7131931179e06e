"""The board under test: a real ``hallq serve`` on the small test hall, and headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import WAIT_MS, checked_context, chromium, screenshot
from tests.support.served_hall import BoardServer, prepared_hall

__all__ = ["WAIT_MS", "BoardServer", "shot"]


@pytest.fixture(scope="module")
def board_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoardServer]:
    """One server per test module on a fresh copy of the small hall (always open)."""
    db = tmp_path_factory.mktemp("board") / "hall.db"
    with BoardServer(db, prepared_hall(db)) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium, one per module (see tests/support/browser.py)."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def screens(browser: Any) -> Iterator[Any]:
    """A fresh browser context (its own cookies) for one test; its pages' JS errors fail the test."""
    with checked_context(browser) as context:
        yield context


def shot(page: Any, name: str, **options: Any) -> Path:
    """Save a screenshot under artifacts/board/ (look at them: boxes instead of 汉字 mean no font)."""
    return screenshot(page, "board", name, **options)
