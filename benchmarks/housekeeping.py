"""Housekeeping of a big hall with a month of history: how long each writer job holds the writer.

    .venv/bin/python -m benchmarks.housekeeping [--tickets 30000] [--windows 223] [--pending 600]
                                                [--no-postgres]

The 223-window hall of ``benchmarks.report`` is imported and a month of its activity bulk-inserted
(``benchmarks.report.generate``: tickets, events, cases — a quarter of them 承诺件 still open —,
evaluations, 差评 follow-ups). On the morning after that month, ``--pending`` evaluations of the
day are past their rating deadline. Then the server's housekeeping (``queue_server.api.chores``)
runs rounds until one changes nothing: every overdue promised case and follow-up raises its alert,
the evaluations expire. Printed: the jobs, the items, the longest single writer job (wall and the
writer thread's CPU), the total time, with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, func, select, update

from benchmarks.common import heading, on_sqlite_and_postgresql, report
from benchmarks.report import catalogue, generate
from hallq.bootstrap import build_runtime
from queue_server.adapters import tables as t
from queue_server.api.chores import Housekeeper, Round
from queue_server.config import ServerSettings
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue

MORNING = datetime(2026, 4, 1, 2, 30, tzinfo=UTC)  # 10:30 in the hall, the month's next working day
CEILING_MS = 20.0


def pending_today(url: str, hall_id: int, count: int) -> None:
    """The month's last ``count`` evaluations made pending again, past a deadline this morning (an
    evaluation per ticket: the month's tickets stand in for today's)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        ev = t.evaluations
        ids = conn.execute(
            select(ev.c.id).where(ev.c.hall_id == hall_id).order_by(ev.c.id.desc()).limit(count)
        ).scalars()
        for n, evaluation_id in enumerate(ids):
            requested = MORNING - timedelta(minutes=30) + timedelta(seconds=n)
            conn.execute(
                update(ev)
                .where(ev.c.id == evaluation_id)
                .values(
                    status="pending",
                    channel=None,
                    level=None,
                    reasons=[],
                    requested_at=requested,
                    deadline_at=requested + timedelta(seconds=120),
                    pressed_at=None,
                    recorded_at=None,
                )
            )
    engine.dispose()


async def rounds(keeper: Housekeeper, hall_id: int) -> list[Round]:
    """Rounds until one finds nothing to do (at most a few: each should finish its work)."""
    done: list[Round] = []
    for _ in range(5):
        done.append(await keeper.run(hall_id))
        if not done[-1].items:
            break
    return done


def bench(kind: str, url: str, args: argparse.Namespace) -> None:
    heading(f"housekeeping on {kind}: {args.windows} windows, a month of {args.tickets:,} tickets")
    runtime = build_runtime(ServerSettings(db=url, secret_key="housekeeping"), clock=lambda: MORNING)
    data = CatalogueFile.model_validate(catalogue(args.windows))
    runtime.write_sync(lambda uow: import_catalogue(uow, data))
    hall_id = runtime.read_sync(lambda uow: uow.stores.hall.hall_id("big"))
    report("rows bulk-inserted", generate(runtime.url, hall_id, args.tickets, args.seed), "rows", None, None)
    pending_today(runtime.url, hall_id, args.pending)
    if kind == "postgresql":  # what autovacuum does within a minute of a bulk load
        engine = create_engine(runtime.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        engine.dispose()
    runtime.start()
    # The hall's catalogue is loaded once per process (by the first request in a server), not a chore;
    # and the process's start-up objects are frozen out of the collector as ``hallq serve`` does (else
    # a full collection of this process's heap, ~100 ms, lands in whichever job is running).
    runtime.read_sync(lambda uow: uow.catalogue(hall_id))
    gc.collect()
    gc.freeze()
    keeper = Housekeeper(runtime)
    began, cpu = time.perf_counter(), time.process_time()
    done = asyncio.run(rounds(keeper, hall_id))
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    alerts = runtime.read_sync(
        lambda uow: uow.stores.conn.execute(
            select(func.count()).where(t.alerts.c.hall_id == hall_id, t.alerts.c.cleared_at.is_(None))
        ).scalar()
    )
    runtime.stop()
    print(f"load average: {os.getloadavg()}", flush=True)
    report("rounds (the last found nothing to do)", len(done), "rounds", None, None)
    report("items handled", sum(r.items for r in done), "items", None, None)
    report("writer jobs", sum(r.jobs for r in done), "jobs", None, None)
    report("standing alerts at the end", alerts, "alerts", None, None)
    for name in done[0].chores:
        jobs, items = (sum(r.chores.get(name, [0, 0, 0.0])[i] for r in done) for i in range(2))
        cpu_max = max(r.chores.get(name, [0, 0, 0.0])[2] for r in done)
        print(f"  {name}: {items:.0f} items in {jobs:.0f} jobs, writer CPU at most {cpu_max * 1000:.1f} ms")
    longest = max(done, key=lambda r: r.longest)
    report(f"longest writer job, wall ({longest.longest_chore})", longest.longest * 1000, "ms", None, None)
    heaviest = max(r.longest_cpu for r in done) * 1000
    report("longest writer job, writer CPU", heaviest, "ms", f"<= {CEILING_MS:g}", heaviest <= CEILING_MS)
    report("total wall time of the rounds", wall, "s", None, None)
    report("total CPU time of the process", cpu, "s", None, None)
    runtime.write_engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=30_000)
    parser.add_argument("--windows", type=int, default=223)
    parser.add_argument("--pending", type=int, default=600)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    on_sqlite_and_postgresql("housekeeping", bench, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
