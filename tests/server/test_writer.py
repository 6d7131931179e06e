"""The single writer, tested directly on SQLite and PostgreSQL: savepoints, retries, deadlocks
through SQLAlchemy and through the raw cursor, draining on stop, events and caches after commit,
and the one datetime converter of the Core and raw paths."""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, select, text
from sqlalchemy.exc import DBAPIError, StatementError

from queue_server.adapters.db import make_engine, normalise_url
from queue_server.adapters.raw import RawStatements, read_time
from queue_server.adapters.tables import UtcDateTime
from queue_server.adapters.utc import NaiveDatetime
from queue_server.adapters.writer import Outbox, Writer, WriterStopped
from queue_server.domain.errors import Rejected
from tests.support.postgres import PostgresCluster, create_database

_names = itertools.count()
probe = Table(
    "probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("name", Text, unique=True),
    Column("n", Integer, nullable=False, default=0),
    Column("at", UtcDateTime),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind with the probe table."""
    if request.param == "sqlite":
        found = normalise_url(str(tmp_path / "writer.db"))
    else:
        cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
        found = normalise_url(create_database(cluster.url, f"writer_{next(_names)}"))
    engine = make_engine(found, writer=False)
    probe.metadata.create_all(engine)
    engine.dispose()
    return found


class Hall:
    """A writer on its own engine, a reader engine, and what the writer published."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url, writer=True)
        self.reader = make_engine(url, writer=False)
        self.published: list[list[Any]] = []
        self.seen_at_publish: list[int] = []
        self.writer = Writer(self.engine, self._publish)

    def _publish(self, events: list[Any]) -> None:
        self.seen_at_publish.append(len(self.names()))  # what another connection sees by now
        self.published.append(list(events))

    def names(self) -> list[str]:
        with self.reader.connect() as conn:
            return [r.name for r in conn.execute(select(probe.c.name).order_by(probe.c.name))]

    def close(self) -> None:
        self.writer.stop()
        self.engine.dispose()
        self.reader.dispose()


@pytest.fixture
def hall(url: str) -> Iterator[Hall]:
    made = Hall(url)
    try:
        yield made
    finally:
        made.close()


def insert(name: str, then: Callable[[], None] | None = None) -> Callable[[Any, Outbox], str]:
    def work(conn: Any, outbox: Outbox) -> str:
        conn.execute(probe.insert(), {"name": name})
        outbox.append(f"inserted {name}")
        if then is not None:
            then()
        return name

    return work


def refuse() -> None:
    raise Rejected("probe.refused")


def test_a_job_that_breaks_a_rule_rolls_back_only_its_savepoint(hall: Hall) -> None:
    futures = [hall.writer.submit(insert(n, refuse if n == "b" else None)) for n in ("a", "b", "c")]
    hall.writer.start()  # the three were queued before: they run as one batch
    assert futures[0].result(10) == "a" and futures[2].result(10) == "c"
    with pytest.raises(Rejected):
        futures[1].result(10)
    assert hall.writer.batches == 1
    assert hall.names() == ["a", "c"]
    hall.writer.stop()  # events are handed on after the replies: wait for the thread to finish
    assert hall.published == [["inserted a", "inserted c"]]  # a refused job's events go nowhere


def test_a_database_error_in_a_batch_retries_its_jobs_one_by_one(hall: Hall) -> None:
    with hall.engine.begin() as conn:
        conn.execute(probe.insert(), {"name": "taken"})
    futures = [hall.writer.submit(insert(n)) for n in ("a", "taken", "c")]  # "taken" breaks UNIQUE
    hall.writer.start()
    assert futures[0].result(10) == "a" and futures[2].result(10) == "c"
    with pytest.raises(DBAPIError):
        futures[1].result(10)
    assert hall.names() == ["a", "c", "taken"]


def test_a_job_whose_caller_gave_up_commits_and_the_rest_of_its_batch_is_answered(hall: Hall) -> None:
    futures = [hall.writer.submit(insert(n)) for n in ("a", "b", "c")]
    assert futures[0].cancel()  # its caller went away (a request cancelled at shutdown)
    hall.writer.start()
    assert futures[1].result(10) == "b" and futures[2].result(10) == "c"
    hall.writer.stop()
    assert hall.names() == ["a", "b", "c"]
    assert hall.published == [["inserted a", "inserted b", "inserted c"]]


def test_a_batch_wakes_its_callers_event_loop_once_and_each_gets_its_own_outcome(hall: Hall) -> None:
    async def callers() -> tuple[list[Any], int]:
        loop = asyncio.get_running_loop()
        wakes: list[Any] = []
        wake = loop.call_soon_threadsafe

        def counted(callback: Any, *args: Any) -> Any:
            wakes.append(callback)
            return wake(callback, *args)

        loop.call_soon_threadsafe = counted  # type: ignore[method-assign]
        jobs = [hall.writer.run(insert(n, refuse if n == "b" else None)) for n in ("a", "b", "c", "d")]
        tasks = [asyncio.ensure_future(job) for job in jobs]
        await asyncio.sleep(0)  # each caller has queued its job
        tasks[3].cancel()  # its caller goes away: the job still commits
        hall.writer.start()  # the four run as one batch
        return await asyncio.gather(*tasks, return_exceptions=True), len(wakes)

    outcomes, wakes = asyncio.run(callers())
    assert outcomes[0] == "a" and isinstance(outcomes[1], Rejected) and outcomes[2] == "c"
    assert isinstance(outcomes[3], asyncio.CancelledError)
    assert hall.writer.batches == 1 and wakes == 1
    assert hall.names() == ["a", "c", "d"]


def test_stop_runs_every_job_queued_before_it_and_refuses_later_ones(hall: Hall) -> None:
    futures = [hall.writer.submit(insert(f"n{i:02}")) for i in range(30)]
    hall.writer.start()
    hall.writer.stop()
    assert all(f.done() for f in futures)
    assert len(hall.names()) == 30
    late = hall.writer.submit(insert("late"))
    with pytest.raises(WriterStopped):
        late.result(1)


def test_events_and_cache_changes_come_only_after_the_commit(hall: Hall) -> None:
    cache: dict[str, str] = {}

    def change_then(name: str, fail: bool) -> Callable[[Any, Outbox], str]:
        def work(conn: Any, outbox: Outbox) -> str:
            conn.execute(probe.insert(), {"name": name})
            outbox.append(name)
            outbox.after_commit.append(lambda: cache.update({name: "committed"}))
            if fail:
                raise Rejected("probe.refused")
            assert name not in cache  # nothing changes while the transaction may still roll back
            return name

        return work

    kept = hall.writer.submit(change_then("kept", False))
    dropped = hall.writer.submit(change_then("dropped", True))
    hall.writer.start()
    assert kept.result(10) == "kept"
    with pytest.raises(Rejected):
        dropped.result(10)
    assert cache == {"kept": "committed"}  # changed before the reply
    hall.writer.stop()
    assert hall.published == [["kept"]] and hall.seen_at_publish == [1]  # committed before publishing


def test_a_job_after_a_crash_still_runs(hall: Hall) -> None:
    hall.writer.start()

    def broken(_conn: Any, _outbox: Outbox) -> None:
        raise ZeroDivisionError("a bug in one job")

    with pytest.raises(ZeroDivisionError):
        hall.writer.run_sync(broken)
    assert hall.writer.run_sync(insert("after")) == "after"


@pytest.fixture
def pg_url(pg_cluster: PostgresCluster) -> str:
    """An empty PostgreSQL database with the probe table (SQLite has one writer: no deadlocks)."""
    found = normalise_url(create_database(pg_cluster.url, f"writer_{next(_names)}"))
    engine = make_engine(found, writer=False)
    probe.metadata.create_all(engine)
    engine.dispose()
    return found


@pytest.mark.parametrize("path", ["sqlalchemy", "raw cursor"])
def test_a_postgresql_deadlock_with_another_process_is_retried(pg_url: str, path: str) -> None:
    url = pg_url
    hall = Hall(url)
    with hall.engine.begin() as conn:
        conn.execute(probe.insert(), [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}])
    other_holds_two, job_holds_one = threading.Event(), threading.Event()
    other_engine = make_engine(url, writer=False)

    def other_process() -> None:  # locks row 2, then wants row 1: the job holds it
        with other_engine.begin() as conn:
            conn.execute(text("SET LOCAL deadlock_timeout = '10s'"))  # so the job is the victim
            conn.execute(text("UPDATE probe SET n = n + 10 WHERE id = 2"))
            other_holds_two.set()
            assert job_holds_one.wait(10)
            conn.execute(text("UPDATE probe SET n = n + 10 WHERE id = 1"))

    attempts = itertools.count(1)

    def job(conn: Any, _outbox: Outbox) -> int:
        attempt = next(attempts)

        def run(statement: str) -> None:
            if path == "raw cursor":
                RawStatements(conn).cursor.execute(statement)
            else:
                conn.execute(text(statement))

        run("UPDATE probe SET n = n + 1 WHERE id = 1")
        if attempt == 1:
            job_holds_one.set()
            assert other_holds_two.wait(10)
        run("UPDATE probe SET n = n + 1 WHERE id = 2")  # the first time: a deadlock
        return attempt

    thread = threading.Thread(target=other_process)
    thread.start()
    try:
        hall.writer.start()
        # Retried until it committed: the retry may meet the other side once more (PostgreSQL does
        # not hand a released row lock to the longest waiter first), so twice or more.
        assert hall.writer.run_sync(job) >= 2
    finally:
        thread.join(30)
        hall.close()
        other_engine.dispose()
    with make_engine(url, writer=False).connect() as conn:
        totals = {row.id: row.n for row in conn.execute(select(probe.c.id, probe.c.n))}
    assert totals == {1: 11, 2: 11}


