"""The reports' SQL helpers: timestamps as epoch seconds, local days in the database, fast streaming.

Rows are read on the driver's own cursor (a server-side cursor on PostgreSQL), the statement compiled
and bound by SQLAlchemy, the next batch fetched on a thread while the current one is processed.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Float, Integer, case, cast, extract, func, literal

BATCH = 20000


def epoch(column: Any, dialect: str) -> Any:
    """SQL for a UTC timestamp column as float seconds since the epoch (no datetime objects made).

    SQLite's julianday is a double of days: rounded to the millisecond, 09:00 stays 09:00.
    """
    if dialect == "sqlite":
        return func.round((func.julianday(column) - 2440587.5) * 86400.0, 3)
    return cast(extract("epoch", column), Float)


def stream(conn: Connection, query: Any) -> Iterator[tuple[Any, ...]]:
    """Rows as the driver's plain tuples, fetched in batches (a server-side cursor on PostgreSQL).

    The statement is compiled by SQLAlchemy and bound with its own bind processors; only the row
    objects are skipped, which is most of the cost of streaming a month of events.
    """
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    processors = compiled._bind_processors
    values = {k: processors[k](v) if k in processors else v for k, v in compiled.construct_params().items()}
    order = compiled.positiontup
    params: Any = tuple(values[k] for k in order) if order is not None else values
    driver = conn.connection.driver_connection
    assert driver is not None
    if conn.dialect.name == "postgresql":
        cursor = driver.cursor(name=f"hallq_report_{id(query)}")
        cursor.itersize = BATCH
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(str(compiled), params)
        yield from _prefetched(cursor)
    finally:
        cursor.close()


def own_connections(conn: Connection) -> bool:
    """Whether other connections see ``conn``'s database (not so for an in-memory SQLite)."""
    return conn.engine.url.database not in (None, "", ":memory:")


def _prefetched(cursor: Any) -> Iterator[tuple[Any, ...]]:
    """The cursor's rows, the next batch fetched on a thread while this one is processed.

    The drivers release the GIL while the database works, so fetching and the Python pass overlap.
    """
    batches: queue.Queue[list[Any] | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def fetch() -> None:
        try:
            while not stop.is_set():
                batch = cursor.fetchmany(BATCH)
                if not batch:
                    break
                while not stop.is_set():
                    try:
                        batches.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
        except BaseException as error:  # handed to the consumer, raised there
            batches.put(error)
            return
        batches.put(None)

    worker = threading.Thread(target=fetch, name="report-fetch", daemon=True)
    worker.start()
    try:
        while (batch := batches.get()) is not None:
            if isinstance(batch, BaseException):
                raise batch
            yield from batch
    finally:
        stop.set()
        worker.join()


def day_index(column: Any, midnights: Sequence[float], dialect: str) -> Any:
    """SQL for the index of the local day a UTC timestamp column falls on, for grouping in the database.

    Where the hall's days are all 24 h long in the period (no daylight-saving change) it is
    arithmetic on the epoch; otherwise a comparison with each local midnight.
    """

    if all(b - a == 86400 for a, b in itertools.pairwise(midnights)):
        offset = (epoch(column, dialect) - midnights[0]) / 86400.0
        return cast(offset if dialect == "sqlite" else func.floor(offset), Integer)
    bounds = [datetime.fromtimestamp(m, UTC) for m in midnights[1:-1]]
    if not bounds:
        return literal(0)
    return case(*((column < bound, i) for i, bound in enumerate(bounds)), else_=len(bounds))
