"""A server process's database: its two engines, the single writer and how committed events travel.

Built by the composition root and handed to the runtime, which knows it only as the ``Database`` it
describes: what it runs units of work on, never which database it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from queue_server.adapters.db import Checkpointer, is_sqlite, make_engine, normalise_url
from queue_server.adapters.pg_events import Listener, notify
from queue_server.adapters.pg_locks import HousekeepingLeases, claim
from queue_server.adapters.reader import Reader
from queue_server.adapters.stores import SqlStores
from queue_server.adapters.writer import TRANSACTION_NOTES, Outbox, Writer
from queue_server.services.live import LiveEvent

T = TypeVar("T")
log = logging.getLogger(__name__)

# PostgreSQL's SQLSTATE for a session ended by ``idle_in_transaction_session_timeout`` (a writer
# session's, see ``pg_locks``): the server rolled the transaction back, so running it again is safe.
IDLE_IN_TRANSACTION_ENDED = "25P03"
DIRECT_ATTEMPTS = 3
Events = Callable[[list[LiveEvent]], None]


class SqlDatabase:
    """SQLite or PostgreSQL at ``db``, with ``counted`` told of this process's committed events and
    ``deliver`` of everyone's (``disconnect`` when some may have been missed)."""

    def __init__(self, db: str, *, counted: Events, deliver: Events, disconnect: Callable[[], None]) -> None:
        self.url = normalise_url(db)
        self.write_engine = make_engine(self.url, writer=True)
        self.read_engine = make_engine(self.url, writer=False)
        # The busy GET routes' small reads: one thread woken per batch, not a worker hop each.
        self.reader = Reader(self.read_engine)
        self.listener: Listener | None
        self.checkpointer: Checkpointer | None
        if is_sqlite(self.url):
            # One process owns a SQLite file: events go from the writer straight to the hub.
            def committed(events: list[LiveEvent]) -> None:
                counted(events)
                deliver(events)

            self.writer = Writer(self.write_engine, committed)
            self.listener = None
            self.checkpointer = None if ":memory:" in self.url else Checkpointer(self.url)
            self.leases: HousekeepingLeases | None = None
        else:
            # Several processes may share PostgreSQL: events travel by NOTIFY, in commit order.
            # Their writers lock the halls they act for in one order before any row: no deadlock.
            self.writer = Writer(self.write_engine, counted, before_commit=notify, claim=claim)
            self.listener = Listener(self.url, deliver, disconnect)
            self.checkpointer = None
            self.leases = HousekeepingLeases(self.url)

    def stores(self, conn: Connection) -> SqlStores:
        """Every store on one connection (one transaction's ``uow.stores``)."""
        return SqlStores(conn)

    def start(self) -> None:
        """Start the writer (and the checkpoint thread on SQLite, the listener on PostgreSQL)."""
        if self.listener:
            self.listener.start()
        self.writer.start()
        self.reader.start()
        if self.checkpointer:
            self.checkpointer.start()

    def stop(self) -> None:
        """Drain the writer and release the database."""
        self.writer.stop()
        self.reader.stop()
        if self.checkpointer:
            self.checkpointer.stop()
        if self.listener:
            self.listener.stop()
        if self.leases:
            self.leases.close()
        self.write_engine.dispose()
        self.read_engine.dispose()

    def keeps(self, halls: list[int]) -> list[int]:
        """The halls whose housekeeping is this process's: all on SQLite (one process), on
        PostgreSQL those whose lease it holds (one process per hall; see ``pg_locks``)."""
        return halls if self.leases is None else self.leases.mine(halls)

    def write_direct(self, work: Callable[[Connection, Outbox], T]) -> T:
        """Run ``work`` in a transaction of its own, on this thread (before the writer starts:
        command-line tools, seeding); what it wants done after the commit runs then."""
        for attempt in range(1, DIRECT_ATTEMPTS + 1):
            outbox = Outbox()
            try:
                with self.write_engine.connect() as conn:
                    conn.info[TRANSACTION_NOTES] = {}
                    with conn.begin():
                        result = work(conn, outbox)
            except DBAPIError as error:
                # A process kept off the CPU (a loaded machine, a pause) past the idle timeout
                # loses its transaction, as designed; nothing of it was kept, so it runs again.
                if (
                    getattr(error.orig, "sqlstate", None) != IDLE_IN_TRANSACTION_ENDED
                    or attempt == DIRECT_ATTEMPTS
                ):
                    raise
                log.warning("transaction ended by the idle timeout (attempt %d); running it again", attempt)
                continue
            for change in outbox.after_commit:
                change()
            return result
        raise AssertionError("unreachable")

    def read(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` on a reader connection."""
        with self.read_engine.connect() as conn:
            return work(conn)
