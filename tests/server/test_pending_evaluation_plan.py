"""A pad's question "is anything waiting for a rating here?" seeks its window's pending evaluations:
it never walks the hall's (or the city's) history of evaluations.

Every pad asks after every conclusion at its window, and when nothing is pending (the citizen
already rated) the old statement, ``window_id = ? AND status = 'pending' ... ORDER BY id DESC
LIMIT 1`` with no index on the window, walked the evaluations table back from its newest row to its
oldest: a scan of every evaluation ever stored, per pad poll. Counted, not timed: SQLite's plan
searches the window's index; on PostgreSQL (statistics taken) the statement reads no evaluation row
but the window's pending one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, insert, select

from queue_server.adapters import tables as t
from queue_server.adapters.raw import RawStatements
from tests.server.conftest import Hall
from tests.support.plans import pg_rows_read, sqlite_plan

HISTORY = 3000  # rated evaluations at windows 2-4
PENDING = 300  # of them still waiting for a rating (the hall's other pads), deadlines ahead


def fill(hall: Hall) -> None:
    """A history of served tickets at the hall's other windows, written in bulk: most rated, the
    newest still pending."""
    now = hall.clock.now
    earlier, later = now - timedelta(hours=2), now + timedelta(hours=1)
    with hall.runtime.read_engine.connect() as conn:
        hall_id = conn.execute(select(t.halls.c.id).where(t.halls.c.code == "t1")).scalar_one()
        service_id = conn.execute(
            select(t.services.c.id).where(t.services.c.hall_id == hall_id, t.services.c.code == "S1")
        ).scalar_one()
        others = select(t.windows.c.id).where(t.windows.c.hall_id == hall_id, t.windows.c.number != "1")
        windows = conn.execute(others).scalars().all()

    def history(conn: Connection, _evaluations: Any) -> None:
        ticket = dict(hall_id=hall_id, business_day=earlier.date(), prefix="H", service_id=service_id)
        ticket |= dict(status="done", rank_at=earlier, issued_at=earlier)
        conn.execute(
            insert(t.tickets),
            [dict(ticket, token=f"history{n}", seq=n, number=f"H{n:05d}") for n in range(HISTORY)],
        )
        ids = sorted(conn.execute(select(t.tickets.c.id).where(t.tickets.c.prefix == "H")).scalars())
        rated = dict(hall_id=hall_id, service_id=service_id, requested_at=earlier)
        rated |= dict(status="rated", deadline_at=earlier)
        pending = dict(rated, status="pending", deadline_at=later)
        conn.execute(
            insert(t.evaluations),
            [
                dict(
                    pending if n >= HISTORY - PENDING else rated,
                    ticket_id=i,
                    window_id=windows[n % len(windows)],
                )
                for n, i in enumerate(ids)
            ],
        )

    hall.runtime.writer.run_sync(history)


def test_a_pads_question_seeks_its_windows_pending_evaluation(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(hall)
    seen: list[tuple[str, Any]] = []
    cursor_of = RawStatements.cursor.fget
    assert cursor_of is not None

    class Recording:
        def __init__(self, cursor: Any) -> None:
            self._cursor = cursor

        def execute(self, statement: str, parameters: Any = ()) -> Any:
            if "FROM evaluations" in statement:
                seen.append((statement, parameters))
            return self._cursor.execute(statement, parameters)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._cursor, name)

    monkeypatch.setattr(RawStatements, "cursor", property(lambda raw: Recording(cursor_of(raw))))
    pad = hall.as_("evaluator1")
    assert hall.client.get("/api/v1/windows/1/pending-evaluation", headers=pad).json() is None
    monkeypatch.undo()
    assert len(seen) == 1, seen
    ((statement, parameters),) = seen
    engine = hall.runtime.read_engine
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            steps = sqlite_plan(conn, statement, parameters)
            reads = [step for step in steps if step.startswith(("SEARCH evaluations ", "SCAN evaluations"))]
            assert reads and all("ix_evaluations_window_pending" in step for step in reads), steps
        else:
            conn.exec_driver_sql("ANALYZE evaluations")
            assert pg_rows_read(conn, statement, parameters, "evaluations") == 0

    # The answer is still right when something is pending: the window's latest.
    assert hall.act("1", "open").status_code == 200
    served = hall.issue("S1")
    for step in ("call-next", "start", "conclude"):
        assert hall.act("1", step).status_code == 200
    pending = hall.client.get("/api/v1/windows/1/pending-evaluation", headers=pad)
    assert pending.json()["ticket"] == served["number"], pending.text
