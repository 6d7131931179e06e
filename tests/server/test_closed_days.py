"""日结: closed days kept and read back give the very figures of a report that walks every event.

Three simulated days, and two tickets of a night owl that cross Monday's midnight (one waits over it,
one is being served over it), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, insert, select

from hallq.bootstrap import make_runtime
from hallq.simulate import simulate
from queue_server.adapters import tables as t
from queue_server.config import ServerSettings
from queue_server.domain.actors import Actor
from queue_server.domain.stats import Grouping, Period
from queue_server.runtime import Runtime
from queue_server.services.reports import days as report_days
from queue_server.services.reports import figures as reports

pytestmark = pytest.mark.long  # minutes of work: started first (tests/conftest.py)

MONDAY = date(2026, 3, 2)
DAYS = [MONDAY + timedelta(days=n) for n in range(3)]
MANAGER = Actor(hall_id=1, role="manager", name="test")


def everything(report: reports.Report) -> list[object]:
    """Every row of every grouping, by day and over the period (the wire rows, as JSON data)."""
    return [
        row.model_dump(mode="json")
        for by in Grouping
        for period in (Period.DAY, Period.CUSTOM)
        for row in report.rows(by, period)
    ]


@pytest.fixture
def hall(db_url: str, templates: dict[str, str]) -> Runtime:
    key = Path(templates["dir"]) / "secret.key"
    runtime = make_runtime(ServerSettings(db=db_url, secret_key_file=str(key)))
    simulate(runtime, "t1", MONDAY, len(DAYS), seed=7, load=0.2)
    runtime.write_sync(_night_owls)
    runtime.clock = lambda: datetime(2026, 3, 5, 2, 0, tzinfo=UTC)  # Thursday 10:00: three days closed
    return runtime


def _night_owls(uow: reports.UnitOfWork) -> None:
    conn = uow.stores.conn
    service = conn.execute(select(func.min(t.services.c.id)).where(t.services.c.hall_id == 1)).scalar()
    window = conn.execute(select(func.min(t.windows.c.id)).where(t.windows.c.hall_id == 1)).scalar()

    def at(hour: int, minute: int, day: int = 2) -> datetime:  # Shanghai time in March 2026
        return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)

    issued = {"priority": None, "channel": "kiosk"}
    rows = [
        (at(22, 0), "ticket.issued", 990001, None, {"number": "N001", **issued}),
        (at(23, 0), "ticket.issued", 990002, None, {"number": "N002", **issued}),
        (at(23, 30), "ticket.called", 990002, window, {"number": "N002"}),
        (at(0, 20, day=3), "ticket.concluded", 990002, window, {"number": "N002"}),
        (at(8, 40, day=3), "ticket.called", 990001, window, {"number": "N001"}),
        (at(8, 50, day=3), "ticket.concluded", 990001, window, {"number": "N001"}),
    ]
    conn.execute(
        insert(t.events),
        [
            {
                "hall_id": 1,
                "at": moment,
                "type": kind,
                "ticket_id": ticket,
                "window_id": window_id,
                "service_id": service,
                "data": data,
            }
            for moment, kind, ticket, window_id, data in rows
        ],
    )


def compute(runtime: Runtime, first: date, last: date) -> reports.Report:
    return runtime.read_sync(lambda uow: reports.compute(uow, MANAGER, first, last))


def keep(runtime: Runtime, report: reports.Report) -> None:
    runtime.write_sync(lambda uow: report_days.store(uow, 1, report.closed))


def forget(runtime: Runtime) -> None:
    runtime.write_sync(lambda uow: uow.stores.conn.execute(delete(t.report_days)))


def test_kept_days_give_the_figures_of_a_walk_over_every_event(hall: Runtime) -> None:
    walked = compute(hall, DAYS[0], DAYS[-1] + timedelta(days=1))  # Thursday: open, never kept
    assert [d.day for d in walked.closed] == DAYS
    carried = [d.read()[0] for d in walked.closed]
    assert carried[0]["queued"] and carried[0]["busy_since"]  # the night owls, over Monday's midnight
    keep(hall, walked)

    read_back = compute(hall, DAYS[0], DAYS[-1] + timedelta(days=1))
    assert read_back.closed == []  # every closed day read back
    assert everything(read_back) == everything(walked)
    assert read_back.total().issued > 50

    # a period starting on Tuesday carries nothing in: Tuesday is walked, and the figures are those
    # of a walk over every event
    later = compute(hall, DAYS[1], DAYS[-1])
    assert DAYS[1] in [d.day for d in later.closed]
    forget(hall)
    assert everything(later) == everything(compute(hall, DAYS[1], DAYS[-1]))

    # the nightly close keeps the month so far once; then there is nothing more to do
    closed = hall.read_sync(lambda uow: reports.close_days(uow, 1))
    assert [d.day for d in closed] == [date(2026, 3, 1), *DAYS]
    hall.write_sync(lambda uow: report_days.store(uow, 1, closed))
    assert hall.read_sync(lambda uow: reports.close_days(uow, 1)) == []
    assert compute(hall, date(2026, 3, 1), DAYS[-1]).closed == []


def test_an_event_added_to_a_kept_day_has_the_day_walked_again(hall: Runtime) -> None:
    keep(hall, compute(hall, DAYS[0], DAYS[-1]))
    noon = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # Tuesday 12:00 Shanghai

    def add(uow: reports.UnitOfWork) -> None:
        service = uow.stores.conn.execute(select(func.min(t.services.c.id)).where(t.services.c.hall_id == 1))
        uow.stores.conn.execute(
            insert(t.events),
            {
                "hall_id": 1,
                "at": noon,
                "type": "ticket.cancelled",
                "service_id": service.scalar(),
                "data": {"number": "Z999"},
            },
        )

    before = compute(hall, DAYS[0], DAYS[-1]).rows(Grouping.HALL, Period.DAY)
    hall.write_sync(add)
    again = compute(hall, DAYS[0], DAYS[-1])
    # Tuesday is walked again; what it carries into Wednesday is unchanged, so Wednesday is read back
    assert [d.day for d in again.closed] == [DAYS[1]]
    after = again.rows(Grouping.HALL, Period.DAY)
    assert after[1].cancelled == before[1].cancelled + 1
    assert (after[0], after[2]) == (before[0], before[2])
