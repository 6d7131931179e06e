"""A server process's moving parts: the database, caches, tokens, the hub and the clock.

What is concrete (the SQL database, its writer and listener) is built by the composition root
(``hallq.bootstrap``) and handed in; this module knows it only through the ``Database`` below.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from queue_server.auth.passwords import PasswordPool
from queue_server.auth.tokens import TokenBook
from queue_server.config import ServerSettings
from queue_server.domain.throttle import LoginThrottle
from queue_server.ops.metrics import HallMetrics, WriterFigures
from queue_server.services.live import STAFF_CHANGED, TOKEN_REVOKED, LiveEvent
from queue_server.services.outbox.notices import react
from queue_server.services.outbox.ports import Gateway, Sender
from queue_server.services.stores import Stores
from queue_server.services.unit_of_work import Caches, UnitOfWork
from queue_server.ws.hub import Hub

log = logging.getLogger(__name__)

T = TypeVar("T")
Clock = Callable[[], datetime]
Events = Callable[[list[LiveEvent]], None]
Work = Callable[[Connection, Any], T]  # a job on the writer's connection, given its outbox
# The hall the current request acts for, set once its caller is known (``api.deps``): each write it
# makes names that hall, so that on PostgreSQL the writer locks that hall alone (``pg_locks``).
ACTING_FOR: ContextVar[int | None] = ContextVar("hallq_acting_for", default=None)
# The writer "hall" of the outbox dispatcher's jobs (claim, record, hasten). They name no hall of
# their own, yet touch only outbox rows (and append event rows): on PostgreSQL they take a lock of
# their own, ordered before every hall's (``pg_locks``), instead of the whole site exclusively, so
# they run beside the halls' writes and only two processes' dispatchers take turns.
OUTBOX_ROWS = -1
FORGET_TOKENS = frozenset({TOKEN_REVOKED, STAFF_CHANGED})  # the events after which no kept actor holds


class SingleWriter(WriterFigures, Protocol):
    """The one thread that writes: grouped transactions, events handed on after each commit."""

    @property
    def started(self) -> bool: ...
    async def run(self, work: Work[T], hall: int | None = None) -> T: ...
    def run_sync(self, work: Work[T], hall: int | None = None) -> T: ...


class SmallReader(Protocol):
    """The thread of the busy GET routes' small reads, woken once per batch (``adapters.reader``)."""

    @property
    def started(self) -> bool: ...
    async def run(self, work: Callable[[Connection], T]) -> T: ...


class LiveListener(Protocol):
    """What readiness reads of the listener of other processes' events (PostgreSQL)."""

    connected: bool


class Database(Protocol):
    """The storage the runtime runs its units of work on."""

    url: str
    write_engine: Engine
    read_engine: Engine

    @property
    def writer(self) -> SingleWriter: ...
    @property
    def listener(self) -> LiveListener | None: ...
    @property
    def reader(self) -> SmallReader: ...
    def stores(self, conn: Connection) -> Stores: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def write_direct(self, work: Work[T]) -> T: ...
    def keeps(self, halls: list[int]) -> list[int]: ...
    def read(self, work: Callable[[Connection], T]) -> T: ...


class DatabaseFactory(Protocol):
    """Builds the database at ``db``; ``counted`` hears of this process's committed events,
    ``deliver`` of every process's, ``disconnect`` when some may have been missed."""

    def __call__(
        self, db: str, *, counted: Events, deliver: Events, disconnect: Callable[[], None]
    ) -> Database: ...


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


