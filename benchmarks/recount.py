"""What a calendar change costs: declaring a holiday recounts every open 差评 follow-up and checks
every open 承诺件 in the same write transaction (on the writer thread), so it must stay short.

    .venv/bin/python -m benchmarks.recount [--open 100 1000 5000] [--runs 3]

For each size, a SQLite hall gets that many open follow-ups (bulk-inserted, of the shape the
services write), then the manager declares a holiday inside their deadlines and clears it again
(each change moves every follow-up). Prints the median time of one change, against a target of
1 s for 1,000 open follow-ups (a hall has tens).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select

from benchmarks.common import heading, report
from benchmarks.report import catalogue
from hallq.bootstrap import build_runtime
from queue_server import contract as c
from queue_server.adapters import tables as t
from queue_server.config import ServerSettings
from queue_server.domain.actors import Actor
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from queue_server.services.cases import calendar

RATED = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
HOLIDAY = date(2026, 12, 21)  # inside every 整改 deadline


def fill(url: str, hall_id: int, count: int) -> None:
    """``count`` tickets rated 不满意 with their open follow-ups (due in 15 working days)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        service = conn.execute(select(t.services).where(t.services.c.hall_id == hall_id).limit(1)).one()
        tickets = [
            {
                "hall_id": hall_id,
                "token": f"bench{n:08d}",
                "business_day": RATED.date(),
                "prefix": "Z",
                "seq": n,
                "number": f"Z{n:05d}",
                "service_id": service.id,
                "status": "concluded",
                "rank_at": RATED,
                "issued_at": RATED,
                "channel": "kiosk",
            }
            for n in range(1, count + 1)
        ]
        conn.execute(insert(t.tickets), tickets)
        ids = [r.id for r in conn.execute(select(t.tickets.c.id).where(t.tickets.c.prefix == "Z"))]
        conn.execute(
            insert(t.evaluations),
            [
                {
                    "hall_id": hall_id,
                    "ticket_id": i,
                    "service_id": service.id,
                    "status": "rated",
                    "level": "dissatisfied",
                    "reasons": [],
                    "comment": "",
                    "requested_at": RATED,
                    "deadline_at": RATED + timedelta(minutes=2),
                    "recorded_at": RATED,
                    "late": False,
                    "is_default": False,
                }
                for i in ids
            ],
        )
        evaluations = [r.id for r in conn.execute(select(t.evaluations.c.id))]
        conn.execute(
            insert(t.evaluation_follow_ups),
            [
                {
                    "hall_id": hall_id,
                    "evaluation_id": e,
                    "stage": "rectify",
                    "owner": "",
                    "verify_due": date(2026, 12, 8),
                    "rectify_due": date(2026, 12, 28),
                    "revisit_due": date(2026, 12, 28),
                    "notes": [],
                    "opened_at": RATED,
                }
                for e in evaluations
            ],
        )
    engine.dispose()


def one_size(count: int, runs: int) -> float:
    """Median seconds of one calendar change with ``count`` open follow-ups."""
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "hall.db")
        runtime = build_runtime(ServerSettings(db=db, secret_key_file=str(Path(tmp) / "key")))
        data = CatalogueFile.model_validate(catalogue(8))
        runtime.write_sync(lambda uow: import_catalogue(uow, data))
        hall_id = runtime.read_sync(lambda uow: uow.stores.conn.execute(select(t.halls.c.id)).scalar_one())
        fill(runtime.url, hall_id, count)
        manager = Actor(hall_id=hall_id, role="manager", name="bench")
        mark = c.CalendarDay(kind=c.CalendarDayKind.HOLIDAY, note="bench")
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            moved = runtime.write_sync(lambda uow: calendar.set_day(uow, manager, HOLIDAY, mark))
            times.append(time.perf_counter() - started)
            assert len(moved.deadlines) == 2 * count, len(moved.deadlines)  # 整改 and 回访 each
            started = time.perf_counter()
            runtime.write_sync(lambda uow: calendar.clear_day(uow, manager, HOLIDAY))
            times.append(time.perf_counter() - started)
        runtime.stop()
        runtime.write_engine.dispose()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--open", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    heading("calendar change: recount open 差评 follow-ups (SQLite, median of set + clear)")
    for count in args.open:
        seconds = one_size(count, args.runs)
        target = "<= 1 s" if count == 1000 else None
        report(
            f"holiday with {count} open follow-ups",
            round(seconds, 3),
            "s",
            target,
            seconds <= 1.0 if count == 1000 else None,
        )


if __name__ == "__main__":
    main()
