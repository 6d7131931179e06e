"""What an issue's "people ahead" costs the writer when a service's queue is long: one seek in the
waiting counts the triggers on ``tickets`` keep (``queue_lengths``), against counting the waiting
tickets as issuing did before.

    .venv/bin/python -m benchmarks.queue_length [--waiting 100 1000 20000] [--issues 300] [--rows 3000]
                                                [--snapshots 200] [--no-postgres]

For each queue length, a hall (a SQLite file, then a database of a throwaway PostgreSQL cluster)
gets that many waiting tickets of one service, bulk-inserted. Then, on the writer's connection:

- **issue**: CPU per ticket issued through the issue service (``runtime.write_sync``), ``--issues``
  of them, one transaction each;
- **count vs seek**: CPU per ``SELECT count(*) … status = 'waiting'`` (the statement issuing ran
  before) and per seek in ``queue_lengths`` (the one it runs now), 500 of each;
- **a board's snapshot** (``hall_snapshot``, what every board gets when it connects or reconnects):
  CPU per snapshot before (the waiting tickets grouped and counted, on the queue index as it was,
  hall, status, service) and now (the kept counts and each queue's oldest ticket in one seek on the
  index that ends with ``issued_at``), ``--snapshots`` of each;
- **what the triggers add**: CPU per ticket inserted waiting and per ticket moved to ``called``,
  with the triggers and with them dropped (``--rows`` of each, 20 to a transaction); on PostgreSQL
  also the same inside the backend (a ``DO`` loop, its own clock): the client's round trips left out.

CPU is this process's (SQLite runs in it) plus, on PostgreSQL, the writer's backend process's,
read from /proc. The load is printed with every section: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select

from benchmarks.common import cpu_seconds, heading, on_sqlite_and_postgresql, report
from benchmarks.report import catalogue
from hallq.bootstrap import build_runtime
from queue_server import contract as c
from queue_server.adapters import tables as t
from queue_server.adapters.db import normalise_url
from queue_server.adapters.queue_lengths import (
    POSTGRESQL_CREATE,
    POSTGRESQL_DROP,
    create_triggers,
    drop_triggers,
)
from queue_server.config import ServerSettings
from queue_server.domain.actors import Actor
from queue_server.runtime import Runtime
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from queue_server.services.hall.snapshot import hall_snapshot
from queue_server.services.tickets.ahead import PUSHED
from queue_server.services.tickets.issue import issue_ticket

ISSUED = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
SERVICE = "S01"
COUNT = "SELECT count(*) FROM tickets WHERE hall_id = ? AND status = 'waiting' AND service_id = ?"
SEEK = "SELECT waiting FROM queue_lengths WHERE hall_id = ? AND service_id = ?"
# What the board's snapshot read before: the hall's waiting tickets grouped per service, on the
# queue index as it was (its key without issued_at).
GROUPED = (
    "SELECT service_id, count(*), min(issued_at) FROM tickets WHERE hall_id = ? AND status = 'waiting' "
    "GROUP BY service_id"
)
# ... and a status page's people ahead (of a ticket without a priority), before the waiting tickets'
# own index (ix_tickets_waiting_rank).
OLD_AHEAD = (
    "SELECT count(*) FROM tickets WHERE hall_id = ? AND status = 'waiting' AND service_id = ? AND id <> ? "
    "AND (rank_at < ? OR (rank_at = ? AND id < ?) OR priority_class IS NOT NULL)"
)
# ... and the people-ahead push's first places of the queue (PUSHED of them), sorted from the whole.
OLD_QUEUE = (
    "SELECT number, token FROM tickets WHERE hall_id = ? AND status = 'waiting' AND service_id = ? "
    "ORDER BY priority_class IS NULL, rank_at, id LIMIT ?"
)
WAITING_RANK = (
    "CREATE INDEX ix_tickets_waiting_rank ON tickets "
    "(hall_id, service_id, priority_class, rank_at, id, status) WHERE status = 'waiting'"
)
OLD_INDEX = (
    "DROP INDEX ix_tickets_queue",
    "CREATE INDEX ix_tickets_queue ON tickets (hall_id, status, service_id)",
    "DROP INDEX ix_tickets_waiting_rank",
)
NEW_INDEX = (
    "DROP INDEX ix_tickets_queue",
    "CREATE INDEX ix_tickets_queue ON tickets (hall_id, status, service_id, issued_at)",
    WAITING_RANK,
)


def tickets(hall_id: int, service_id: int, first: int, count: int, prefix: str) -> list[dict[str, Any]]:
    """``count`` waiting tickets of one service, numbered from ``first``."""
    return [
        {
            "hall_id": hall_id,
            "token": f"{prefix}{n:09d}",
            "business_day": ISSUED.date(),
            "prefix": prefix,
            "seq": n,
            "number": f"{prefix}{n:05d}",
            "service_id": service_id,
            "status": "waiting",
            "rank_at": ISSUED + timedelta(seconds=n),  # one apart, as tickets are issued
            "issued_at": ISSUED + timedelta(seconds=n),
            "channel": "kiosk",
            "priority_confirmed": False,
            "recalls": 0,
        }
        for n in range(first, first + count)
    ]


class Meter:
    """CPU spent by this process and, on PostgreSQL, by the writer's backend."""

    def __init__(self, runtime: Runtime) -> None:
        self.backend = None
        if runtime.write_engine.dialect.name == "postgresql":
            self.backend = runtime.write_sync(
                lambda uow: uow.stores.tickets.raw.one("SELECT pg_backend_pid()", ())
            )

    def now(self) -> float:
        return time.process_time() + (cpu_seconds(self.backend) if self.backend else 0.0)

    def per_call(self, runs: int, work: Callable[[], object]) -> float:
        """Milliseconds of CPU per run of ``work``."""
        started = self.now()
        for _ in range(runs):
            work()
        return (self.now() - started) / runs * 1000


