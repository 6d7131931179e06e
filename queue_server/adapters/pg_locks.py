"""Which hall's rows a PostgreSQL writer transaction may touch: advisory locks in one order.

Several ``hallq serve`` processes share one database, each with its own single writer that groups
many requests into one transaction. Left alone, two such transactions lock counter, window and
ticket rows in whatever order their jobs come, and deadlock. Instead every writer transaction first
takes, as PostgreSQL transaction-scoped advisory locks (released at commit, at rollback, or when the
session dies with its process):

1. the *site* lock, shared: held by every hall-bound transaction; taken exclusively by a job whose
   hall is unknown (it could touch any hall), which therefore runs alone on the whole site;
2. then the lock of each hall its jobs act for, in ascending hall id. The outbox dispatcher's jobs
   name ``runtime.OUTBOX_ROWS`` (-1): a lock of their own, first in that order, since they touch
   outbox rows of any hall but no hall's counters, windows or tickets; they run beside the halls'
   writes, and two processes' dispatchers take turns.

A transaction only waits for a lock while holding locks that come before it in that one order, so
no cycle of waits can form: no deadlock, by design, for everything that runs under these locks.
Row locks are taken only after, on rows of the halls held, so they never wait on another writer.

A hall held by another process is not waited for when other halls of the batch are free: those are
tried (``pg_try_advisory_xact_lock``) and the held hall's jobs stay for the next transaction, in
which that hall is waited for (so a job is put back once at most, never starved). Two processes
serving different halls therefore write in parallel; on the same hall they take turns.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

# The advisory lock space is database-wide: HallQ's keys carry this first half ("HQ") so another
# application's locks on the same database never collide with them.
LOCK_CLASS = 0x4851
SITE = 0  # hall ids start at 1; 0 is the site lock, -1 the outbox dispatcher's (``OUTBOX_ROWS``)
HOUSEKEEPING_CLASS = 0x4852  # session-level: which process does a hall's housekeeping
_LEASE = "SELECT pg_try_advisory_lock(%s, %s)"

_SITE_SHARED = text("SELECT pg_advisory_xact_lock_shared(:cls, 0)")
_SITE_ALONE = text("SELECT pg_advisory_xact_lock(:cls, 0)")
_WAIT = text("SELECT pg_advisory_xact_lock(:cls, :hall)")
_TRY = text("SELECT pg_try_advisory_xact_lock(:cls, :hall)")
# The usual claim in one round trip: the site lock, shared, then a try at each hall. Trying never
# waits, so the order in which one statement tries many halls does not matter; the site lock is
# taken before each hall's try by the CASE (which evaluates its condition first, and its branch
# only then), so no hall is held while the site lock is waited for: the one order holds. Taking the
# shared site lock again for each hall costs only a count in the session's own lock table.
_TRY_ALL = (
    "SELECT h FROM unnest(CAST(%s AS integer[])) AS h WHERE CASE"
    " WHEN pg_advisory_xact_lock_shared(%s, 0) IS NULL THEN false"  # void: never NULL
    " ELSE pg_try_advisory_xact_lock(%s, h) END"
)

# Session settings of a writer connection: a process that hangs (or is paused) inside a transaction
# loses it, and its locks, after this long; a writer waits at most ``LOCK_WAIT_MS`` for any lock and
# then retries its jobs, rather than hanging behind something outside this design.
IDLE_IN_TRANSACTION_MS = 5000
LOCK_WAIT_MS = 15000
WRITER_OPTIONS = (
    f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS} -c lock_timeout={LOCK_WAIT_MS}"
)


@dataclass(frozen=True)
class Held:
    """The halls a transaction holds: those listed, or every hall when it holds the site alone."""

    halls: frozenset[int] = frozenset()
    site: bool = False

    def covers(self, hall: int | None) -> bool:
        """Whether a job acting for ``hall`` (None: any hall) may run in this transaction."""
        return self.site or hall in self.halls


def claim(conn: Connection, halls: Collection[int | None], must: Collection[int | None] = ()) -> Held:
    """Lock the site and the halls of a batch, in the one order; the halls now held.

    ``None`` among ``halls`` (a job that may touch any hall) takes the site alone. A hall in
    ``must`` is waited for; the others are only tried, unless none of them could be had, in which
    case the first is waited for, so a transaction always holds at least one hall.
    """
    if None in halls:
        conn.execute(_SITE_ALONE, {"cls": LOCK_CLASS})
        return Held(site=True)
    wanted = sorted({h for h in halls if h is not None})
    held: list[int] = []
    if wanted and not any(hall in must for hall in wanted):  # the usual case: one round trip
        # On the driver's cursor, as the writer's savepoints: once a transaction, so SQLAlchemy's
        # execution path (its text statement's compile-cache lookup, result wrapping) is saved too.
        cursor = conn.connection.cursor()
        cursor.execute(_TRY_ALL, (wanted, LOCK_CLASS, LOCK_CLASS))
        held = [row[0] for row in cursor.fetchall()]
    else:
        conn.execute(_SITE_SHARED, {"cls": LOCK_CLASS})
        for hall in wanted:  # ascending: waiting for a hall only while holding lower ones
            if hall in must:
                conn.execute(_WAIT, {"cls": LOCK_CLASS, "hall": hall})
                held.append(hall)
            elif conn.execute(_TRY, {"cls": LOCK_CLASS, "hall": hall}).scalar_one():
                held.append(hall)
    if not held and wanted:  # everything busy: wait for the lowest (we hold no other hall)
        conn.execute(_WAIT, {"cls": LOCK_CLASS, "hall": wanted[0]})
        held.append(wanted[0])
    return Held(frozenset(held))


class HousekeepingLeases:
    """Which halls' housekeeping this process does: one process per hall, with fail-over.

    Every process runs the housekeeping loop, but a hall's chores need doing once, not once per
    process (each round costs writer jobs even when it finds nothing). A hall's housekeeping belongs
    to the process holding its session-level advisory lock on a connection kept for this alone; it
    is held until that process dies (its session ends), and then the next process to look takes it
    at its next round. A lost connection gives every lease up; they are taken again next round.
    """

    def __init__(self, url: str) -> None:
        self._conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn: psycopg.Connection[Any] | None = None
        self._held: set[int] = set()

    def mine(self, halls: Collection[int]) -> list[int]:
        """The halls among ``halls`` whose housekeeping is this process's (taking the free ones)."""
        try:
            if self._conn is None or self._conn.closed:
                self._held.clear()
                self._conn = psycopg.connect(self._conninfo, autocommit=True)
            for hall in sorted(set(halls) - self._held):
                if self._conn.execute(_LEASE, (HOUSEKEEPING_CLASS, hall)).fetchone() == (True,):
                    self._held.add(hall)
        except psycopg.Error:
            log.warning("housekeeping leases: lost the database; every lease given up", exc_info=True)
            self.close()
            return []
        return [hall for hall in halls if hall in self._held]

    def close(self) -> None:
        """Give every lease up (the process stops)."""
        self._held.clear()
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None