class Runtime:
    """Everything a request handler needs, created by the app factory, never at import time."""

    def __init__(self, settings: ServerSettings, database: DatabaseFactory, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.clock = clock
        key = settings.secret()
        self.caches = Caches(pii_key=key)
        self.tokens = TokenBook(key)
        self.passwords = PasswordPool(workers=settings.password_workers)
        self.logins = LoginThrottle()
        self.hub = Hub()
        self.metrics = HallMetrics()
        self.database = database(
            settings.db,
            counted=self.metrics.tickets.committed,
            deliver=self._deliver,
            disconnect=self._disconnected,
        )
        self.url = self.database.url
        self.write_engine = self.database.write_engine
        self.read_engine = self.database.read_engine
        self.writer = self.database.writer
        self.listener = self.database.listener
        self.metrics.watch(self.writer, self.read_engine)
        # The dispatcher's wake-up call once a transaction wrote outbox messages (it polls anyway).
        self.outbox_written: Callable[[], None] = lambda: None
        # What builds a gateway from a hall's settings of one destination (the composition root
        # sets it; without it no dispatcher runs in this process).
        self.gateways: Callable[[Mapping[str, Any]], Gateway] | None = None
        # What the dispatcher hands its batches to (the composition root sets it, with ``gateways``).
        self.senders: Callable[[], Sender] | None = None

    def _deliver(self, events: list[LiveEvent]) -> None:
        """Committed events to the hub; a revoked token or changed staff is first forgotten by this
        process (it keeps token actors until then)."""
        if any(event.type in FORGET_TOKENS for event in events):
            self.tokens.forget()
        self.hub.publish_threadsafe(events)

    def _disconnected(self) -> None:
        """Other processes' events may have been missed: a revocation among them, so forget every
        kept token actor, and resync every websocket client."""
        self.tokens.forget()
        self.hub.disconnect_all_threadsafe()

    def start(self) -> None:
        """Start the database's threads (the writer, and its checkpointer or listener)."""
        self.database.start()
        self.passwords.warm()

    def stop(self) -> None:
        """Drain the writer and release the database."""
        self.database.stop()
        self.passwords.close()

    def _unit(self, conn: Connection, outbox: list[Any]) -> UnitOfWork:
        return UnitOfWork(self.database.stores(conn), outbox, self.caches, self.clock())

    def _job(self, handler: Callable[[UnitOfWork], T]) -> Work[T]:
        """A handler as a writer job; the notices its live events call for go into the outbox in
        the same transaction (and wake the dispatcher once it committed)."""

        def job(conn: Connection, outbox: list[Any]) -> T:
            uow = self._unit(conn, outbox)
            result = handler(uow)
            if react(uow, outbox) or uow.stores.notes().pop("outbox_written", False):
                uow.after_commit(self.outbox_written)
            if any(getattr(event, "type", None) in FORGET_TOKENS for event in outbox):
                # before the caller is answered: its next request must not find the old actor
                uow.after_commit(self.tokens.forget)
            return result

        return job

    async def write(self, handler: Callable[[UnitOfWork], T], hall: int | None = None) -> T:
        """Run a command handler in the writer's next grouped transaction, acting for ``hall`` (by
        default the calling request's; None when unknown: the handler may then touch any hall)."""
        hall = ACTING_FOR.get() if hall is None else hall
        return await self.writer.run(self._job(handler), hall)

    def write_sync(self, handler: Callable[[UnitOfWork], T]) -> T:
        """The same, blocking; before ``start`` (command-line tools, seeding) it runs directly."""
        if not self.writer.started:
            return self.database.write_direct(self._job(handler))
        return self.writer.run_sync(self._job(handler))

    def read_sync(self, handler: Callable[[UnitOfWork], T]) -> T:
        """Run a read handler on a reader connection."""
        return self.database.read(lambda conn: handler(self._unit(conn, [])))

    async def read(self, handler: Callable[[UnitOfWork], T]) -> T:
        """Run a read handler on a worker thread so the event loop stays free."""
        return await run_in_threadpool(self.read_sync, handler)

    async def read_small(self, handler: Callable[[UnitOfWork], T]) -> T:
        """A small, bounded read of a busy route (a status page, a pad's question) on the reader
        thread, batched with the others queued then; before ``start``, as ``read``."""
        reader = self.database.reader
        if not reader.started:
            return await self.read(handler)
        return await reader.run(lambda conn: handler(self._unit(conn, [])))