def load() -> str:
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def bench(kind: str, url: str, args: Any) -> None:
    """Every figure on one database kind, for each queue length."""
    for waiting in args.waiting:
        with tempfile.TemporaryDirectory() as folder:
            target = str(Path(folder) / "hall.db") if kind == "sqlite" else url
            one_length(kind, target, waiting, args.issues, args.rows, args.snapshots)
        if kind == "postgresql":
            drop_all(url)


def drop_all(url: str) -> None:
    """An empty database again for the next queue length (PostgreSQL: the cluster's one database)."""
    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def one_length(kind: str, url: str, waiting: int, issues: int, rows: int, snapshots: int) -> None:
    """The figures of one queue length on a fresh hall."""
    runtime = build_runtime(
        ServerSettings(db=url, secret_key_file=str(Path(tempfile.gettempdir()) / "qlen.key"))
    )
    data = CatalogueFile.model_validate(catalogue(8))
    runtime.write_sync(lambda uow: import_catalogue(uow, data))
    hall_id, service_id = runtime.read_sync(
        lambda uow: uow.stores.conn.execute(
            select(t.services.c.hall_id, t.services.c.id).where(t.services.c.code == SERVICE)
        ).one()
    )
    runtime.write_sync(
        lambda uow: uow.stores.conn.execute(insert(t.tickets), tickets(hall_id, service_id, 1, waiting, "Q"))
    )
    heading(f"{kind}: {waiting} tickets waiting for one service (load {load()})")
    meter = Meter(runtime)
    kiosk = Actor(hall_id=hall_id, role="kiosk", name="bench")
    command = c.IssueTicket(service_code=SERVICE)
    issued = meter.per_call(issues, lambda: runtime.write_sync(lambda uow: issue_ticket(uow, kiosk, command)))
    report("issue, CPU per ticket", issued, "ms", None, None)
    key = (hall_id, service_id)
    for name, statement in (
        ("count(*) of the waiting (before)", COUNT),
        ("seek in queue_lengths (now)", SEEK),
    ):

        def run(uow: Any, statement: str = statement) -> None:
            raw = uow.stores.tickets.raw
            text, cursor = raw.sql(statement), raw.cursor
            for _ in range(500):
                cursor.execute(text, key)
                cursor.fetchone()

        report(
            name, meter.per_call(1, lambda run=run: runtime.write_sync(run)) / 500 * 1000, "µs", None, None
        )
    reads_before_and_after(runtime, meter, (hall_id, service_id), waiting, snapshots)
    trigger_costs(runtime, meter, (hall_id, service_id), waiting + issues + 10, rows)
    runtime.stop()
    runtime.write_engine.dispose()
    runtime.read_engine.dispose()


