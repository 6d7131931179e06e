"""Headless Chromium for the browser tests (the board, the ticket page, the consoles).

Debian's Chromium driven by Playwright (never ``playwright install``). A browser is opened per test
module: the sync API keeps its own event loop running while it is open, which the asyncio tests of
other modules must not find. Each test gets a fresh context (its own cookies), and a JavaScript error
on any of its pages fails the test.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
# How long a test waits for what it expects. Generous on purpose: on a loaded CI machine (load
# average 12 on 2 cores) a page's first paint alone took over 20 s, and a condition that holds
# returns at once anyway. Speed is the benchmark's business, not the tests'. HALLQ_BROWSER_WAIT_S
# stretches it further on an even slower machine.
WAIT_MS = int(float(os.environ.get("HALLQ_BROWSER_WAIT_S", "180")) * 1000)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _note_csp_violation(message: Any, errors: list[str]) -> None:
    """Chromium reports what the Content-Security-Policy blocked on the console: a failure too."""
    if message.type == "error" and "Content Security Policy" in message.text:
        errors.append(message.text)


@contextlib.contextmanager
def checked_context(browser: Any, **options: Any) -> Iterator[Any]:
    """A fresh browser context; an uncaught JavaScript error or a CSP violation on its pages fails
    the test."""
    # A hall's desks and screens keep China's time: pages that default to "today" (reports) must
    # agree with the hall's business day whatever the clock of the machine running the tests says.
    defaults = {"viewport": {"width": 1920, "height": 1080}, "locale": "zh-CN"}
    defaults["timezone_id"] = "Asia/Shanghai"
    context = browser.new_context(**{**defaults, **options})
    context.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    context.on("console", lambda message: _note_csp_violation(message, errors))
    try:
        yield context
    finally:
        context.close()
    assert not errors, errors


def screenshot(page: Any, part: str, name: str, **options: Any) -> Path:
    """Save a screenshot under artifacts/<part>/ (look at them: boxes instead of 汉字 mean no font)."""
    folder = ROOT / "artifacts" / part
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), **options)
    return path
