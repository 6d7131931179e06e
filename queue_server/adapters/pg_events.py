"""Live events across server processes on PostgreSQL: NOTIFY in the transaction, LISTEN in each process.

A notification is delivered only if its transaction commits, and listeners receive them in commit
order, so every process's hub sees the same events in the same order as if it had made them all.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
import psycopg
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from queue_server.services.live import LiveEvent

log = logging.getLogger(__name__)

CHANNEL = "hallq_events"
# Every event of a transaction in one statement, on the driver's cursor, notified in their order: one
# round trip and one statement a transaction, not a SQLAlchemy statement an event (a call tells every
# waiting ticket of its service how many are ahead, so a batch carries tens of events). The events go
# as one JSON array: ``json`` (not ``jsonb``) keeps each element's text as sent, so each notification
# is its event's JSON byte for byte. A ``text[]`` parameter cost more than the rest of the writer's
# notifying: psycopg escapes every quote of every element in Python (a regular expression's
# replacement per quote, hundreds a transaction).
_NOTIFY_ALL = (
    "SELECT pg_notify(%s, e.value::text) FROM json_array_elements(%s::json) WITH ORDINALITY AS e(value, n) "
    "ORDER BY e.n"
)


def notify(conn: Connection, events: list[Any]) -> None:
    """Queue the events as notifications of the current transaction (sent at commit)."""
    if not events:
        return
    payloads = orjson.dumps(
        [
            {
                "type": event.type,
                "topics": event.topics,
                "payload": event.payload,
                "ts": event.ts,
                "hall": event.hall_id,
            }
            for event in events
        ]
    ).decode()
    cursor = conn.connection.cursor()
    try:
        cursor.execute(_NOTIFY_ALL, (CHANNEL, payloads))
    finally:
        cursor.close()


def _event(raw: str) -> LiveEvent:
    data = orjson.loads(raw)
    return LiveEvent(
        type=data["type"],
        topics=tuple(data["topics"]),
        payload=data["payload"],
        ts=datetime.fromisoformat(data["ts"]),
        hall_id=int(data["hall"]),
    )


class Listener:
    """A thread holding one LISTEN connection; hands each committed event to ``deliver``."""

    def __init__(
        self, url: str, deliver: Callable[[list[LiveEvent]], None], on_gap: Callable[[], None] | None = None
    ) -> None:
        parsed = make_url(url).set(drivername="postgresql")
        self._conninfo = parsed.render_as_string(hide_password=False)
        self._deliver = deliver
        self._on_gap = on_gap
        self._stop = threading.Event()
        self._ready = threading.Event()
        self.connected = False  # whether the LISTEN connection is up now (readiness reports it)
        self._thread = threading.Thread(target=self._run, name="pg-listen", daemon=True)

    def start(self) -> None:
        """Start listening; returns once the LISTEN is in place, so no later commit is missed."""
        self._thread.start()
        self._ready.wait(timeout=10)

    def stop(self) -> None:
        """Stop listening."""
        if not self._thread.is_alive():
            return
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.connected = True
                    if self._ready.is_set() and self._on_gap is not None:
                        self._on_gap()  # events may have passed while we were away
                    self._ready.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self._deliver([_event(note.payload)])
            except psycopg.Error:
                self.connected = False
                if self._stop.is_set():
                    return
                log.warning("lost the LISTEN connection; reconnecting", exc_info=True)
                self._stop.wait(1.0)