def test_core_and_raw_paths_store_the_same_moment_and_both_refuse_naive_datetimes(hall: Hall) -> None:
    shanghai = timezone(timedelta(hours=8))
    moment = datetime(2026, 3, 2, 9, 0, 30, 123456, tzinfo=shanghai)
    hall.writer.start()

    def write(conn: Any, _outbox: Outbox) -> None:
        conn.execute(probe.insert(), {"id": 1, "name": "core", "at": moment})
        RawStatements(conn).insert(probe, {"id": 2, "name": "raw", "n": 0, "at": moment}, returning_id=False)

    hall.writer.run_sync(write)
    with hall.reader.connect() as conn:
        core = conn.execute(select(probe.c.id, probe.c.at).order_by(probe.c.id)).all()
        stored = conn.execute(text("SELECT at FROM probe ORDER BY id")).scalars().all()
    assert [at for _id, at in core] == [moment, moment]
    assert stored[0] == stored[1]  # the same stored form, not merely the same moment
    assert read_time(stored[1]) == moment.astimezone(UTC)
    naive = datetime(2026, 3, 2, 9, 0)

    def core_naive(conn: Any, _outbox: Outbox) -> None:
        conn.execute(probe.insert(), {"name": "naive core", "at": naive})

    def raw_naive(conn: Any, _outbox: Outbox) -> None:
        RawStatements(conn).insert(probe, {"name": "naive raw", "n": 0, "at": naive}, returning_id=False)

    with pytest.raises(StatementError) as core_error:
        hall.writer.run_sync(core_naive)
    assert isinstance(core_error.value.orig, NaiveDatetime)
    with pytest.raises(NaiveDatetime):
        hall.writer.run_sync(raw_naive)
    assert hall.names() == ["core", "raw"]


