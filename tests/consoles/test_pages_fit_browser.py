"""Every console page at the monitors halls have (a 1366×768 desk, a 1920×1080 screen): nothing wider
than the screen, and text contrast of at least 4.5:1 and control outlines of 3:1, computed from the
rendered colours (tests/support/contrast.js)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.consoles.conftest import ServedHall, log_in, shot
from tests.support.browser import checked_context

CONTRAST = (Path(__file__).resolve().parents[1] / "support" / "contrast.js").read_text(encoding="utf-8")
PAGES = [
    "/manager",
    "/manager/allocation",
    "/manager/reports",
    "/manager/calendar",
    "/manager/settings",
    "/manager/catalogue",
    "/manager/staff",
    "/manager/evaluations",
    "/manager/assessment",
    "/manager/supervision",
    "/guide",
    "/clerk?window=1",
]
SIZES = [(1366, 768), (1920, 1080)]


@pytest.fixture(scope="module")
def manager(browser: Any, served: ServedHall) -> Any:
    with checked_context(browser) as context:
        page = context.new_page()
        log_in(page, served, "M1", "pw-m1")
        page.wait_for_url("**/manager")
        yield page


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("path", PAGES)
def test_each_page_fits_the_screen_and_reads_clearly(
    manager: Any, served: ServedHall, path: str, width: int, height: int
) -> None:
    page = manager
    page.set_viewport_size({"width": width, "height": height})
    page.goto(served.url + path)
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => document.querySelector('#top .topbar, .topbar') !== null")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), "sideways scroll"
    failures = page.evaluate(CONTRAST)
    name = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "")
    shot(page, f"page-{name}-{width}x{height}")
    assert failures == [], failures[:12]
