"""The single writer: one connection, one thread, commits grouped for the requests waiting then.

Every state change of the hall runs here as a *job*: a function of a unit of work. The writer
takes the jobs queued at that moment, runs each under its own savepoint inside one transaction,
commits once, and only then answers the callers and hands the jobs' live events on. A reply is
therefore never sent for a change that could still be lost, and a failing job (a broken hall
rule) rolls back alone. On PostgreSQL, where a savepoint is a round trip a job, a batch first runs
without them: jobs seldom fail, and when one does the whole transaction is rolled back and the
batch runs again with a savepoint per job (and so do the next ``CAREFUL_BATCHES`` batches, so a
hall whose jobs often fail pays at most one rerun in that many). On a database error (a
PostgreSQL deadlock with another process, say) the batch is rolled back and its jobs are retried
one by one in their own transactions. A database error is one whether SQLAlchemy wrapped it or it
came straight from the driver's cursor (the hot path's statements run there): a deadlock in the
raw counter upsert is retried too.

Each job may name the hall it acts for. Given a ``claim`` (PostgreSQL, several processes: see
``pg_locks``), a transaction first locks the halls of its jobs in one order; the jobs of a hall it
could not have at once are put back, ahead of anything newer, and run in the next transaction,
which waits for that hall. Without one (SQLite: one process owns the file) every job runs at once.

Jobs do database work only: password hashing, rendering and network calls run before a job is
submitted, and in-process caches change only through ``Outbox.after_commit``, once the
transaction that justified the change has committed.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from queue_server.adapters.pg_locks import Held
from queue_server.adapters.waiters import Settled, hand_over
from queue_server.domain.errors import DomainError

log = logging.getLogger(__name__)

T = TypeVar("T")
Claim = Callable[[Connection, Collection[int | None], Collection[int | None]], Held]

MAX_BATCH = 128
TRANSACTION_NOTES = "hallq.transaction"  # a dict on the connection, fresh for each transaction
RETRIES = 4
RETRY_PAUSE = 0.005  # seconds, times the attempt: lets the other side of a deadlock finish
CAREFUL_BATCHES = 64  # after a batch run without savepoints had a job fail, these run with them


class WriterStopped(RuntimeError):
    """A job came after the writer was told to stop; it was not run."""


class Outbox(list[Any]):
    """Live events a job produced; published only once its transaction committed.

    ``after_commit`` holds what the job wants done to the process's caches: run on the writer's
    thread after the commit (before the next batch), never for a job rolled back or retried.
    """

    def __init__(self) -> None:
        super().__init__()
        self.after_commit: list[Callable[[], None]] = []


@dataclass
class Job(Generic[T]):
    """A change to run on the writer's connection, and who waits for it: a blocking caller's
    ``future``, or a coroutine's ``waiter`` on its event loop (resolved from that loop)."""

    work: Callable[[Connection, Outbox], T]
    hall: int | None = None  # the hall it acts for; None: it may touch any
    future: Future[T] | None = field(default_factory=Future)
    waited: bool = False  # put back once for a busy hall: the next transaction waits for it
    loop: asyncio.AbstractEventLoop | None = None
    waiter: asyncio.Future[T] | None = None
    settled: bool = False  # its outcome was handed to its caller (only the writer thread sets it)


