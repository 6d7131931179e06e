"""PostgreSQL writers of several processes lock the halls they act for, in one order (``pg_locks``).

Another process is played by a connection of its own holding a hall's lock, the way its writer's
transaction would. A busy hall's jobs wait one transaction while the other halls' go ahead; a job
for no particular hall waits for the whole site; a holder that dies or hangs gives its halls up.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from queue_server.adapters.database import SqlDatabase
from queue_server.adapters.db import make_engine, normalise_url
from queue_server.adapters.pg_locks import IDLE_IN_TRANSACTION_MS, LOCK_CLASS, Held, HousekeepingLeases, claim
from queue_server.adapters.writer import Outbox, Writer
from queue_server.runtime import OUTBOX_ROWS
from tests.server.test_writer import insert, probe
from tests.support.postgres import PostgresCluster, create_database

_names = itertools.count()


@pytest.fixture(scope="module")
def pg_url(pg_cluster: PostgresCluster) -> str:
    found = normalise_url(create_database(pg_cluster.url, f"hall_locks_{next(_names)}"))
    engine = make_engine(found, writer=False)
    probe.metadata.create_all(engine)
    engine.dispose()
    return found


@pytest.fixture
def engines(pg_url: str) -> Iterator[tuple[Engine, Engine]]:
    """The writer's engine and a reader; the probe table emptied first."""
    writer, reader = make_engine(pg_url, writer=True), make_engine(pg_url, writer=False)
    with reader.begin() as conn:
        conn.execute(probe.delete())
    yield writer, reader
    writer.dispose()
    reader.dispose()


def waiting_for(reader: Engine, hall: int, within: float = 20.0) -> None:
    """Until some session waits for ``hall``'s advisory lock (0: the site's)."""
    query = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND classid = :cls AND objid = :hall"
    )
    hall &= 0xFFFFFFFF  # pg_locks shows the lock's second key as an unsigned oid
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with reader.connect() as conn:
            if conn.execute(query, {"cls": LOCK_CLASS, "hall": hall}).scalar_one():
                return
        time.sleep(0.02)
    raise AssertionError(f"nobody waited for hall {hall}")


def names(reader: Engine) -> set[str]:
    with reader.connect() as conn:
        return {r.name for r in conn.execute(select(probe.c.name))}


def test_a_busy_halls_jobs_wait_one_transaction_while_the_other_halls_go_ahead(
    engines: tuple[Engine, Engine],
) -> None:
    engine, reader = engines
    writer = Writer(engine, lambda _events: None, claim=claim)
    with reader.connect() as other, other.begin():  # another process's writer holds hall 1
        assert claim(other, [1]).halls == {1}
        first = writer.submit(insert("hall 1"), hall=1)  # queued before the start: one batch
        second = writer.submit(insert("hall 2"), hall=2)
        writer.start()
        assert second.result(20) == "hall 2"
        waiting_for(reader, 1)  # the put-back job's transaction now waits for hall 1
        assert not first.done() and names(reader) == {"hall 2"}
    try:
        assert first.result(20) == "hall 1"
        assert writer.put_back == 1
    finally:
        writer.stop()
    assert names(reader) == {"hall 1", "hall 2"}


