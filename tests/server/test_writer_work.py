"""What the writer does per job and per transaction, counted (not timed): what a job need not
repeat, it does once (``benchmarks/writer.py`` measures the CPU)."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError

from queue_server.adapters import tables as t
from queue_server.adapters.db import make_engine, normalise_url
from queue_server.adapters.pg_events import Listener, notify
from queue_server.adapters.stores import SqlStores
from queue_server.adapters.writer import Outbox, Writer
from queue_server.domain.estimates import HandlingStats
from queue_server.services.live import LiveEvent
from tests.server.conftest import Hall
from tests.server.test_statements_per_request import MARKERS, job_with, statements
from tests.support.postgres import PostgresCluster, create_database

__all__ = ["statements"]  # the fixture, shared with the statement counts


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_call_tells_every_waiting_ticket_its_wait_reading_the_handling_figure_once(
    hall: Hall, statements: list[str]
) -> None:
    assert hall.act("1", "open").status_code == 200
    for _ in range(4):
        hall.issue("S1")
    hall.runtime.caches.stats.clear()  # the figure is read afresh (as every few seconds)
    statements.clear()
    called = hall.act("1", "call-next")
    assert called.status_code == 200 and called.json()["ticket"]["number"] == "A001"
    job = job_with(statements, MARKERS["call-next"])
    figures = [sql for sql in job if "FROM service_stats" in sql]
    assert len(figures) == 1, job  # was one a waiting ticket: each one's estimate read it again


def test_a_postgresql_transactions_events_are_notified_in_order_on_the_drivers_cursor(
    pg_cluster: PostgresCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each event was a SQLAlchemy statement (and a round trip) of its own; a call tells every
    waiting ticket of its service how many are ahead, so a batch carries tens of them. They go as
    one JSON text: a ``text[]`` parameter had psycopg escape every quote of every event in Python."""
    url = normalise_url(create_database(pg_cluster.url, "writer_work_notify"))
    sent: list[tuple[Any, ...]] = []
    execute = psycopg.Cursor.execute

    def recording(cursor: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        if "pg_notify" in str(query):
            sent.append(tuple(params))
        return execute(cursor, query, params, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", recording)
    heard: list[LiveEvent] = []
    everything = threading.Event()

    def deliver(events: list[LiveEvent]) -> None:
        heard.extend(events)
        if len(heard) >= 60:
            everything.set()

    listener = Listener(url, deliver)
    engine = make_engine(url, writer=True)
    core: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: core.append(sql))
    writer = Writer(engine, lambda _events: None, before_commit=notify)
    at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

    def emit(first: int) -> Callable[[Any, Outbox], None]:
        def work(_conn: Any, outbox: Outbox) -> None:
            outbox.extend(
                LiveEvent("probe", ("hall",), {"n": n, "s": TRICKY}, at, 1) for n in range(first, first + 20)
            )

        return work

    listener.start()
    try:
        futures = [writer.submit(emit(first), hall=1) for first in (0, 20, 40)]
        writer.start()  # the three jobs were queued: one transaction
        for future in futures:
            future.result(30)
        assert everything.wait(30)
    finally:
        writer.stop()
        listener.stop()
        engine.dispose()
    assert writer.batches == 1
    assert [e.payload["n"] for e in heard] == list(range(60))  # in the order the jobs made them
    assert {e.payload["s"] for e in heard} == {TRICKY}  # every character as it was sent
    assert not [sql for sql in core if "pg_notify" in sql], core  # none through SQLAlchemy
    assert len(sent) == 1, sent  # one statement for the transaction's 60 events
    assert not [p for p in sent[0] if isinstance(p, list | tuple)], sent  # no array for psycopg to escape


TRICKY = 'a "quoted" \\ back\\slash, {braces}, 中文 and \\u0000-looking text'


def test_a_sqlite_transaction_begins_on_the_driver_and_its_error_is_still_sqlalchemys(tmp_path: Path) -> None:
    """The writer's BEGIN IMMEDIATE, once a transaction, went through SQLAlchemy's whole execution
    (a context, its events, a result) for one statement."""
    engine = make_engine(str(tmp_path / "begin.db"), writer=True)
    through: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: through.append(sql))
    try:
        with engine.connect() as conn:
            with conn.begin():
                conn.execute(text("CREATE TABLE probe (id INTEGER PRIMARY KEY)"))
            assert through == ["CREATE TABLE probe (id INTEGER PRIMARY KEY)"]  # no BEGIN among them
            conn.connection.driver_connection.execute("PRAGMA busy_timeout=0")
            other = sqlite3.connect(tmp_path / "begin.db", isolation_level=None)
            other.execute("BEGIN IMMEDIATE")  # another writer holds the file
            try:
                with pytest.raises(OperationalError, match="locked"), conn.begin():
                    pass
            finally:
                other.close()
            with conn.begin():  # free again: the connection carries on
                conn.execute(text("INSERT INTO probe (id) VALUES (1)"))
    finally:
        engine.dispose()