@pytest.mark.parametrize("path", ["sqlalchemy", "raw cursor"])
def test_a_postgresql_serialization_failure_is_retried(pg_url: str, path: str) -> None:
    hall = Hall(pg_url)
    attempts = itertools.count(1)
    # The server itself raises SQLSTATE 40001, as it does to the loser of two serializable writes.
    fail = "DO $$ BEGIN RAISE EXCEPTION 'could not serialize' USING ERRCODE = 'serialization_failure'; END $$"

    def job(conn: Any, outbox: Outbox) -> int:
        attempt = next(attempts)
        conn.execute(probe.insert(), {"name": f"attempt {attempt}"})
        if attempt == 1:
            if path == "raw cursor":
                RawStatements(conn).cursor.execute(fail)
            else:
                conn.execute(text(fail))
        return attempt

    try:
        hall.writer.start()
        assert hall.writer.run_sync(job) == 2
        assert hall.names() == ["attempt 2"]  # the failed attempt left nothing behind
    finally:
        hall.close()


def savepoints_sent(trace: Any) -> int:
    """The savepoint statements in a libpq protocol trace (time, direction, length, message, text)."""
    trace.seek(0)
    lines = [line.split("\t") for line in trace]
    return sum(1 for line in lines if line[1] == "F" and line[3] == "Query" and "SAVEPOINT" in line[-1])


