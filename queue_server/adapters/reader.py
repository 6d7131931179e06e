"""The reader of the busy GET routes: one thread, woken once per batch, as the writer is.

A citizen's status page and an evaluator pad's question are small reads (a few rows by index)
asked hundreds of times a minute. Handed to AnyIO's worker threads, each cost the event loop more
than the read itself: a capacity limiter, a worker hand-off and a wake-up of the loop per read,
and a connection checked out of the pool and reset per read. Here a request puts its read on a
queue and awaits a plain future of its own loop; the reader thread takes every read queued at that
moment, runs them on one connection checked out for the batch, and resolves all of a batch's
callers of one loop with one ``call_soon_threadsafe``.

Every read of a batch was queued before the batch began, so each sees every change committed
before its request came (the writer answers only after its commit): SQLite's read transaction
takes its snapshot at the batch's first statement, PostgreSQL (READ COMMITTED) at each statement.
A read that fails with a database error has its transaction rolled back, so the next read of the
batch starts clean (an aborted PostgreSQL transaction would refuse it).

Only small, bounded reads belong here: the batch's reads run one after another, so a slow one
would hold up the rest (reports and exports stay on the worker threads, ``Runtime.read``).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from queue_server.adapters.waiters import Settled, hand_over

T = TypeVar("T")
MAX_BATCH = 64


class ReaderStopped(RuntimeError):
    """A read came after the reader was told to stop; it was not run."""


@dataclass
class _Read(Generic[T]):
    work: Callable[[Connection], T]
    loop: asyncio.AbstractEventLoop
    waiter: asyncio.Future[T]


class Reader:
    """Small reads on a thread of their own, on ``engine``'s connections."""

    def __init__(self, engine: Engine, name: str = "hallq-reader") -> None:
        self._engine = engine
        self._queue: queue.SimpleQueue[_Read[Any] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._stopping = False
        self.batches = 0  # how many times the thread woke for reads (figures and tests)
        self.reads = 0

    @property
    def started(self) -> bool:
        return self._thread.is_alive() and not self._stopping

    def start(self) -> None:
        """Start the thread (once)."""
        if not self._thread.is_alive():
            self._thread.start()

    def stop(self) -> None:
        """Run what is queued, then stop the thread."""
        if self._thread.is_alive() and not self._stopping:
            self._stopping = True
            self._queue.put(None)
            self._thread.join(timeout=10)

    async def run(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` on a reader connection in the reader's next batch and return its result."""
        if self._stopping:
            raise ReaderStopped("the reader is stopping")
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Read(work, loop, waiter))
        return await waiter

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            batch: list[_Read[Any]] = []
            last = first is None
            if first is not None:
                batch.append(first)
            while not last and len(batch) < MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    last = True
                else:
                    batch.append(more)
            if batch:
                self._batch(batch)
            if last:
                return

    def _batch(self, batch: list[_Read[Any]]) -> None:
        woken: dict[asyncio.AbstractEventLoop, Settled] = {}
        try:
            with self._engine.connect() as conn:
                for read in batch:
                    woken.setdefault(read.loop, []).append((read.waiter, *_outcome(conn, read.work)))
        except BaseException as error:  # no connection at all (the database is away): each is told
            answered = {id(waiter) for settled in woken.values() for waiter, *_ in settled}
            for read in batch:
                if id(read.waiter) not in answered:
                    woken.setdefault(read.loop, []).append((read.waiter, error, False))
        self.batches += 1
        self.reads += len(batch)
        hand_over(woken)


def _outcome(conn: Connection, work: Callable[[Connection], Any]) -> tuple[Any, bool]:
    """One read's result (True) or error (False); after a database error its transaction is
    rolled back, so the batch's next read does not find it aborted."""
    try:
        return work(conn), True
    except DBAPIError as error:
        with contextlib.suppress(Exception):
            conn.rollback()
        return error, False
    except Exception as error:
        return error, False