class Writer:
    """Runs jobs in grouped transactions on a dedicated thread."""

    def __init__(
        self,
        engine: Engine,
        publish: Callable[[list[Any]], None],
        before_commit: Callable[[Connection, list[Any]], None] | None = None,
        claim: Claim | None = None,
    ) -> None:
        self._engine = engine
        self._publish = publish
        self._before_commit = before_commit
        self._claim = claim
        self._put_back: list[Job[Any]] = []  # jobs of halls another process held: first next time
        self._queue: queue.SimpleQueue[Job[Any] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="hallq-writer", daemon=True)
        self._stopping = False
        self._submit_lock = threading.Lock()
        # What the driver raises from its own cursor (PEP 249's Error): a database error too.
        self._driver_errors: tuple[type[BaseException], ...] = (DBAPIError,)
        dbapi = getattr(engine.dialect, "dbapi", None)
        if dbapi is not None and isinstance(getattr(dbapi, "Error", None), type):
            self._driver_errors = (DBAPIError, dbapi.Error)
        self.batches = 0
        self.jobs = 0
        self.busy_seconds = 0.0  # wall time spent in batches: what every waiting request waited for
        self.batch_sizes = [0] * (MAX_BATCH + 1)  # batches by number of jobs (read by the metrics)
        self.put_back = 0  # jobs that waited a transaction for a hall another process held
        self.site_jobs = 0  # jobs submitted for no particular hall
        # PostgreSQL: batches run without a savepoint per job until one of their jobs fails
        self._savepoints_first = engine.dialect.name != "postgresql"
        self._careful_until = 0  # batches up to this count run with savepoints again
        self.reruns = 0  # batches rolled back whole for a failed job and run again with savepoints

    @property
    def depth(self) -> int:
        """Jobs queued and not yet taken into a batch (approximate, as any queue size)."""
        return self._queue.qsize()

    @property
    def started(self) -> bool:
        """Whether the writer thread runs (jobs submitted before then would wait)."""
        return self._thread.is_alive()

    def start(self) -> None:
        """Start the writer thread."""
        self._thread.start()

    def stop(self) -> None:
        """Finish the jobs queued so far, then stop; later submissions are refused."""
        with self._submit_lock:
            if self._stopping or not self.started:  # never started: jobs run directly (write_sync)
                return
            self._stopping = True
            self._queue.put(None)
        self._thread.join(timeout=30)

    def submit(self, work: Callable[[Connection, Outbox], T], hall: int | None = None) -> Future[T]:
        """Queue ``work`` (acting for ``hall``); the future resolves after its transaction committed."""
        future: Future[T] = Future()
        if not self._enqueue(Job(work, hall, future)):
            future.set_exception(WriterStopped("the writer has stopped"))
        return future

    async def run(self, work: Callable[[Connection, Outbox], T], hall: int | None = None) -> T:
        """Queue ``work`` and wait for its committed result without blocking the event loop.

        The writer resolves the waiter on this loop itself, once for all of a batch's jobs of this
        loop (one wake-up of the loop per batch, not a thread-safe future and a wake-up per job)."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[T] = loop.create_future()
        if not self._enqueue(Job(work, hall, None, loop=loop, waiter=waiter)):
            raise WriterStopped("the writer has stopped")
        return await waiter

    def _enqueue(self, job: Job[Any]) -> bool:
        """Queue the job, unless the writer was told to stop."""
        if job.hall is None:
            self.site_jobs += 1
        with self._submit_lock:  # nothing slips in behind the stop mark, where nobody would run it
            if self._stopping:
                return False
            self._queue.put(job)
        return True

    def run_sync(self, work: Callable[[Connection, Outbox], T], hall: int | None = None) -> T:
        """Queue ``work`` and block until it committed (for command-line tools and tests)."""
        return self.submit(work, hall).result()

    # -------------------------------------------------------------- the thread

    def _run(self) -> None:
        with self._engine.connect() as conn:
            stop = False
            while not stop or self._put_back:
                batch, self._put_back = self._put_back, []
                if not batch and not stop:
                    first = self._queue.get()
                    if first is None:
                        return
                    batch = [first]
                while len(batch) < MAX_BATCH and not stop:
                    try:
                        job = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if job is None:
                        stop = True
                        break
                    batch.append(job)
                started = time.perf_counter()
                try:
                    self._run_batch(conn, batch)
                except Exception as error:  # never let the writer die: fail this batch, go on
                    log.exception("writer batch crashed")
                    self._settle([(job, error, None) for job in batch if not job.settled])
                self.busy_seconds += time.perf_counter() - started

    def _run_batch(self, conn: Connection, batch: list[Job[Any]]) -> None:
        self.batches += 1
        try:
            try:
                settled, later = self._attempt(conn, batch, careful=self._careful())
            except _Stumbled:  # a job failed with no savepoint to roll back to: none was kept
                self.reruns += 1
                self._careful_until = self.batches + CAREFUL_BATCHES
                settled, later = self._attempt(conn, batch, careful=True)
        except _Refused as refused:  # a lone job broke a rule: nothing was written
            self._count(len(batch) - len(refused.later))
            self._settle([(refused.job, refused.error, None)])
            self._hold(refused.later)
            return
        except self._driver_errors:
            log.warning("batch of %d failed; retrying its jobs one by one", len(batch), exc_info=True)
            self._count(len(batch))
            for job in batch:
                self._run_alone(conn, job)
            return
        self._count(len(settled))
        self._settle(settled)
        self._hold(later)

    def _careful(self) -> bool:
        """Whether this batch's jobs each run under a savepoint (a job failed not long ago)."""
        return self._savepoints_first or self.batches <= self._careful_until

    def _count(self, ran: int) -> None:
        self.jobs += ran
        self.batch_sizes[ran] += 1

    def _hold(self, later: list[Job[Any]]) -> None:
        """Jobs whose hall another process held: first in the next transaction, which waits for it."""
        for job in later:
            job.waited = True
        self.put_back += len(later)
        self._put_back = later + self._put_back

    def _attempt(
        self, conn: Connection, batch: list[Job[Any]], alone: bool = False, careful: bool = True
    ) -> tuple[list[tuple[Job[Any], Any, Outbox | None]], list[Job[Any]]]:
        """Run the batch in one transaction: each job run with its result (or error) and events,
        and the jobs left for later (their hall was busy). Not ``careful``, the jobs run without
        savepoints and the first that fails rolls everything back (``_Stumbled``)."""
        settled: list[tuple[Job[Any], Any, Outbox | None]] = []
        later: list[Job[Any]] = []
        conn.info[TRANSACTION_NOTES] = {}  # what the jobs note for the rest of this transaction
        with conn.begin():
            if self._claim is not None:
                halls = [job.hall for job in batch]
                held = self._claim(conn, halls, halls if alone else [j.hall for j in batch if j.waited])
                later = [job for job in batch if not held.covers(job.hall)]
                batch = [job for job in batch if held.covers(job.hall)]
            several = len(batch) > 1
            savepoints = _Savepoints(conn) if several and careful else None
            for job in batch:
                outbox = Outbox()
                if savepoints:
                    savepoints.begin()
                try:
                    result = job.work(conn, outbox)
                except self._driver_errors:
                    raise
                except Exception as error:  # a broken rule, or a bug in one job: it alone rolls back
                    if several and savepoints is None:
                        raise _Stumbled() from error  # run again with savepoints: logged then
                    if not isinstance(error, DomainError):
                        log.exception("job failed")
                    if savepoints is None:
                        raise _Refused(error, job, later) from error
                    savepoints.rollback()
                    settled.append((job, error, None))
                    continue
                if savepoints:
                    savepoints.release()
                settled.append((job, result, outbox))
            if self._before_commit is not None:
                self._before_commit(conn, [e for _, _, box in settled if box for e in box])
        return settled, later

    def _run_alone(self, conn: Connection, job: Job[Any]) -> None:
        for attempt in range(RETRIES):
            try:
                settled, _ = self._attempt(conn, [job], alone=True)  # waits for its hall: runs
            except _Refused as refused:
                self._settle([(job, refused.error, None)])
                return
            except self._driver_errors as error:
                if attempt == RETRIES - 1:
                    log.error("job failed %d times on database errors; giving up", RETRIES, exc_info=True)
                    self._settle([(job, error, None)])
                    return
                log.warning("job failed on a database error (%s); retrying", type(error).__name__)
                time.sleep(RETRY_PAUSE * (attempt + 1))
                continue
            self._settle(settled)
            return

    def _settle(self, settled: list[tuple[Job[Any], Any, Outbox | None]]) -> None:
        events: list[Any] = []
        for _job, _result, outbox in settled:  # caches first: a caller woken next must see them
            for change in outbox.after_commit if outbox is not None else ():
                try:
                    change()
                except Exception:
                    log.exception("a cache change after commit failed")
        woken: dict[asyncio.AbstractEventLoop, Settled] = {}
        for job, result, outbox in settled:
            if outbox is not None:  # committed: its events go out even if nobody waits any more
                events.extend(outbox)
            job.settled = True
            if job.loop is not None and job.waiter is not None:
                woken.setdefault(job.loop, []).append((job.waiter, result, outbox is not None))
                continue
            try:
                if job.future is None:
                    continue
                if outbox is None:
                    job.future.set_exception(result)
                else:
                    job.future.set_result(result)
            except InvalidStateError:  # its caller gave up (cancelled at shutdown): nobody to tell
                continue
        hand_over(woken)
        if events:
            try:
                self._publish(events)
            except Exception:
                log.exception("publishing live events failed")