def traced(trace: Any, name: str, on: bool) -> Callable[[Any, Outbox], str]:
    """A job that starts (or stops) libpq's protocol trace on the writer's session, then inserts."""

    def work(conn: Any, outbox: Outbox) -> str:
        pgconn = conn.connection.dbapi_connection.pgconn
        if on:
            pgconn.trace(trace.fileno())
        else:
            pgconn.untrace()
        return insert(name)(conn, outbox)

    return work


def test_a_postgresql_batch_sends_no_savepoint_until_a_job_fails(pg_url: str) -> None:
    """A savepoint is a round trip a job on PostgreSQL: a batch runs its jobs without, and only a
    batch with a failing job is rolled back whole and run again with one per job (as are the
    batches soon after it, so jobs that often fail cost no rerun each)."""
    hall = Hall(pg_url)
    ran: list[str] = []
    try:
        with tempfile.TemporaryFile("w+") as trace:
            jobs = [traced(trace, "a", True), insert("b"), traced(trace, "c", False)]
            futures = [hall.writer.submit(job) for job in jobs]
            hall.writer.start()  # the three were queued before: they run as one batch
            assert [f.result(10) for f in futures] == ["a", "b", "c"]
            assert savepoints_sent(trace) == 0  # each job's own savepoint: 2 between these three
        assert hall.writer.reruns == 0

        hall.writer.stop()
        hall.writer = Writer(hall.engine, hall._publish)
        futures = [
            hall.writer.submit(insert(n, (lambda n=n: ran.append(n)) if n != "e" else refuse))
            for n in ("d", "e", "f")
        ]
        hall.writer.start()
        assert futures[0].result(10) == "d" and futures[2].result(10) == "f"
        with pytest.raises(Rejected):
            futures[1].result(10)
        assert (hall.writer.batches, hall.writer.reruns) == (1, 1)
        assert ran == ["d", "d", "f"]  # "d" ran again with "f" under savepoints, after the rollback
        assert hall.names() == ["a", "b", "c", "d", "f"]

        running, go_on = threading.Event(), threading.Event()

        def hold(_conn: Any, _outbox: Outbox) -> None:
            running.set()
            assert go_on.wait(10)

        held = hall.writer.submit(hold)
        assert running.wait(10)  # the writer is busy: the next two are queued for one batch
        refused = [hall.writer.submit(insert(n, refuse if n == "h" else None)) for n in ("g", "h")]
        go_on.set()
        held.result(10)
        with pytest.raises(Rejected):
            refused[1].result(10)
        assert refused[0].result(10) == "g"
        assert hall.writer.batches == 3
        assert hall.writer.reruns == 1  # soon after a failure: savepoints from the start, no rerun
        hall.writer.stop()
        assert hall.published[-2:] == [["inserted d", "inserted f"], ["inserted g"]]
    finally:
        hall.close()
