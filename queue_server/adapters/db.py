"""Database engines: a SQLite file (WAL, BEGIN IMMEDIATE) by default, PostgreSQL by URL.

The writer gets its own engine (one connection, immediate transactions on SQLite); readers get
another with ordinary deferred transactions so a long read never holds the write lock.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool, StaticPool

from queue_server.adapters.pg_locks import WRITER_OPTIONS

log = logging.getLogger(__name__)

CHECKPOINT_INTERVAL = 0.25


def is_sqlite(url: str) -> bool:
    """Whether ``url`` names a SQLite database."""
    return url.startswith("sqlite")


def normalise_url(url: str) -> str:
    """Accept a bare file path or a plain postgresql:// URL and give SQLAlchemy the driver we pin."""
    if "://" not in url:
        return f"sqlite:///{url}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_conn: Any, *, immediate: bool) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL" if not immediate else "PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    if immediate:
        # Checkpoints run on a background thread instead of stalling a commit (see Checkpointer).
        cur.execute("PRAGMA wal_autocheckpoint=0")
        # The writer's per-job savepoints keep the pages each job changes in a statement journal.
        # Past 64 KiB (one issue changes some 16 pages) SQLite spilled it to a temp file, created,
        # unlinked, written page by page and closed again in every transaction of two jobs or
        # more: about a sixth of the writer's CPU an issue. That journal only ever serves a
        # rollback within the transaction (never recovery: the WAL does that), so memory loses
        # nothing.
        cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def make_engine(url: str, *, writer: bool) -> Engine:
    """An engine for the writer (immediate transactions) or for readers."""
    url = normalise_url(url)
    if not is_sqlite(url):
        # The writer's session gives up a hung transaction and never waits forever (see pg_locks).
        options = {"connect_args": {"options": WRITER_OPTIONS}} if writer else {}
        return create_engine(
            url, pool_size=1 if writer else 8, max_overflow=0 if writer else 8, pool_pre_ping=True, **options
        )
    memory = ":memory:" in url or url in ("sqlite://", "sqlite:///")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False},
        poolclass=StaticPool if memory or writer else QueuePool,
        **({} if memory or writer else {"pool_size": 8, "max_overflow": 8}),
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        _sqlite_pragmas(dbapi_conn, immediate=writer)

    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Straight to the driver: through SQLAlchemy's execution (a context, its events, a result)
        # this one statement cost several times SQLite's own work, once every transaction. Its
        # error is still SQLAlchemy's, as from any other statement.
        try:
            conn.connection.driver_connection.execute(begin)
        except sqlite3.Error as error:
            raise DBAPIError.instance(begin, (), error, sqlite3.Error) from error

    return engine


@dataclass
class Checkpointer:
    """Runs SQLite WAL checkpoints on its own thread so they never stall the event loop or a commit.

    A PASSIVE checkpoint copies what it can without waiting; a RESTART every few rounds lets the
    WAL file start over so it does not grow without bound under steady load.
    """

    url: str
    interval: float = CHECKPOINT_INTERVAL

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)

    def start(self) -> None:
        """Begin checkpointing in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop and run one last full checkpoint."""
        if not self._thread.is_alive():
            return
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        path = normalise_url(self.url).split("///", 1)[1]
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=50")
        rounds = 0
        try:
            while not self._stop.wait(self.interval):
                rounds += 1
                mode = "RESTART" if rounds % 4 == 0 else "PASSIVE"
                with contextlib.suppress(sqlite3.OperationalError):  # busy: the next round catches up
                    conn.execute(f"PRAGMA wal_checkpoint({mode})")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            log.exception("checkpoint thread stopped")
        finally:
            conn.close()


def ping(engine: Engine) -> None:
    """Fail fast with a clear error when the database is unreachable."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