def someone_waits(reader: Engine, within: float = 20.0) -> None:
    """Until some session waits for a lock of any kind (a row's, or a hall's)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with reader.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar_one():
                return
        time.sleep(0.02)
    raise AssertionError("nobody waited")


def bump(row: int, then: Callable[[], None] | None = None) -> Callable[[Any, Outbox], int]:
    def work(conn: Any, _outbox: Outbox) -> int:
        conn.execute(text("UPDATE probe SET n = n + 1 WHERE id = :id"), {"id": row})
        if then is not None:
            then()
        return row

    return work


def test_two_processes_batching_the_same_halls_in_opposite_orders_do_not_deadlock(
    engines: tuple[Engine, Engine], pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """What used to deadlock: A's batch locks hall 1's row then hall 2's, B's hall 2's then hall 1's
    (without the hall locks, PostgreSQL detects the deadlock and the writer retries its jobs)."""
    engine, reader = engines
    with reader.begin() as conn:
        conn.execute(probe.insert(), [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}])
    a_holds_one = threading.Event()

    def then_let_b_in() -> None:  # A holds row 1: B starts, and A goes on once B waits for something
        a_holds_one.set()
        someone_waits(reader)

    other_engine = make_engine(pg_url, writer=True)
    a = Writer(engine, lambda _events: None, claim=claim)
    b = Writer(other_engine, lambda _events: None, claim=claim)
    jobs = [a.submit(bump(1, then_let_b_in), hall=1), a.submit(bump(2), hall=2)]
    jobs += [b.submit(bump(2), hall=2), b.submit(bump(1), hall=1)]
    try:
        a.start()
        assert a_holds_one.wait(20)
        b.start()
        assert [job.result(30) for job in jobs] == [1, 2, 2, 1]
    finally:
        a.stop()
        b.stop()
        other_engine.dispose()
    assert not [r for r in caplog.records if "retrying" in r.getMessage()]  # no deadlock, no retry
    with reader.connect() as conn:
        assert dict(conn.execute(select(probe.c.id, probe.c.n)).all()) == {1: 2, 2: 2}


def test_a_job_for_no_particular_hall_waits_for_the_whole_site(engines: tuple[Engine, Engine]) -> None:
    engine, reader = engines
    writer = Writer(engine, lambda _events: None, claim=claim)
    writer.start()
    try:
        with reader.connect() as other, other.begin():
            claim(other, [7])
            anywhere = writer.submit(insert("anywhere"))
            waiting_for(reader, 0)
            assert not anywhere.done()
        assert anywhere.result(20) == "anywhere"
        assert writer.run_sync(insert("hall 3"), hall=3) == "hall 3"
    finally:
        writer.stop()


def test_the_outbox_dispatchers_jobs_and_the_halls_writes_do_not_wait_for_each_other(
    engines: tuple[Engine, Engine],
) -> None:
    """The dispatcher's jobs name no hall, but touch outbox rows only: they hold a lock of their own,
    not the whole site. Another process's dispatcher mid-job blocks no hall write here, another
    process's hall writes block no dispatcher job; two dispatchers take turns."""
    engine, reader = engines
    writer = Writer(engine, lambda _events: None, claim=claim)
    writer.start()
    try:
        with reader.connect() as other, other.begin():  # another process's dispatcher, mid-job
            assert claim(other, [OUTBOX_ROWS]).halls == {OUTBOX_ROWS}
            writes = [writer.submit(insert(f"hall {hall}"), hall=hall) for hall in (1, 2, 3)]
            assert [job.result(20) for job in writes] == ["hall 1", "hall 2", "hall 3"]
        with reader.connect() as other, other.begin():  # another process's writer, mid-batch
            assert claim(other, [1, 2, 3]).halls == {1, 2, 3}
            assert writer.run_sync(insert("dispatch"), hall=OUTBOX_ROWS) == "dispatch"
        with reader.connect() as other, other.begin():  # two dispatchers: one job at a time
            claim(other, [OUTBOX_ROWS])
            second = writer.submit(insert("second dispatch"), hall=OUTBOX_ROWS)
            waiting_for(reader, OUTBOX_ROWS)
            assert not second.done()
        assert second.result(20) == "second dispatch"
        assert writer.site_jobs == 0 and writer.put_back == 0
    finally:
        writer.stop()
    assert names(reader) == {"hall 1", "hall 2", "hall 3", "dispatch", "second dispatch"}


HOLDER = """
import sys, time
from queue_server.adapters.db import make_engine
from queue_server.adapters.pg_locks import claim
engine = make_engine(sys.argv[1], writer=True)
with engine.connect() as conn, conn.begin():
    claim(conn, [5])
    print("holding", flush=True)
    time.sleep(3600)  # hangs inside its transaction, as a stuck or paused process would
"""


@pytest.mark.parametrize("fate", ["killed", "hung"])
def test_a_hall_held_by_a_process_that_dies_or_hangs_is_free_again_in_bounded_time(
    engines: tuple[Engine, Engine], pg_url: str, fate: str
) -> None:
    engine, reader = engines
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, pg_url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    writer = Writer(engine, lambda _events: None, claim=claim)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        writer.start()
        job = writer.submit(insert(f"after the holder {fate}"), hall=5)
        waiting_for(reader, 5)
        began = time.monotonic()
        if fate == "killed":
            holder.kill()  # kill -9: its session ends, and with it the transaction and its locks
        assert job.result(60) == f"after the holder {fate}"
        waited = time.monotonic() - began
        # Killed: as soon as PostgreSQL sees the socket close. Hung: PostgreSQL ends its idle
        # transaction after the writer sessions' timeout (generous margin: a loaded machine).
        assert waited < (5 if fate == "killed" else IDLE_IN_TRANSACTION_MS / 1000 + 10)
    finally:
        writer.stop()
        holder.kill()
        holder.wait(10)


