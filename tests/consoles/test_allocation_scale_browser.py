"""窗口配置 for a 223-window, 300-service hall at 1366×768: filters, a header that stays in place, a side
panel for one window, and ten windows moved to another work profile in a handful of clicks, with the
services it would leave without an open window named before it is applied."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.consoles.conftest import ServedHall, log_in, shot
from tests.support.big_hall import COMPREHENSIVE, WINDOWS, grow
from tests.support.browser import checked_context
from tests.support.served_hall import prepared_hall

AFTERNOON = ["ZH001", "ZH002", "ZH003", "ZH004", "ZH005", "S001"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHall]:
    db = tmp_path_factory.mktemp("big-hall") / "hall.db"
    tokens = prepared_hall(db)
    grow(db)
    with ServedHall(db, tokens) as server:
        yield server


def _api(served: ServedHall, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, served.url + "/api/v1" + path, json=body, headers=served.as_("manager"))
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def test_a_manager_moves_ten_windows_to_another_profile_in_a_handful_of_clicks(
    served: ServedHall, browser: Any
) -> None:
    for number in range(1, 13):
        _api(served, "PUT", f"/windows/{number}/status", {"status": "open"})
    _api(served, "POST", "/work-profiles", {"name": "综合受理-上午", "services": COMPREHENSIVE})
    _api(served, "POST", "/work-profiles", {"name": "综合受理-下午", "services": AFTERNOON})
    served.issue("ZH007")  # someone waits for a service the afternoon profile drops

    with checked_context(browser, viewport={"width": 1366, "height": 768}) as context:
        page = context.new_page()
        log_in(page, served, "M1", "pw-m1", then="/manager/allocation")
        page.wait_for_selector("body[data-ready='1']")
        page.wait_for_selector(f"body[data-windows-shown='{WINDOWS}']")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        # the header stays in place while the list scrolls in its own box
        page.evaluate("() => { document.getElementById('alloc-scroll').scrollTop = 4000; }")
        page.wait_for_function(
            "() => { const box = document.getElementById('alloc-scroll').getBoundingClientRect();"
            " const th = document.querySelector('#matrix thead th').getBoundingClientRect();"
            " const scrolled = document.getElementById('alloc-scroll').scrollTop > 1000;"
            " return scrolled && Math.abs(th.top - box.top) < 3; }"
        )
        shot(page, "allocation-223-windows-1366x768")

        # filters: a zone, a department, a window
        page.select_option("#f-zone", "C")
        zone_c = sum(1 for n in range(WINDOWS) if n * 5 // WINDOWS == 2)
        page.wait_for_selector(f"body[data-windows-shown='{zone_c}']")
        page.select_option("#f-zone", index=0)
        page.select_option("#f-department", "D07")
        page.wait_for_function("() => Number(document.body.dataset.windowsShown) < 223")
        page.select_option("#f-department", "")

        # one window in the side panel: find a service among 300 and save
        page.fill("#f-window", "专窗200")
        page.wait_for_selector("body[data-windows-shown='1']")
        page.click("#matrix tr[data-window='200'] button.edit")
        page.fill("#panel-search", "S290")
        page.check("#panel input[type=checkbox][data-service='S290']")
        page.click("#panel button.save")
        page.wait_for_selector("#matrix tr[data-window='200'] td.services [data-service='S290']")
        served_now = _api(served, "GET", "/windows/200/assignments")["assignments"]
        assert served_now[-1]["service_code"] == "S290" and served_now[-1]["preference"] == len(served_now)
        shot(page, "allocation-side-panel-1366x768")
        page.fill("#f-window", "")

        # ten windows to the afternoon profile: filter, select, choose, preview, apply
        clicks = 0
        page.select_option("#f-service", "ZH010")
        clicks += 1
        page.wait_for_selector("body[data-windows-shown='10']")
        page.click("#select-shown")
        clicks += 1
        page.wait_for_selector("body[data-picked='10']")
        page.select_option(
            "#profile", label=page.locator("#profile option", has_text="综合受理-下午").inner_text()
        )
        clicks += 1
        page.click("#profile-preview")
        clicks += 1
        page.wait_for_selector("#preview.bad:not([hidden])")
        newly = page.get_attribute("#preview", "data-newly").split(",")
        assert newly == ["ZH006", "ZH007", "ZH008", "ZH009", "ZH010"]
        assert "综合受理事项07（ZH007，等候 1 人）" in page.inner_text("#preview")
        shot(page, "allocation-preview-1366x768")
        page.click("#profile-apply")
        clicks += 1
        page.wait_for_selector("#toast:has-text('已将“综合受理-下午”套用到 10 个窗口')")
        assert clicks <= 5
        for number in range(1, 11):
            got = _api(served, "GET", f"/windows/{number}/assignments")["assignments"]
            assert [a["service_code"] for a in got] == AFTERNOON
        audit = _api(served, "GET", "/audit?action=assignments.replace&limit=50")
        assert sum(1 for e in audit if e["detail"].get("profile") == "综合受理-下午") == 10
        page.wait_for_selector("#audit li[data-subject='window:10']")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
