"""Call-next's look-back at a window's latest calls, early and late in a big hall's day.

    .venv/bin/python -m benchmarks.lookback [--events 60000] [--windows 223] [--no-postgres]

Whenever a priority ticket waits, call-next asks for the window's latest call (the one-in-two
rule). The 223-window hall of ``benchmarks.report`` is imported, then a day's events are inserted
in rows of the shape the services write (issued, called, recalled, started, concluded, evaluation
events, spread over the windows, in time order), and the look-back is timed after the first tenth
of them ("first hour") and after all of them ("last hour"): the query call-next runs now (the
window's ``ticket.called`` rows on the per-window index ``ix_events_window_type``), and, for
comparison, the query it ran before (calls and recalls of the hall, filtered by window), on SQLite
and on a throwaway PostgreSQL cluster. Figures are medians and p99 of one query per window.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, insert, select

from benchmarks.common import heading, on_sqlite_and_postgresql, percentile, report
from benchmarks.report import catalogue
from hallq.bootstrap import build_runtime
from queue_server.adapters import tables as t
from queue_server.config import ServerSettings
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue

TYPES = (
    ["ticket.issued"] * 10
    + ["ticket.called"] * 11
    + ["ticket.recalled"]
    + ["ticket.started"] * 9
    + ["ticket.concluded"] * 9
    + ["evaluation.recorded"] * 8
)


def now_query(window_id: int) -> Any:
    """What call-next asks now (SqlWindowStore.call_priorities)."""
    return (
        select(t.events.c.data)
        .where(t.events.c.window_id == window_id, t.events.c.type == "ticket.called")
        .order_by(t.events.c.id.desc())
        .limit(1)
    )


def before_query(hall_id: int, window_id: int) -> Any:
    """What it asked before (the repository's recent calls of one window, since gone)."""
    return (
        select(t.events)
        .where(
            t.events.c.hall_id == hall_id,
            t.events.c.type.in_(["ticket.called", "ticket.recalled"]),
            t.events.c.window_id == window_id,
        )
        .order_by(t.events.c.id.desc())
        .limit(1)
    )


def insert_events(engine: Engine, hall_id: int, windows: list[int], start: int, stop: int, seed: int) -> None:
    rng = random.Random(seed + start)
    opening = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    rows = []
    for n in range(start, stop):
        type_ = rng.choice(TYPES)
        rows.append(
            {
                "hall_id": hall_id,
                "at": opening + timedelta(seconds=n * 0.5),
                "type": type_,
                "ticket_id": n // 5 + 1,
                "window_id": None if type_ == "ticket.issued" else rng.choice(windows),
                "service_id": None,
                "data": {"number": f"A{n // 5:04d}", "priority": rng.random() < 0.1},
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(t.events), rows)


def timed(engine: Engine, queries: list[Any]) -> list[float]:
    out = []
    with engine.connect() as conn:
        for query in queries:
            began = time.perf_counter()
            conn.execute(query).all()
            out.append((time.perf_counter() - began) * 1000)
    return out


def bench(kind: str, url: str, args: argparse.Namespace) -> None:
    heading(f"call-next look-back on {kind}: {args.windows} windows, {args.events:,} events in the day")
    runtime = build_runtime(ServerSettings(db=url, secret_key="lookback"))
    data = CatalogueFile.model_validate(catalogue(args.windows))
    runtime.write_sync(lambda uow: import_catalogue(uow, data))
    hall_id = runtime.read_sync(lambda uow: uow.stores.hall.hall_id("big"))
    windows = runtime.read_sync(lambda uow: sorted(w.id for w in uow.catalogue(hall_id).windows.values()))
    runtime.stop()
    engine = create_engine(runtime.url)
    tenth = args.events // 10
    figures: dict[str, dict[str, list[float]]] = {}
    for label, start, stop in (("first hour", 0, tenth), ("last hour", tenth, args.events)):
        insert_events(engine, hall_id, windows, start, stop, args.seed)
        if kind == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE events")
        timed(engine, [now_query(w) for w in windows[:20]])  # warm the cache
        figures[label] = {
            "now": timed(engine, [now_query(w) for w in windows]),
            "before": timed(engine, [before_query(hall_id, w) for w in windows]),
        }
    for which, name in (("now", "per-window index (now)"), ("before", "hall-wide (before)")):
        for label in ("first hour", "last hour"):
            values = figures[label][which]
            report(
                f"{name}, {label} p50/p99",
                f"{statistics.median(values):.2f} / {percentile(values, 99):.2f}",
                "ms",
                None,
                None,
            )
    with engine.connect() as conn:  # the plan of the query call-next runs now, at the end of the day
        compiled = now_query(windows[0]).compile(engine, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN QUERY PLAN " if kind == "sqlite" else "EXPLAIN "
        plan = " | ".join(str(row[-1]).strip() for row in conn.exec_driver_sql(explain + str(compiled)))
    print(f"plan: {plan}", flush=True)
    first = percentile(figures["first hour"]["now"], 99)
    last = percentile(figures["last hour"]["now"], 99)
    report("look-back p99, last hour / first hour", last / first, "x", "<= 2", last <= 2 * first)
    engine.dispose()
    runtime.write_engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--windows", type=int, default=223)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    on_sqlite_and_postgresql("lookback", bench, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
