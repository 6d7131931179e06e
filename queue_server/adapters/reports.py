"""The reports' SQL: the period's events, cases and evaluations streamed, names, and kept days.

Rows are read on the driver's own cursor (a server-side cursor on PostgreSQL), the statement compiled
and bound by SQLAlchemy, the next batch fetched on a thread while the current one is processed; the
few values a driver leaves raw (timestamps, dates and JSON on SQLite) are decoded here, so the pass
gets typed records.
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    Integer,
    case,
    cast,
    delete,
    extract,
    func,
    literal,
    select,
    union_all,
)

from queue_server.adapters import tables as t
from queue_server.adapters.raw import read_time
from queue_server.services.reports.ports import (
    TICKET_EVENTS,
    CaseCount,
    CaseDone,
    ClerkName,
    DepartmentName,
    EvaluationCount,
    EventRecord,
    ServiceName,
    StoredDay,
)

LOCK_SPACE = 0x6A726A  # advisory lock namespace ("日结"), with the hall's id

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


def _date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


class SqlReportStore:
    """A report's reads (and the closed days it keeps) on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def ticket_events(self, hall_id: int, start: datetime, end: datetime) -> Iterator[EventRecord]:
        """The period's ticket and window events in time order (the hall-and-time index gives that order).

        The note is what the pass needs from the event's data: a window's new status, or for an
        issued ticket its priority class; the channel is an issued ticket's.
        """
        e = t.events.c
        note = case(
            (e.type == "window.status", e.data["status"].as_string()),
            (e.type == "ticket.issued", e.data["priority"].as_string()),
            else_=None,
        )
        channel = case((e.type == "ticket.issued", e.data["channel"].as_string()), else_=None)
        at = epoch(e.at, self.conn.dialect.name)
        query = (
            select(e.type, at, e.ticket_id, e.window_id, e.service_id, e.actor_user_id, note, channel)
            .where(e.hall_id == hall_id, e.at >= start, e.at < end, e.type.in_(TICKET_EVENTS))
            .order_by(e.at, e.id)
        )
        return stream(self.conn, query)

    def window_statuses_before(self, hall_id: int, start: datetime) -> list[tuple[int, str, int | None]]:
        """Each window's last status event before ``start``: (window, status, actor)."""
        e = t.events.c
        last = (
            select(func.max(e.id))
            .where(e.hall_id == hall_id, e.type == "window.status", e.at < start)
            .group_by(e.window_id)
            .scalar_subquery()
        )
        rows = self.conn.execute(select(e.window_id, e.data, e.actor_user_id).where(e.id.in_(last)))
        return [
            (window_id, str(dict(_json(data) or {}).get("status", "closed")), actor_id)
            for window_id, data, actor_id in rows
        ]

    def case_counts(
        self, hall_id: int, start: datetime, end: datetime, midnights: Sequence[float]
    ) -> Iterator[CaseCount]:
        """The cases opened in the period counted per local day, service, window, clerk and outcome."""
        k = t.cases.c
        day = day_index(k.created_at, midnights, self.conn.dialect.name)
        dims = (day, k.service_id, k.window_id, k.clerk_user_id)
        period = (k.hall_id == hall_id, k.created_at >= start, k.created_at < end)
        return stream(
            self.conn, select(*dims, k.outcome, func.count()).where(*period).group_by(*dims, k.outcome)
        )

    def cases_done(
        self, hall_id: int, start: datetime, end: datetime, midnights: Sequence[float]
    ) -> Iterator[CaseDone]:
        """The promised cases opened in the period and completed, with their dates."""
        k = t.cases.c
        day = day_index(k.created_at, midnights, self.conn.dialect.name)
        query = select(
            day, k.service_id, k.window_id, k.clerk_user_id, k.completed_at, k.promised_date, k.extensions
        ).where(
            k.hall_id == hall_id,
            k.created_at >= start,
            k.created_at < end,
            k.promised_date.is_not(None),
            k.completed_at.is_not(None),
        )
        for index, service_id, window_id, clerk_id, completed, due, extensions in stream(self.conn, query):
            finished = read_time(completed)
            assert finished is not None  # the query asks for completed cases only
            moved = list(_json(extensions) or [])
            yield index, service_id, window_id, clerk_id, finished, _date(due), moved

    def evaluation_counts(
        self, hall_id: int, start: datetime, end: datetime, midnights: Sequence[float]
    ) -> Iterator[EvaluationCount]:
        """The evaluations requested in the period counted per local day and shape."""
        v, f = t.evaluations.c, t.evaluation_follow_ups.c
        day = day_index(v.requested_at, midnights, self.conn.dialect.name)
        shape = (day, v.service_id, v.window_id, v.clerk_user_id, v.status, v.level, f.stage)
        verified = f.verified_at.is_not(None)
        query = (
            select(*shape, verified, f.revisit_satisfied, func.count())
            .select_from(t.evaluations.outerjoin(t.evaluation_follow_ups, f.evaluation_id == v.id))
            .where(v.hall_id == hall_id, v.requested_at >= start, v.requested_at < end)
            .group_by(*shape, verified, f.revisit_satisfied)
        )
        for *head, replied, satisfied, count in stream(self.conn, query):
            index, service_id, window_id, clerk_id, status, level, stage = head
            yes = None if satisfied is None else bool(satisfied)
            yield index, service_id, window_id, clerk_id, status, level, stage, bool(replied), yes, count

    def zone_names(self, hall_id: int) -> dict[str, str]:
        """The hall's zones' names by code."""
        rows = self.conn.execute(select(t.zones.c.code, t.zones.c.name).where(t.zones.c.hall_id == hall_id))
        return {code: name for code, name in rows}

    def service_names(self, hall_id: int) -> list[ServiceName]:
        """Every service of the hall, switched off ones included."""
        s = t.services.c
        rows = self.conn.execute(
            select(s.id, s.code, s.name, s.department_id, s.case_type).where(s.hall_id == hall_id)
        )
        return [ServiceName(*row) for row in rows]

    def department_names(self, hall_id: int) -> list[DepartmentName]:
        """The hall's departments."""
        d = t.departments.c
        rows = self.conn.execute(select(d.id, d.code, d.name).where(d.hall_id == hall_id))
        return [DepartmentName(*row) for row in rows]

    def clerk_names(self, hall_id: int) -> list[ClerkName]:
        """The hall's accounts."""
        u = t.users.c
        rows = self.conn.execute(select(u.id, u.staff_no, u.name).where(u.hall_id == hall_id))
        return [ClerkName(*row) for row in rows]

    def event_counts(self, hall_id: int, bounds: Sequence[datetime]) -> dict[int, int]:
        """Events per interval between consecutive ``bounds``: a count per day over the (hall, at)
        index, no expression computed per event."""
        e = t.events.c
        counted = union_all(
            *(
                select(literal(i), func.count()).where(e.hall_id == hall_id, e.at >= lo, e.at < hi)
                for i, (lo, hi) in enumerate(itertools.pairwise(bounds))
            )
        )
        return {int(i): int(n) for i, n in self.conn.execute(counted)}

    def kept_days(self, hall_id: int, version: str, first: date, last: date) -> list[StoredDay]:
        """The closed days kept for ``first``..``last`` by this version of the pass."""
        r = t.report_days.c
        rows = self.conn.execute(
            select(r.day, r.events, r.start, r.body).where(
                r.hall_id == hall_id, r.version == version, r.day.between(first, last)
            )
        )
        return [StoredDay(row.day, row.events, row.start, bytes(row.body)) for row in rows]

    def kept_events(self, hall_id: int, version: str, day: date) -> int | None:
        """How many events a kept day was computed from (None when it is not kept)."""
        r = t.report_days.c
        query = select(r.events).where(r.hall_id == hall_id, r.day == day, r.version == version)
        found = self.conn.execute(query).scalar()
        return None if found is None else int(found)

    def keep_days(self, hall_id: int, version: str, days: list[StoredDay], at: datetime) -> bool:
        """Keep closed days (replacing what was kept for them).

        On PostgreSQL one process at a time keeps a hall's days (a transaction-scoped advisory lock,
        tried without waiting): two servers keeping the same days at once would otherwise wait on
        each other's rows inside their group commits, next to the ticket counters, and could
        deadlock. The one that does not get the lock leaves the keeping to the other.
        """
        conn = self.conn
        if conn.dialect.name == "postgresql":
            taken = conn.execute(select(func.pg_try_advisory_xact_lock(LOCK_SPACE, hall_id))).scalar()
            if not taken:
                return False
        r = t.report_days.c
        conn.execute(delete(t.report_days).where(r.hall_id == hall_id, r.day.in_([d.day for d in days])))
        conn.execute(
            t.report_days.insert(),
            [
                {
                    "hall_id": hall_id,
                    "day": d.day,
                    "version": version,
                    "events": d.events,
                    "start": d.start,
                    "body": d.body,
                    "computed_at": at,
                }
                for d in days
            ],
        )
        return True

    def own_connection(self) -> AbstractContextManager[SqlReportStore] | None:
        """A store on a connection of its own (opened when entered; a report reads, it never
        writes); None when other connections do not see this one's database (an in-memory SQLite)."""
        if self.conn.engine.url.database in (None, "", ":memory:"):
            return None
        engine = self.conn.engine

        @contextmanager
        def opened() -> Iterator[SqlReportStore]:
            with engine.connect() as conn:
                yield SqlReportStore(conn)

        return opened()
