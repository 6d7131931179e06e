"""Alerts triage on /manager with a backlog: counts by type and light, live lights first, promised-case
reminders grouped by due day and department, each alert by name, filters and bulk acknowledge."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

import httpx

from tests.consoles.conftest import ServedHall, log_in, shot
from tests.support.browser import checked_context

CASES = 24
DUE_DAYS = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]


def _backlog(served: ServedHall) -> list[str]:
    """24 promised cases concluded at window 1 by C1, then made overdue on three past due days."""
    numbers = []
    for _ in range(CASES):
        served.issue("S1")
        called = served.act("1", "call-next")
        served.act("1", "conclude", {"outcome": "promised"})
        numbers.append(called["ticket"]["number"])
    with sqlite3.connect(served.db) as db:
        ids = [r[0] for r in db.execute("SELECT id FROM cases ORDER BY id")]
        for n, case_id in enumerate(ids):
            db.execute(
                "UPDATE cases SET promised_date = ? WHERE id = ?",
                (DUE_DAYS[n % len(DUE_DAYS)].isoformat(), case_id),
            )
    return numbers


def test_a_manager_triages_a_backlog_of_alerts_by_name_and_acknowledges_in_bulk(
    served: ServedHall, browser: Any
) -> None:
    served.log_in("C1", "pw-c1", "1")
    served.act("1", "open")
    numbers = _backlog(served)
    served.settings(
        alerts={
            "wait_yellow": 0.02,
            "wait_red": 600,
            "away_yellow": 0.02,
            "away_red": 600,
            "device_silence": 600,
            "case_warning_days": 3,
        }
    )
    waiting = served.issue("S2")["number"]  # nobody serves S2 at once: a long wait, named
    served.act("1", "pause", {"reason": "away"})  # C1 is away: window 1 named with the clerk

    with checked_context(browser, viewport={"width": 1366, "height": 768}) as context:
        page = context.new_page()
        log_in(page, served, "M1", "pw-m1")
        page.wait_for_url("**/manager")
        # the engine's rounds (every 15 s) raise them; the page follows live
        page.wait_for_selector(f"#alert-counts .chip[data-rule='case.overdue'][data-red='{CASES}']")
        page.wait_for_selector("#alerts-live li[data-rule='ticket.long_wait']")
        page.wait_for_selector("#alerts-live li[data-rule='window.away']")
        shot(page, "manager-alerts-triage-1366x768")

        # live lights come before the reminders, whatever their age
        order = page.evaluate(
            "() => Array.from(document.querySelectorAll('#alerts li')).map((li) => li.dataset.rule)"
        )
        first_case = next(i for i, rule in enumerate(order) if rule.startswith("case."))
        assert all(not rule.startswith("case.") for rule in order[:first_case])
        wait = page.inner_text("#alerts-live li[data-rule='ticket.long_wait']")
        assert waiting in wait and "事项S2" in wait
        assert "张敏" in page.inner_text("#alerts-live li[data-rule='window.away']")

        # reminders: one folded group per due day, each alert by ticket, service, window and clerk
        assert page.locator("#alerts-reminders details.alert-day").count() == len(DUE_DAYS)
        assert page.get_attribute("#alerts-reminders details.alert-day >> nth=0", "data-due") == "2026-11-02"
        page.click("#alerts-reminders details.alert-day >> nth=0 >> summary")
        first = page.locator("#alerts-reminders details.alert-day >> nth=0 >> li").first
        text = first.inner_text()
        assert any(n in text for n in numbers), text
        assert "事项S1" in text and "测试局" in text and "1号窗口" in text and "张敏（C1）" in text
        case_ids = [str(i) for i in range(1, CASES + 1)]
        assert not any(f"承诺件 {i} " in text for i in case_ids)  # never an internal id

        page.select_option("#alert-severity", "yellow")
        page.wait_for_function("() => document.querySelectorAll('#alerts li.red').length === 0")
        page.select_option("#alert-severity", "")
        page.click("#alert-counts .chip[data-rule='case.overdue']")  # a count filters by its type
        page.wait_for_function(f"() => document.body.dataset.alertsShown === '{CASES}'")

        page.click("#alert-select-shown")
        page.wait_for_selector(f"#alert-ack-selected:has-text('确认所选（{CASES}）')")
        page.click("#alert-ack-selected")
        page.wait_for_selector("#toast:has-text('已确认')")
        standing = httpx.get(served.url + "/api/v1/alerts", headers=served.as_("manager")).json()
        cases = [a for a in standing if a["rule"] == "case.overdue"]
        assert len(cases) == CASES and all(a["acknowledged_at"] for a in cases)
        assert all(a["ticket"] in numbers and a["clerk"] == "张敏（C1）" for a in cases)
        assert not any(a["acknowledged_at"] for a in standing if a["live"])  # only what was shown
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        page.click("#alert-counts .chip[data-rule='case.overdue']")
        shot(page, "manager-alerts-acked-1366x768")
