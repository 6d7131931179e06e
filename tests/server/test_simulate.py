"""The seeded hall simulation: realistic shape, reproducible, and the reports agree with what it did."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hallq.bootstrap import build_runtime
from hallq.simulate import Summary, simulate
from queue_server.config import ServerSettings
from queue_server.contract import ReportRow
from queue_server.domain.actors import Actor
from queue_server.domain.stats import Grouping, Period
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from queue_server.services.reports import figures as reports
from tests.server.catalogue import small_hall

MONDAY = date(2026, 3, 2)


def simulated(folder: Path, seed: int) -> tuple[Summary, ReportRow, list[ReportRow]]:
    """A fresh SQLite hall t1, one simulated Monday, and its report (hall row, window rows)."""
    runtime = build_runtime(ServerSettings(db=str(folder / "sim.db"), secret_key_file=str(folder / "key")))
    data = CatalogueFile.model_validate(small_hall("t1"))
    runtime.write_sync(lambda uow: import_catalogue(uow, data))
    ticks: list[tuple[int, int]] = []
    summary = simulate(
        runtime, "t1", MONDAY, 1, seed, lambda done, total: ticks.append((done, total)), load=0.35
    )
    assert ticks == [(1, 1)]
    manager = Actor(hall_id=1, role="manager")
    report = runtime.read_sync(lambda uow: reports.compute(uow, manager, MONDAY, MONDAY))
    runtime.stop()
    return summary, report.rows(Grouping.HALL, Period.CUSTOM)[0], report.rows(Grouping.WINDOW, Period.CUSTOM)


@pytest.fixture(scope="module")
def monday(tmp_path_factory: pytest.TempPathFactory) -> tuple[Summary, ReportRow, list[ReportRow]]:
    return simulated(tmp_path_factory.mktemp("sim"), seed=11)


def test_the_report_counts_what_the_simulation_did(
    monday: tuple[Summary, ReportRow, list[ReportRow]],
) -> None:
    summary, hall, _ = monday
    assert summary.days == 1 and summary.issued > 50
    assert (hall.issued, hall.served, hall.no_shows, hall.transferred) == (
        summary.issued,
        summary.served,
        summary.no_shows,
        summary.transfers,
    )
    assert hall.cases == summary.served and hall.evaluation.rated == summary.rated
    assert hall.evaluation.bad == summary.bad
    assert hall.appointment_share == round(summary.appointments / summary.issued, 4)


def test_a_simulated_day_has_a_morning_peak_a_lunch_break_and_pauses(
    monday: tuple[Summary, ReportRow, list[ReportRow]],
) -> None:
    _, hall, windows = monday
    hours = hall.arrivals_by_hour
    assert hours is not None
    assert hours[12] == 0 and hours[8] == 0  # the default hours: 09:00–12:00 and 13:30–17:00
    assert max(hours[9], hours[10]) > hours[16]  # the morning peak outdoes the end of the afternoon
    assert 0 < (hall.priority_share or 0) < 0.2
    assert hall.corrections > 0 and hall.waiting.count >= hall.served
    assert all((w.paused_seconds or 0) >= 60 * 60 for w in windows)  # the lunch break, at least
    assert all(w.idle_seconds is not None and w.busy_seconds for w in windows)


def test_the_same_seed_gives_the_same_day(
    tmp_path: Path, monday: tuple[Summary, ReportRow, list[ReportRow]]
) -> None:
    again = simulated(tmp_path, seed=11)
    assert again[0] == monday[0]
    assert again[1].waiting == monday[1].waiting and again[1].arrivals_by_hour == monday[1].arrivals_by_hour
