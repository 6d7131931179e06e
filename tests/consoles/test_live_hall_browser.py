"""大厅实况 at a glance: a summary strip (waiting, longest wait, windows open/paused/closed, served
today, 好评率), closed windows folded away, queues nobody waits in hidden until asked for."""

from __future__ import annotations

from typing import Any

import httpx

from tests.consoles.conftest import ServedHall, log_in, shot
from tests.support.browser import checked_context


def test_the_live_hall_opens_on_a_summary_with_closed_windows_folded_and_empty_queues_hidden(
    served: ServedHall, browser: Any
) -> None:
    served.act("1", "open")
    served.act("3", "open")
    served.act("3", "pause", {"reason": "meeting"})
    for window in ("2", "4"):
        served.act(window, "close", who="manager")
    served.issue("S1")
    served.issue("S1")
    done = served.issue("S1")["number"]
    called = served.act("1", "call-next")
    assert called["ticket"]["number"] != done
    served.act("1", "conclude")  # one served today, rated 满意 below
    token = httpx.get(served.url + "/api/v1/windows/1/desk", headers=served.as_("clerk1")).json()
    rating = httpx.get(f"{served.url}/api/v1/tickets/{token['evaluation']['ticket_token']}/evaluation").json()
    rated = httpx.post(
        f"{served.url}/api/v1/evaluations/{rating['id']}/rating",
        json={"level": "satisfied", "ticket_token": token["evaluation"]["ticket_token"]},
    )
    assert rated.status_code == 201, rated.text

    with checked_context(browser, viewport={"width": 1366, "height": 768}) as context:
        page = context.new_page()
        log_in(page, served, "M1", "pw-m1")
        page.wait_for_url("**/manager")
        page.wait_for_selector("#summary[data-waiting='2'][data-windows='1/1/2'][data-served='1']")
        assert page.inner_text("#sum-waiting").startswith("2 人")
        assert page.inner_text("#sum-good") == "100%"
        assert "秒" in page.inner_text("#sum-longest") or "分" in page.inner_text("#sum-longest")
        # closed windows are folded; the working ones are tiles
        assert page.locator("#windows .tile").count() == 2
        assert not page.locator("#closed-tiles .tile[data-window='2']").is_visible()
        assert "已关闭窗口（2）" in page.inner_text("#closed-summary")
        page.click("#closed-summary")
        page.wait_for_selector("#closed-tiles .tile[data-window='2']")
        # only S1 has people waiting: the other three queues wait behind a checkbox
        assert page.locator("#queues tr[data-service]").count() == 1
        assert "3 个事项无人等候" in page.inner_text("#queues tr.empty-note")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        shot(page, "manager-live-summary-1366x768")
        page.check("#show-empty")
        page.wait_for_selector("#queues tr[data-service='S4']")
        assert page.locator("#queues tr[data-service]").count() == 4

        served.issue("S3")  # live: a new ticket changes the strip without a reload
        page.wait_for_selector("#summary[data-waiting='3']")
