"""The worked attendance examples of docs/assessment.md replayed over the API, day by day with the
test clock: clerk C1 at window 1, tickets from the kiosk, the server's chores where the page says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from queue_server.services.operations.housekeeping import chores
from tests.server.conftest import Hall
from tests.server.test_assessment_api import as_clerk, clerk_act, month, sheet
from tests.server.test_settings_api import put_settings
from tests.support.attendance_examples import EXTENDED, HOURS, Example, Step, examples


def replay(hall: Hall, example: Example) -> None:
    """Every step of the example at its time, as the clerk, the kiosk and the chores would do it."""
    assert put_settings(hall, always_open=False, hours=HOURS, extended_hours=EXTENDED).status_code == 200
    session: tuple[Any, dict[str, str]] | None = None
    for step in example.steps:
        hall.clock.now = step.at.astimezone(UTC)
        if step.action == "housekeeping":
            hall.runtime.write_sync(lambda uow: chores(uow, 1))
            continue
        if session is None or session[0] != step.day:  # a fresh login each day
            session = (step.day, as_clerk(hall, "C1", "pw-c1", "1"))
        act(hall, session[1], step)


def act(hall: Hall, headers: dict[str, str], step: Step) -> None:
    if step.action == "serve":
        hall.issue("S1")
        clerk_act(hall, headers, "1", "call-next")
        clerk_act(hall, headers, "1", "conclude")
    elif step.action == "pause":
        clerk_act(hall, headers, "1", "pause", {"reason": step.reason})
    else:
        clerk_act(hall, headers, "1", step.action)


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.name)
def test_each_worked_example_is_charged_on_the_months_sheet(hall: Hall, example: Example) -> None:
    replay(hall, example)
    hall.clock.now = max(s.at for s in example.steps).astimezone(UTC) + timedelta(hours=2)
    window = sheet(month(hall, "2026-12"), "1")
    charged = [
        (line["rule"], line["ref"]["day"], line["ref"]["minutes"])
        for line in window["lines"]
        if line["rule"].startswith("attendance.")
    ]
    assert charged == list(example.charged)
    assert all(line["clerk_staff_no"] == "C1" for line in window["lines"])
    full = [line for line in window["lines"] if line["rule"] == "bonus.full_attendance"]
    assert bool(full) is example.full_attendance


def test_housekeeping_closes_a_window_left_open_at_closing_time_not_before(hall: Hall) -> None:
    assert put_settings(hall, always_open=False, hours=HOURS, extended_hours=EXTENDED).status_code == 200
    hall.clock.now = datetime(2026, 12, 10, 0, 30, tzinfo=UTC)  # Thursday 08:30 in Shanghai
    headers = as_clerk(hall, "C1", "pw-c1", "1")
    clerk_act(hall, headers, "1", "open")
    assert hall.act("2", "open").status_code == 200  # clerk 2 by its device token
    hall.issue("S1")
    clerk_act(hall, headers, "1", "call-next")  # window 1 still has a ticket at closing time
    hall.clock.now = datetime(2026, 12, 10, 9, 29, tzinfo=UTC)  # 17:29: not yet
    hall.runtime.write_sync(lambda uow: chores(uow, 1))
    assert status(hall, "1") == status(hall, "2") == "open"
    hall.clock.now = datetime(2026, 12, 10, 9, 31, tzinfo=UTC)  # 17:31
    hall.runtime.write_sync(lambda uow: chores(uow, 1))
    assert (status(hall, "1"), status(hall, "2")) == ("open", "closed")
    clerk_act(hall, headers, "1", "conclude")  # the clerk finishes the last citizen, then forgets
    hall.runtime.write_sync(lambda uow: chores(uow, 1))
    assert status(hall, "1") == "closed"


def status(hall: Hall, window: str) -> str:
    response = hall.client.get(f"/api/v1/windows/{window}", headers=hall.as_("manager"))
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


def test_a_window_opened_after_closing_time_stays_open_until_midnight(hall: Hall) -> None:
    assert put_settings(hall, always_open=False, hours=HOURS).status_code == 200
    hall.clock.now = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)  # Thursday 18:00: working late
    assert hall.act("1", "open").status_code == 200
    hall.clock.now = datetime(2026, 12, 10, 15, 59, tzinfo=UTC)  # 23:59
    hall.runtime.write_sync(lambda uow: chores(uow, 1))
    assert status(hall, "1") == "open"
    hall.clock.now = datetime(2026, 12, 10, 16, 1, tzinfo=UTC)  # 00:01 the next day
    hall.runtime.write_sync(lambda uow: chores(uow, 1))
    assert status(hall, "1") == "closed"


def test_a_hall_open_at_all_hours_closes_no_window(hall: Hall) -> None:
    assert put_settings(hall, always_open=True, hours=HOURS).status_code == 200
    hall.clock.now = datetime(2026, 12, 10, 0, 30, tzinfo=UTC)
    assert hall.act("1", "open").status_code == 200
    hall.clock.now += timedelta(days=2)
    hall.runtime.write_sync(lambda uow: chores(uow, 1))
    assert status(hall, "1") == "open"
