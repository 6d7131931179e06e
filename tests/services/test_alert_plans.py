"""Alert housekeeping as a plan read once and applied in small chunks: a chunk does only its own
changes, and a plan a moment old never raises, escalates or clears an alert twice."""

from __future__ import annotations

from datetime import date

from queue_server.services.operations import alerts
from queue_server.services.operations.ports import PromisedCase
from tests.services.conftest import HALL, Hall

OVERDUE = 6


def overdue_cases(hall: Hall, count: int = OVERDUE) -> None:
    """``count`` open 承诺件 promised for a day long past: one alert each."""
    for n in range(1, count + 1):
        hall.stores.alerts.cases[n] = PromisedCase(n, 100 + n, date(2026, 2, 2), [])


def raised(hall: Hall) -> list[str]:
    return [e.type for e in hall.published if e.type.startswith("alert.")]


def test_a_plan_is_applied_in_chunks_each_doing_only_its_share(hall: Hall) -> None:
    overdue_cases(hall)
    plan = alerts.plan(hall.unit(), HALL)
    assert alerts.size(plan) == OVERDUE
    chunks = []
    while alerts.size(plan):
        chunk, plan = alerts.split(plan, 4)
        chunks.append(alerts.size(alerts.apply_changes(hall.unit(), HALL, chunk)))
        assert len(hall.stores.alerts.standing(HALL)) == sum(chunks)  # applied chunk by chunk
    assert chunks == [4, 2]
    assert raised(hall) == ["alert.raised"] * OVERDUE


def test_a_stale_plan_changes_nothing_a_chunk_already_changed(hall: Hall) -> None:
    overdue_cases(hall, 2)
    first, second = alerts.plan(hall.unit(), HALL), alerts.plan(hall.unit(), HALL)  # both before any job
    alerts.apply_changes(hall.unit(), HALL, first)
    assert alerts.size(alerts.apply_changes(hall.unit(), HALL, second)) == 0
    assert len(hall.stores.alerts.standing(HALL)) == 2
    assert raised(hall) == ["alert.raised"] * 2  # announced once each

    del hall.stores.alerts.cases[1]  # done: its alert is to clear, by two plans read at once
    first, second = alerts.plan(hall.unit(), HALL), alerts.plan(hall.unit(), HALL)
    assert alerts.size(alerts.apply_changes(hall.unit(), HALL, first)) == 1
    assert alerts.size(alerts.apply_changes(hall.unit(), HALL, second)) == 0
    assert raised(hall) == ["alert.raised"] * 2 + ["alert.cleared"]