def test_writer_sessions_carry_the_hung_transaction_and_lock_wait_limits(engines: tuple[Engine, Any]) -> None:
    engine, _ = engines
    with engine.connect() as conn:
        assert conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar_one() == "5s"
        assert conn.execute(text("SHOW lock_timeout")).scalar_one() == "15s"


def test_a_writer_whose_session_postgresql_ended_carries_on_with_a_new_one(
    engines: tuple[Engine, Engine],
) -> None:
    """What a process that hung in a transaction meets when it resumes: its session is gone."""
    engine, reader = engines
    writer = Writer(engine, lambda _events: None, claim=claim)
    writer.start()
    try:
        assert writer.run_sync(insert("before"), hall=1) == "before"
        with reader.connect() as conn:
            ended = conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'"
                )
            ).all()
        assert ended
        assert writer.run_sync(insert("after"), hall=1) == "after"
    finally:
        writer.stop()
    assert names(reader) == {"before", "after"}


def test_each_halls_housekeeping_is_one_processs_until_that_process_is_gone(pg_url: str) -> None:
    first, second = HousekeepingLeases(pg_url), HousekeepingLeases(pg_url)
    try:
        assert first.mine([2, 1]) == [2, 1]
        assert second.mine([1, 2, 3]) == [3]  # halls 1 and 2 are the first process's
        assert first.mine([1, 2, 3]) == [1, 2]  # and stay so, round after round
        first.close()  # its process ends: its session, and the leases with it (once the server saw)
        deadline = time.monotonic() + 20
        while second.mine([1, 2, 3]) != [1, 2, 3]:  # the other process's next rounds take them
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        first.close()
        second.close()


def test_a_direct_write_whose_transaction_postgresql_ended_runs_again(pg_url: str) -> None:
    """A command-line tool or a seeding step kept off the CPU inside its transaction past the idle
    timeout (a loaded machine) loses that transaction, as designed, and runs it again."""
    database = SqlDatabase(pg_url, counted=lambda _e: None, deliver=lambda _e: None, disconnect=lambda: None)
    attempts: list[int] = []

    def work(conn: Any, outbox: Outbox) -> str:
        attempts.append(1)
        if len(attempts) == 1:  # the first attempt idles past a (shortened) timeout
            conn.execute(text("SET LOCAL idle_in_transaction_session_timeout = '100ms'"))
            time.sleep(0.5)
        return insert("direct")(conn, outbox)

    try:
        assert database.write_direct(work) == "direct"
    finally:
        database.stop()
    assert len(attempts) == 2
    reader = make_engine(pg_url, writer=False)
    try:
        assert "direct" in names(reader)
    finally:
        reader.dispose()


def round_trips(conn: Any, work: Callable[[], object]) -> int:
    """The statements ``work`` sends on ``conn``'s session, counted in libpq's own protocol trace
    (each simple query, and each extended-protocol statement's Sync, is one wait for the server)."""
    pgconn = conn.connection.dbapi_connection.pgconn
    with tempfile.TemporaryFile("w+") as trace:
        pgconn.trace(trace.fileno())
        try:
            work()
        finally:
            pgconn.untrace()
        trace.seek(0)
        lines = [line.split("\t") for line in trace]  # time, direction, length, message, ...
    return sum(1 for line in lines if line[1] == "F" and line[3].strip() in ("Query", "Sync"))


def test_the_usual_claim_is_one_round_trip_and_keeps_the_one_order(engines: tuple[Engine, Engine]) -> None:
    """A batch of free halls: the site lock and the tries in one statement, the site lock still
    taken, shared, before any hall (a job for the whole site waits for this transaction)."""
    engine, reader = engines
    with engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT 1"))  # the driver's BEGIN, sent before its first statement
        held: list[Any] = []
        assert round_trips(conn, lambda: held.append(claim(conn, [3, 1, 2]))) == 1
        assert held == [Held(frozenset({1, 2, 3}))]
        with reader.connect() as other:
            locks = other.execute(
                text(
                    "SELECT objid, mode FROM pg_locks WHERE locktype = 'advisory' AND classid = :cls "
                    "AND pid <> pg_backend_pid() ORDER BY objid"
                ),
                {"cls": LOCK_CLASS},
            ).all()
        assert [tuple(row) for row in locks] == [
            (0, "ShareLock"),
            (1, "ExclusiveLock"),
            (2, "ExclusiveLock"),
            (3, "ExclusiveLock"),
        ]
