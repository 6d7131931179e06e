"""A server process's moving parts: engines, the writer, caches, tokens, the hub and the clock."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from queue_server.adapters.db import Checkpointer, is_sqlite, make_engine, normalise_url
from queue_server.adapters.pg_events import Listener, notify
from queue_server.adapters.stores import SqlStores
from queue_server.adapters.writer import TRANSACTION_NOTES, Outbox, Writer
from queue_server.auth.passwords import PasswordPool
from queue_server.auth.tokens import TokenBook
from queue_server.config import ServerSettings
from queue_server.domain.throttle import LoginThrottle
from queue_server.ops.metrics import HallMetrics
from queue_server.services.live import TOKEN_REVOKED, LiveEvent
from queue_server.services.unit_of_work import Caches, UnitOfWork
from queue_server.ws.hub import Hub

log = logging.getLogger(__name__)

T = TypeVar("T")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


class Runtime:
    """Everything a request handler needs, created by the app factory, never at import time."""

    def __init__(self, settings: ServerSettings, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.url = normalise_url(settings.db)
        self.clock = clock
        key = settings.secret()
        self.caches = Caches(pii_key=key)
        self.tokens = TokenBook(key)
        self.passwords = PasswordPool(workers=settings.password_workers)
        self.logins = LoginThrottle()
        self.hub = Hub()
        self.write_engine = make_engine(self.url, writer=True)
        self.read_engine = make_engine(self.url, writer=False)
        memory = ":memory:" in self.url
        self.metrics = HallMetrics()
        if is_sqlite(self.url):
            # One process owns a SQLite file: events go from the writer straight to the hub.
            self.writer = Writer(self.write_engine, self._committed)
            self.listener: Listener | None = None
            self.checkpointer = None if memory else Checkpointer(self.url)
        else:
            # Several processes may share PostgreSQL: events travel by NOTIFY, in commit order.
            self.writer = Writer(self.write_engine, self.metrics.tickets.committed, before_commit=notify)
            self.listener = Listener(self.url, self._deliver, self.hub.disconnect_all_threadsafe)
            self.checkpointer = None
        self.metrics.watch(self.writer, self.read_engine)

    def _committed(self, events: list[LiveEvent]) -> None:
        """This process's committed events: counted for the metrics, then delivered."""
        self.metrics.tickets.committed(events)
        self._deliver(events)

    def _deliver(self, events: list[LiveEvent]) -> None:
        """Committed events to the hub; a revoked token is first forgotten by this process."""
        if any(event.type == TOKEN_REVOKED for event in events):
            self.tokens.forget()
        self.hub.publish_threadsafe(events)

    def start(self) -> None:
        """Start the writer (and the checkpoint thread on SQLite, the listener on PostgreSQL)."""
        if self.listener:
            self.listener.start()
        self.writer.start()
        self.passwords.warm()
        if self.checkpointer:
            self.checkpointer.start()

    def stop(self) -> None:
        """Drain the writer and release the database."""
        self.writer.stop()
        if self.checkpointer:
            self.checkpointer.stop()
        if self.listener:
            self.listener.stop()
        self.passwords.close()
        self.write_engine.dispose()
        self.read_engine.dispose()

    def _unit(self, conn: Connection, outbox: Outbox | list[object]) -> UnitOfWork:
        return UnitOfWork(SqlStores(conn), outbox, self.caches, self.clock())

    async def write(self, handler: Callable[[UnitOfWork], T]) -> T:
        """Run a command handler in the writer's next grouped transaction."""
        return await self.writer.run(lambda conn, outbox: handler(self._unit(conn, outbox)))

    def write_sync(self, handler: Callable[[UnitOfWork], T]) -> T:
        """The same, blocking; before ``start`` (command-line tools, seeding) it runs directly."""
        if not self.writer.started:
            outbox = Outbox()
            with self.write_engine.connect() as conn:
                conn.info[TRANSACTION_NOTES] = {}
                with conn.begin():
                    result = handler(self._unit(conn, outbox))
            for change in outbox.after_commit:
                change()
            return result
        return self.writer.run_sync(lambda conn, outbox: handler(self._unit(conn, outbox)))

    def read_sync(self, handler: Callable[[UnitOfWork], T]) -> T:
        """Run a read handler on a reader connection."""
        with self.read_engine.connect() as conn:
            return handler(self._unit(conn, []))

    async def read(self, handler: Callable[[UnitOfWork], T]) -> T:
        """Run a read handler on a worker thread so the event loop stays free."""
        return await run_in_threadpool(self.read_sync, handler)