class _Refused(Exception):
    """A lone job's error, carried out of its rolled-back transaction."""

    def __init__(self, error: BaseException, job: Job[Any], later: list[Job[Any]]) -> None:
        super().__init__(str(error))
        self.error = error
        self.job = job
        self.later = later


class _Stumbled(Exception):
    """A job of a batch run without savepoints failed: the whole transaction rolls back."""


class _Savepoints:
    """One savepoint per job, on the driver's cursor (SQLAlchemy's nested transactions cost more).

    On PostgreSQL, where every statement is a round trip, a job's savepoint is released in the same
    statement that opens the next job's, and the last one by the COMMIT (which releases them all):
    one statement a job instead of two. SQLite's driver runs one statement at a time.
    """

    def __init__(self, conn: Connection) -> None:
        self._cursor = conn.connection.cursor()
        self._defer = conn.dialect.name == "postgresql"
        self._held = False  # a job's savepoint left for the next statement (or the COMMIT) to release

    def begin(self) -> None:
        if self._held:
            self._cursor.execute("RELEASE SAVEPOINT hallq_job; SAVEPOINT hallq_job")
            self._held = False
        else:
            self._cursor.execute("SAVEPOINT hallq_job")

    def release(self) -> None:
        if self._defer:
            self._held = True
        else:
            self._cursor.execute("RELEASE SAVEPOINT hallq_job")

    def rollback(self) -> None:
        self._cursor.execute("ROLLBACK TO SAVEPOINT hallq_job")
        self._cursor.execute("RELEASE SAVEPOINT hallq_job")
