"""Alerts triage on /manager for a 223-window, 300-service hall with a month of history (Nov 2026,
bulk-inserted as benchmarks/report.py writes it): hundreds of promised-case reminders, and still the
live lights first, the reminders folded by due day, each alert by name, bulk acknowledge of what a
filter shows, at 1366×768 without sideways scrolling."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

import benchmarks.report as month_history
from tests.consoles.conftest import ServedHall, log_in, shot
from tests.support.big_hall import grow
from tests.support.browser import checked_context
from tests.support.served_hall import prepared_hall

LAST_MONTH = (date(2026, 11, 1), date(2026, 11, 30))
ROUND_S = 16  # the alert engine's round is 15 s
# ~180 a working day: a month that leaves hundreds of reminders standing. (benchmarks/consoles.py
# writes 18,000; with that history the alert engine's adaptive chunks shrink to one alert a job
# and raising the month's ~1,300 reminders takes longer than ten minutes on a loaded machine.)
TICKETS = 4000


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHall]:
    db = tmp_path_factory.mktemp("big-hall-alerts") / "hall.db"
    tokens = prepared_hall(db)
    grow(db)
    month_history.MONTH = LAST_MONTH
    month_history.generate(f"sqlite:///{db}", 1, TICKETS, seed=17)
    with ServedHall(db, tokens) as server:
        yield server


def _standing(served: ServedHall) -> list[dict[str, Any]]:
    response = httpx.get(served.url + "/api/v1/alerts", headers=served.as_("manager"), timeout=60)
    assert response.status_code == 200, response.text
    return list(response.json())


def _settled(served: ServedHall) -> list[dict[str, Any]]:
    """The standing alerts once the engine has raised the month's reminders (it raises a bounded
    number a round, so hundreds take several rounds): the count unchanged over a round's time."""
    deadline = time.monotonic() + 900
    last: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        now = _standing(served)
        if last and len(now) == len(last) and any(a["rule"] == "case.overdue" for a in now):
            return now
        last = now
        time.sleep(ROUND_S)
    raise AssertionError(f"the alerts never settled: {len(last)}")


def test_a_manager_of_a_223_window_hall_triages_a_month_of_alerts(served: ServedHall, browser: Any) -> None:
    served.log_in("C1", "pw-c1", "1")
    served.act("1", "open")
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
    waiting = served.issue("ZH007")["number"]  # window 1 is away and nobody else serves ZH007
    served.act("1", "pause", {"reason": "away"})
    standing = _settled(served)
    cases = [a for a in standing if a["rule"] == "case.overdue"]
    assert len(cases) >= 100, len(cases)  # a real backlog, not a handful

    with checked_context(browser, viewport={"width": 1366, "height": 768}) as context:
        page = context.new_page()
        log_in(page, served, "M1", "pw-m1")
        page.wait_for_url("**/manager")
        # the engine's first rounds raise the month's reminders and the live lights; the page follows
        page.wait_for_selector("#alerts-live li[data-rule='ticket.long_wait']")
        page.wait_for_selector("#alerts-live li[data-rule='window.away']")
        page.wait_for_selector(f"#alert-counts .chip[data-rule='case.overdue'][data-red='{len(cases)}']")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), "sideways"
        shot(page, "manager-alerts-triage-223-windows-1366x768")

        # live lights come before the reminders (hundreds of them), and only live lights are there
        rules = "(sel) => Array.from(document.querySelectorAll(sel)).map((li) => li.dataset.rule)"
        live_shown = page.evaluate(rules, "#alerts-live li")
        reminder_rules = page.evaluate(rules, "#alerts-reminders li")
        live_rules = {a["rule"] for a in _standing(served) if a["live"]}
        assert live_shown and set(live_shown) <= live_rules, (live_shown, live_rules)
        assert len(reminder_rules) >= len(cases) and not set(reminder_rules) & live_rules
        assert page.evaluate(
            "() => !!(document.getElementById('alerts-live-box').compareDocumentPosition("
            "document.getElementById('alerts-reminders-box')) & Node.DOCUMENT_POSITION_FOLLOWING)"
        )
        assert waiting in page.inner_text("#alerts-live li[data-rule='ticket.long_wait']")
        assert "张敏" in page.inner_text("#alerts-live li[data-rule='window.away']")

        # reminders folded: one group per due day (the most overdue first), then by department,
        # each alert by ticket, service, department, window and clerk
        reminders = [a for a in standing if not a["live"]]
        days = sorted({a["due"] or a["raised_at"][:10] for a in reminders})
        assert page.locator("#alerts-reminders details.alert-day").count() == len(days)
        assert page.get_attribute("#alerts-reminders details.alert-day >> nth=0", "data-due") == days[0]
        height = page.evaluate(
            "() => document.getElementById('alerts-reminders').getBoundingClientRect().height"
        )
        assert height < 3 * 768, height  # folded groups, not a 45,000 px list
        # a promised case of the month, found in its day's group as a manager would
        named = next(a for a in cases if a["ticket"] and a["service_name"] and a["due"])
        due = str(named["due"])
        page.click(f"#alerts-reminders details.alert-day[data-due='{due}'] >> summary")
        item = (
            page.locator(f"#alerts-reminders details[data-due='{due}'] li[data-rule='case.overdue']")
            .filter(has_text=named["ticket"])
            .filter(has_text=named["service_name"])
            .first
        )
        text = item.inner_text()
        for field in ("department", "clerk"):  # named whenever the case knows them
            assert named[field] is None or named[field] in text, (field, text)
        assert named["window"] is None or f"{named['window']}号窗口" in text, text
        assert f"承诺件 {named['subject']}" not in text  # never an internal id

        # a count filters by its type; select what is shown and acknowledge it in one step
        page.click("#alert-counts .chip[data-rule='case.overdue']")
        page.wait_for_function(f"() => document.body.dataset.alertsShown === '{len(cases)}'")
        page.click("#alert-select-shown")
        page.wait_for_selector(f"#alert-ack-selected:has-text('确认所选（{len(cases)}）')")
        page.click("#alert-ack-selected")
        page.wait_for_selector("#toast:has-text('已确认')")
        after = _standing(served)
        assert all(a["acknowledged_at"] for a in after if a["rule"] == "case.overdue")
        assert not any(a["acknowledged_at"] for a in after if a["live"])  # only what was shown
        page.click("#alert-counts .chip[data-rule='case.overdue']")
        shot(page, "manager-alerts-acked-223-windows-1366x768")
