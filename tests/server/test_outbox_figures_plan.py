"""The managers' outbox figures read the hall's pending, dead and dropped messages and the kept
count of those delivered: never the history of sent messages, which grows with every ticket.

Counted, not timed: on SQLite every statement's plan searches an index; on PostgreSQL (statistics
taken) the rows its plan reads from the outbox are no more than the messages not yet delivered.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, event, insert, select

from queue_server.adapters import tables as t
from queue_server.services.outbox.ports import Attempt, NewMessage
from queue_server.services.unit_of_work import UnitOfWork
from tests.server.conftest import Hall
from tests.support.plans import pg_rows_read, sqlite_plan

HISTORY, SENT, PENDING, DEAD = 5000, 20, 2, 1


def fill(hall: Hall) -> None:
    """Hall t1's SMS outbox: a long history of delivered messages (written in bulk, counted as the
    migration counts them), then some delivered (one statement, as a dispatcher's round records
    them), a few pending and one dead through the store."""
    now = hall.clock.now
    earlier = now - timedelta(hours=1)
    with hall.runtime.read_engine.connect() as conn:
        hall_id = conn.execute(select(t.halls.c.id).where(t.halls.c.code == "t1")).scalar_one()

    def history(conn: Connection, _outbox: Any) -> None:
        rows = [
            {
                **dict(hall_id=hall_id, destination="sms", kind="sms.called", payload={}, attempts=1),
                **dict(idempotency_key=f"h{n}", ordering_key=f"h{n}", status="sent"),
                **dict(created_at=earlier, next_at=earlier, sent_at=earlier),
            }
            for n in range(HISTORY)
        ]
        conn.execute(insert(t.outbox), rows)
        conn.execute(insert(t.outbox_sent).values(hall_id=hall_id, destination="sms", sent=HISTORY))

    def recent(uow: UnitOfWork) -> None:
        store, count = uow.stores.outbox, SENT + PENDING + DEAD
        store.add(
            [NewMessage(hall_id, "sms", "sms.called", f"k{n}", f"o{n}", {}, earlier) for n in range(count)]
        )
        claimed = store.claim(now, "test", now + timedelta(minutes=1), count)
        delivered = [message.id for message in claimed[:SENT]]
        assert store.settle_sent(delivered, "another dispatcher", now) == []  # not its lease
        assert store.settle_sent(delivered, "test", now) == delivered  # a round's deliveries at once
        assert store.settle(Attempt(claimed[SENT].id, "test", "dead", 1, now, "HTTP 422", now))

    hall.runtime.writer.run_sync(history)
    hall.runtime.write_sync(recent)


def statements_of_the_view(hall: Hall) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "outbox" in statement:
            seen.append((statement, parameters))

    engine = hall.runtime.read_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        response = hall.client.get("/api/v1/outbox", headers=hall.as_("manager"))
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert response.status_code == 200, response.text
    return response.json(), seen


def test_the_outbox_figures_read_no_history_of_sent_messages(hall: Hall) -> None:
    fill(hall)
    view, seen = statements_of_the_view(hall)
    sms = next(d for d in view["destinations"] if d["destination"] == "sms")
    assert (sms["sent"], sms["pending"], sms["dead"], sms["dropped"]) == (HISTORY + SENT, PENDING, DEAD, 0)
    assert sms["oldest_pending_at"] is not None
    assert seen, "the view read nothing of the outbox"
    engine = hall.runtime.read_engine
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            for statement, parameters in seen:
                steps = sqlite_plan(conn, statement, parameters)
                reads = [step for step in steps if step.startswith(("SEARCH outbox ", "SCAN outbox "))]
                # Each read of the outbox seeks a status; ``hall_id=?`` alone would walk the history.
                assert all("status=?" in step for step in reads), (statement, steps)
        else:
            conn.exec_driver_sql("ANALYZE outbox")
            conn.exec_driver_sql("ANALYZE outbox_sent")
            for statement, parameters in seen:
                read = pg_rows_read(conn, statement, parameters, "outbox")
                assert read <= PENDING + DEAD, (statement, read)