def _spilled_journals() -> list[str]:
    """SQLite's temp files this process holds open (unlinked at once, so seen only by their fd)."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile (the listing's own fd among them)
            continue
        if "etilqs_" in target:  # SQLite's temp file prefix
            found.append(target)
    return found


def test_a_batchs_savepoints_keep_their_journal_in_memory_not_in_a_temp_file(tmp_path: Path) -> None:
    """A job's savepoint journals each page the job changes that was there before; past 64 KiB
    (an issue changes some 16 pages: the ticket's and its event's rows and indexes, the counters)
    SQLite spilled that journal to a temp file, created, written page by page and deleted in
    every transaction of more than one job. Here each job changes 21 pages of before (a row and
    20 one-page indexes); the files are counted from inside the batch's second job."""
    engine = make_engine(str(tmp_path / "journal.db"), writer=True)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE probe (id INTEGER PRIMARY KEY, body TEXT)"))
        for i in range(20):
            conn.execute(text(f"CREATE INDEX ix_probe_{i} ON probe (substr(body, {i + 1}))"))
        conn.execute(text("INSERT INTO probe (body) VALUES ('seed')"))
    seen: list[list[str]] = []

    def job(n: int) -> Callable[[Any, Outbox], None]:
        def work(conn: Any, _outbox: Outbox) -> None:
            conn.execute(text("INSERT INTO probe (body) VALUES (:body)"), {"body": f"row {n}"})
            seen.append(_spilled_journals())

        return work

    writer = Writer(engine, lambda _events: None)
    try:
        futures = [writer.submit(job(n)) for n in range(2)]
        writer.start()  # both were queued first: one batch, a savepoint each
        for future in futures:
            future.result(10)
        assert writer.batches == 1
        assert seen == [[], []]
    finally:
        writer.stop()
        engine.dispose()


def test_a_calls_people_ahead_push_reads_only_what_its_events_carry(
    hall: Hall, request: pytest.FixtureRequest
) -> None:
    """The push read every column of each waiting ticket (ID and phone hashes, masks, times…) to
    tell each holder a number; it reads the queue's numbers, tokens and order, and the counts it
    pushes are still the ones the ticket's status page works out."""
    assert hall.act("1", "open").status_code == 200
    tickets = [hall.issue("S1") for _ in range(3)]
    tickets.append(hall.issue("S1", priority_class="green"))
    tickets.append(hall.issue("S1"))
    waiting = [t for i, t in enumerate(tickets) if i != 3]  # the priority one is called first
    sqlite = hall.runtime.write_engine.dialect.name == "sqlite"
    statements: list[str] = request.getfixturevalue("statements") if sqlite else []  # SQLite's trace
    statements.clear()
    with hall.client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "subscribe", "topics": [f"ticket:{t['token']}" for t in waiting]})
        for _ in waiting:  # one a topic: each subscribed before the call
            assert ws.receive_json()["type"] == "snapshot"
        called = hall.act("1", "call-next")
        assert called.status_code == 200 and called.json()["ticket"]["number"] == tickets[3]["number"]
        pushed: dict[str, int] = {}
        while len(pushed) < len(waiting):
            frame = ws.receive_json()
            if frame["type"] == "ticket.ahead":
                pushed[frame["payload"]["number"]] = frame["payload"]["people_ahead"]
    status = {
        t["number"]: hall.client.get(f"/api/v1/tickets/{t['token']}").json()["people_ahead"] for t in waiting
    }
    assert pushed == status == {t["number"]: n for n, t in enumerate(waiting)}
    if sqlite:
        job = job_with(statements, MARKERS["call-next"])
        whole_rows = [sql for sql in job if sql.startswith("SELECT") and "tickets.id_hash" in sql]
        assert len(whole_rows) == 1, job  # the called ticket's; the push read one a waiting ticket too
        ranks = [sql for sql in job if sql.startswith("SELECT") and "rank_at" in sql.split("FROM")[0]]
        # the policy's candidates and the called ticket's row: the push's order is the database's,
        # no rank of it read, parsed and sorted here
        assert len(ranks) == 2, job


def test_a_handling_time_folded_by_the_database_is_the_domains_figure_bit_for_bit(db_url: str) -> None:
    """A conclusion folds its case into the service's running mean in SQL (one statement, the row
    locked by it); the figure is exactly what ``HandlingStats.observe`` makes, on both databases."""
    engine = make_engine(normalise_url(db_url), writer=True)
    expected = HandlingStats(600.0)
    try:
        with engine.begin() as conn:
            service_id = (
                conn.execute(select(t.services.c.id).where(t.services.c.hall_id == 1)).scalars().first()
            )
            assert service_id is not None
            stores = SqlStores(conn)
            for seconds in [312.5, 0.0, 14_400.0, 1e-3, 987.654321, 45.0, 1_000.0, 7.25] * 3:
                first = HandlingStats(600.0).observe(seconds)
                got = stores.hall.fold_handling(1, service_id, (first.mean_seconds, first.samples), seconds)
                expected = expected.observe(seconds)
                assert got == (expected.mean_seconds, expected.samples)
            assert stores.hall.handling_stats(service_id) == (expected.mean_seconds, expected.samples)
    finally:
        engine.dispose()