def reads_before_and_after(
    runtime: Runtime, meter: Meter, key: tuple[int, int], waiting: int, runs: int
) -> None:
    """CPU per board snapshot and per status page's people ahead (of the 10th ticket and of the last
    of the bulk-inserted queue), read as before and as now (on the writer's connection, whose backend
    the meter reads on PostgreSQL)."""
    hall_id, service_id = key
    board = Actor(hall_id=hall_id, role="board", name="bench")
    postgresql = runtime.write_engine.dialect.name == "postgresql"

    def grouped(uow: Any) -> dict[int, tuple[int, datetime | None]]:
        rows = uow.stores.tickets.raw.rows(GROUPED, (hall_id,))
        dialect = uow.stores.conn.dialect
        return {sid: (n, t.UtcDateTime().process_result_value(at, dialect)) for sid, n, at in rows}

    def before(uow: Any) -> object:
        uow.stores.tickets.waiting_by_service = lambda _hall: grouped(uow)  # this unit of work's store
        return hall_snapshot(uow, board)

    def ahead_before(uow: Any, token: str) -> int:
        store = uow.stores.tickets
        row = store.by_token(token)
        rank = store.raw.bind(t.tickets, "rank_at", row.rank_at)
        return int(store.raw.one(OLD_AHEAD, (hall_id, service_id, row.id, rank, rank, row.id)))

    def ahead_now(uow: Any, token: str) -> int:
        store = uow.stores.tickets
        return int(store.count_ahead(store.by_token(token)))

    def queue_before(uow: Any) -> list[Any]:
        return list(uow.stores.tickets.raw.rows(OLD_QUEUE, (hall_id, service_id, PUSHED)))

    def queue_now(uow: Any) -> list[Any]:
        return [(p.number, p.token) for p in uow.stores.tickets.queue(hall_id, service_id, limit=PUSHED)]

    def index(statements: tuple[str, ...]) -> None:
        for statement in statements:
            runtime.write_sync(lambda uow, statement=statement: uow.stores.conn.exec_driver_sql(statement))
        if postgresql:
            runtime.write_sync(lambda uow: uow.stores.conn.exec_driver_sql("ANALYZE tickets"))

    def queues(job: Callable[[Any], Any]) -> list[tuple[str, int, int]]:
        found = runtime.write_sync(job).queues
        # the longest wait in whole minutes: the two reads run a moment apart
        return [(q.service_code, q.waiting, q.longest_wait_seconds // 60) for q in found]

    places = {"10th": f"Q{10:09d}", "last": f"Q{waiting:09d}"}
    now = queues(lambda uow: hall_snapshot(uow, board))
    counted = {
        place: runtime.write_sync(lambda uow, t=token: ahead_now(uow, t)) for place, token in places.items()
    }
    first_places = runtime.write_sync(queue_now)
    index(OLD_INDEX)
    assert queues(before) == now, "the snapshot read as before differs from today's"
    assert [tuple(r) for r in runtime.write_sync(queue_before)] == first_places, "the queue's order differs"
    for place, token in places.items():
        assert runtime.write_sync(lambda uow, t=token: ahead_before(uow, t)) == counted[place], place
    Job = Callable[[Any], object]
    variants: tuple[tuple[str, Job, Callable[[Any, str], int], Job, tuple[str, ...]], ...] = (
        ("before", before, ahead_before, queue_before, NEW_INDEX),
        ("now", lambda uow: hall_snapshot(uow, board), ahead_now, queue_now, ()),
    )
    for label, snapshot, ahead, first, statements in variants:
        spent = meter.per_call(runs, lambda job=snapshot: runtime.write_sync(job))
        report(f"board snapshot, {label}", spent, "ms", None, None)
        spent = meter.per_call(max(1, runs // 4), lambda job=first: runtime.write_sync(job))
        report(f"queue's first {PUSHED} (push), {label}", spent, "ms", None, None)
        for place, token in places.items():

            def people_ahead(uow: Any, ahead: Callable[[Any, str], int] = ahead, token: str = token) -> None:
                for _ in range(20):
                    ahead(uow, token)

            spent = meter.per_call(max(1, runs // 20), lambda job=people_ahead: runtime.write_sync(job)) / 20
            report(f"people ahead of the {place}, {label}", spent * 1000, "µs", None, None)
        index(statements)


def trigger_costs(runtime: Runtime, meter: Meter, key: tuple[int, int], first: int, count: int) -> None:
    """Insert and call ``count`` tickets with the triggers, then as many without the waiting tickets'
    index (``ix_tickets_waiting_rank``), then with the triggers dropped, 20 to a transaction (a
    writer's batch: a count row updated many times in one transaction costs more)."""
    variants = (
        ("with triggers", "R", None),
        ("waiting index dropped", "X", "DROP INDEX ix_tickets_waiting_rank"),
        ("triggers dropped", "U", WAITING_RANK),  # the index back, the triggers away
    )
    for n, (label, prefix, change_schema) in enumerate(variants):
        if change_schema:
            runtime.write_sync(lambda uow, sql=change_schema: uow.stores.conn.exec_driver_sql(sql))
        if change_schema == WAITING_RANK:
            runtime.write_sync(lambda uow: drop_triggers(uow.stores.conn))
        rows = tickets(*key, first + n * count, count, prefix)
        batches = [rows[n : n + 20] for n in range(0, len(rows), 20)]

        def insert_rows(uow: Any, batch: list[dict[str, Any]]) -> None:
            for row in batch:
                uow.stores.tickets.raw.insert(t.tickets, row, returning_id=False)

        def call_rows(uow: Any, batch: list[dict[str, Any]]) -> None:
            raw = uow.stores.tickets.raw
            for row in batch:
                raw.update(t.tickets, {"status": "called"}, {"token": row["token"], "status": "waiting"})

        for name, change in (
            (f"ticket insert, {label}", insert_rows),
            (f"waiting -> called, {label}", call_rows),
        ):
            started = meter.now()
            for batch in batches:
                runtime.write_sync(lambda uow, change=change, batch=batch: change(uow, batch))
            report(name, (meter.now() - started) / count * 1e6, "µs/row", None, None)
    runtime.write_sync(lambda uow: create_triggers(uow.stores.conn))
    if runtime.write_engine.dialect.name == "postgresql":
        in_the_backend(runtime, key, first + 4 * count, count)


# A ticket inserted waiting, then called, by a loop inside PostgreSQL (committing every 20 rows, as a
# writer's batch): the backend's own time per row, without the client's round trips around it.
_LOOP = """DO $$ DECLARE started timestamptz; BEGIN
  started := clock_timestamp();
  FOR i IN {first}..{last} LOOP
    INSERT INTO tickets (hall_id, token, business_day, prefix, seq, number, service_id, status,
                         rank_at, issued_at, channel, priority_confirmed, recalls)
    VALUES ({hall}, '{prefix}' || i, DATE '2026-12-07', '{prefix}', i, '{prefix}' || i, {service},
            'waiting', now(), now(), 'kiosk', false, 0);
    IF i % 20 = 0 THEN COMMIT; END IF;
  END LOOP;
  RAISE NOTICE 'insert %', extract(epoch FROM clock_timestamp() - started);
  started := clock_timestamp();
  FOR i IN {first}..{last} LOOP
    UPDATE tickets SET status = 'called' WHERE token = '{prefix}' || i AND status = 'waiting';
    IF i % 20 = 0 THEN COMMIT; END IF;
  END LOOP;
  RAISE NOTICE 'call %', extract(epoch FROM clock_timestamp() - started);
END $$"""


def in_the_backend(runtime: Runtime, key: tuple[int, int], first: int, count: int) -> None:
    """The triggers' cost inside PostgreSQL: the same loop with the triggers and with them dropped,
    twice each, alternating (wall time of the backend; the box is shared)."""
    import psycopg

    url = normalise_url(runtime.url).replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url, autocommit=True) as conn:
        notices: list[str] = []
        conn.add_notice_handler(lambda notice: notices.append(notice.message_primary or ""))
        for round_ in range(2):
            for label, prefix, drop in (
                ("with triggers", f"V{round_}", False),
                ("triggers dropped", f"W{round_}", True),
            ):
                with conn.cursor() as cur:
                    for statement in POSTGRESQL_DROP if drop else ():
                        cur.execute(statement)
                    notices.clear()
                    hall, service = key
                    cur.execute(
                        _LOOP.format(
                            first=first, last=first + count - 1, hall=hall, service=service, prefix=prefix
                        )
                    )
                    for statement in POSTGRESQL_CREATE if drop else ():
                        cur.execute(statement)
                figures = dict(n.split() for n in notices)
                for step in ("insert", "call"):
                    value = float(figures[step]) / count * 1e6
                    report(f"in PostgreSQL: {step}, {label}", value, "µs/row", None, None)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--waiting", type=int, nargs="+", default=[100, 1000, 20000])
    parser.add_argument("--issues", type=int, default=300)
    parser.add_argument(
        "--rows", type=int, default=3000, help="tickets inserted and called per trigger figure"
    )
    parser.add_argument("--snapshots", type=int, default=200, help="board snapshots per figure")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    on_sqlite_and_postgresql("queue_length", bench, args)


if __name__ == "__main__":
    main()
