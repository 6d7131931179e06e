"""The monthly report of a big hall: 223 windows, 100,000 tickets in a month, on SQLite and PostgreSQL.

    .venv/bin/python -m benchmarks.report [--tickets 100000] [--windows 223] [--runs 3] [--no-postgres]

The hall (223 windows in 5 zones, 60 services of 20 departments, a clerk per window) is imported
through the catalogue service. The month's activity is then **bulk-inserted**: simulating 100,000
tickets through the services one unit of work at a time takes hours, so the benchmark writes rows
of exactly the shape the services write (tickets; ticket.issued / called / started / concluded /
no_show / transferred events with the same columns and data; window.status events for opening,
lunch, short pauses and closing; cases with their outcomes; evaluations, some 差评 with follow-ups)
in executemany batches. ``hallq simulate`` is the faithful generator for smaller volumes.

Then it times what ``/manager/reports/monthly`` does — the pass over the month, the roll-ups per
window, service, clerk and day, and the four charts — first with every day walked from the events
(the kept days forgotten before each run), then with the month's closed days kept (日结, as the
server's housekeeping keeps them), against the targets for the latter: at most 5 s on SQLite and
2 s on PostgreSQL. Figures are medians of ``--runs``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, delete, insert

from benchmarks.common import heading, report
from hallq.bootstrap import build_runtime
from queue_server.adapters import tables as t
from queue_server.config import ServerSettings
from queue_server.domain.actors import Actor
from queue_server.domain.stats import Grouping, Period
from queue_server.runtime import Runtime
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from queue_server.services.reports import charts as report_charts
from queue_server.services.reports import days as report_days
from queue_server.services.reports import figures as reports
from queue_server.services.reports import monthly as report_monthly

ZONE = ZoneInfo("Asia/Shanghai")
MONTH = (date(2026, 3, 1), date(2026, 3, 31))
BATCH = 20_000
TARGETS = {"sqlite": 5.0, "postgresql": 2.0}


def catalogue(windows: int) -> dict[str, Any]:
    """A hall like Haiyang's centre: ``windows`` windows, 5 zones, 20 departments, 60 services."""
    departments = [{"code": f"D{d:02d}", "name": f"第{d}局"} for d in range(1, 21)]
    services = [
        {
            "code": f"S{s:02d}",
            "name": f"事项{s:02d}",
            "department": f"D{(s - 1) // 3 + 1:02d}",
            "prefix": "ABCDEFGHJK"[s % 10] + ("" if s < 30 else "X"),
            "category": "public_service",
            "case_type": "immediate" if s % 4 else "promised",
            "avg_handle_minutes": 4 + s % 12,
            "guide": {"materials": [{"name": "居民身份证"}, {"name": "申请表"}]},
        }
        for s in range(1, 61)
    ]
    rows = []
    for w in range(1, windows + 1):
        served = [{"service": f"S{(w * 7 + k) % 60 + 1:02d}", "preference": k + 1} for k in range(3)]
        rows.append(
            {
                "number": str(w),
                "name": f"{w}号窗口",
                "type": "comprehensive",
                "zone": "ABCDE"[w % 5],
                "services": served,
            }
        )
    staff = [
        {"staff_no": f"K{w:04d}", "name": f"职员{w}", "role": "clerk", "window": str(w)}
        for w in range(1, windows + 1)
    ]
    return {
        "hall": {
            "code": "big",
            "name": "海阳市政务服务中心",
            "timezone": "Asia/Shanghai",
            "always_open": True,
        },
        "zones": [{"code": z, "name": f"{z}区"} for z in "ABCDE"],
        "departments": departments,
        "services": services,
        "windows": rows,
        "staff": staff,
    }


def working_days() -> list[date]:
    first, last = MONTH
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [d for d in days if d.weekday() < 5]


class Rows:
    """Buffers rows per table and writes them in executemany batches."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.buffers: dict[Any, list[dict[str, Any]]] = {}
        self.count = 0

    def add(self, table: Any, row: dict[str, Any]) -> None:
        buffer = self.buffers.setdefault(table, [])
        buffer.append(row)
        if len(buffer) >= BATCH:
            self.flush()  # every table, parents first (the order they were first used), for the FKs

    def flush(self, table: Any = None) -> None:
        for name in [table] if table is not None else list(self.buffers):
            buffer = self.buffers.get(name)
            if buffer:
                self.conn.execute(insert(name), buffer)
                self.count += len(buffer)
                buffer.clear()


def generate(url: str, hall_id: int, tickets: int, seed: int) -> int:
    """Bulk-insert a month of activity; returns the rows written."""
    rng = random.Random(seed)
    engine = create_engine(url)
    with engine.begin() as conn:
        windows = {
            r.number: r.id for r in conn.execute(t.windows.select().where(t.windows.c.hall_id == hall_id))
        }
        users = {
            r.window_id: r.id for r in conn.execute(t.users.select().where(t.users.c.hall_id == hall_id))
        }
        services = {
            r.code: r for r in conn.execute(t.services.select().where(t.services.c.hall_id == hall_id))
        }
        serving: dict[int, list[int]] = {}
        for a in conn.execute(t.assignments.select().where(t.assignments.c.hall_id == hall_id)):
            serving.setdefault(a.service_id, []).append(a.window_id)
        out = Rows(conn)
        days = working_days()
        per_day = tickets // len(days)
        next_id = {"ticket": 1, "case": 1, "evaluation": 1}
        for day in days:
            _window_day(out, hall_id, day, windows, users, rng)
            seqs: dict[str, int] = {}
            for _ in range(per_day + (tickets - per_day * len(days) if day == days[-1] else 0)):
                service = rng.choice(list(services.values()))
                _ticket(out, hall_id, day, service, serving, users, seqs, next_id, rng)
        out.flush()
    engine.dispose()
    return out.count


def _local(day: date, minutes: float) -> datetime:
    return (datetime.combine(day, clock(0), ZONE) + timedelta(minutes=minutes)).astimezone(UTC)


def _event(out: Rows, hall_id: int, at: datetime, type_: str, **values: Any) -> None:
    out.add(
        t.events,
        {
            "hall_id": hall_id,
            "at": at,
            "type": type_,
            "ticket_id": values.get("ticket_id"),
            "window_id": values.get("window_id"),
            "service_id": values.get("service_id"),
            "actor_user_id": values.get("actor"),
            "actor_token_id": None,
            "data": values.get("data", {}),
        },
    )


def _window_day(
    out: Rows, hall_id: int, day: date, windows: dict[str, int], users: dict[int, int], rng: random.Random
) -> None:
    """Open at 08:30, lunch pause 12:00–13:30, one short pause, close at 17:30."""
    for window_id in windows.values():
        clerk = users.get(window_id)
        pause = rng.uniform(600, 1000)
        steps = [
            (510 + rng.uniform(-5, 5), "open", None, "closed"),
            (720, "paused", "lunch", "open"),
            (810, "open", None, "paused"),
            (pause, "paused", "away", "open"),
            (pause + rng.uniform(5, 25), "open", None, "paused"),
            (1050 + rng.uniform(0, 10), "closed", None, "open"),
        ]
        for minute, status, reason, before in sorted(steps):
            _event(
                out,
                hall_id,
                _local(day, minute),
                "window.status",
                window_id=window_id,
                actor=clerk,
                data={"status": status, "reason": reason, "from": before},
            )


def _ticket(
    out: Rows,
    hall_id: int,
    day: date,
    service: Any,
    serving: dict[int, list[int]],
    users: dict[int, int],
    seqs: dict[str, int],
    next_id: dict[str, int],
    rng: random.Random,
) -> None:
    """One ticket's life: issued, called after a wait, then no-show, transfer or a concluded case."""
    ticket_id = next_id["ticket"]
    next_id["ticket"] += 1
    seq = seqs[service.prefix] = seqs.get(service.prefix, 0) + 1
    number = f"{service.prefix}{seq:04d}"
    minute = rng.choice((rng.uniform(510, 690), rng.uniform(510, 630), rng.uniform(810, 1020)))
    issued = _local(day, minute)
    priority = "elderly" if rng.random() < 0.05 else None
    booked = rng.random() < 0.08
    channel = "appointment" if booked else "kiosk"
    window_id = rng.choice(serving.get(service.id) or [1])
    clerk = users.get(window_id)
    called = issued + timedelta(seconds=rng.expovariate(1 / 900))
    handled = timedelta(seconds=rng.lognormvariate(6.2, 0.5))
    fate = rng.random()
    status = "concluded" if fate >= 0.04 else "no_show"
    out.add(
        t.tickets,
        {
            "id": ticket_id,
            "hall_id": hall_id,
            "token": f"b{ticket_id:011d}",
            "business_day": day,
            "prefix": service.prefix,
            "seq": seq,
            "number": number,
            "service_id": service.id,
            "priority_class": priority,
            "priority_confirmed": False,
            "status": status,
            "rank_at": issued,
            "issued_at": issued,
            "window_id": window_id,
            "target_window_id": None,
            "called_at": called,
            "started_at": called + timedelta(seconds=40),
            "recalls": 0,
            "channel": channel,
            "appointment_at": issued if booked else None,
        },
    )
    ids = {"ticket_id": ticket_id, "service_id": service.id}
    _event(
        out,
        hall_id,
        issued,
        "ticket.issued",
        **ids,
        data={"number": number, "priority": priority, "channel": channel},
    )
    _event(
        out,
        hall_id,
        called,
        "ticket.called",
        **ids,
        window_id=window_id,
        actor=clerk,
        data={"number": number, "priority": priority is not None},
    )
    if fate < 0.04:
        _event(
            out,
            hall_id,
            called + timedelta(seconds=90),
            "ticket.no_show",
            **ids,
            window_id=window_id,
            actor=clerk,
            data={"number": number},
        )
        return
    if fate < 0.06:  # transferred, then called again elsewhere
        moved = called + timedelta(seconds=120)
        _event(
            out,
            hall_id,
            moved,
            "ticket.transferred",
            **ids,
            window_id=window_id,
            actor=clerk,
            data={"number": number, "reason": "转窗口", "keep_place": True, "from_service_id": service.id},
        )
        called = moved + timedelta(seconds=rng.expovariate(1 / 600))
        _event(
            out,
            hall_id,
            called,
            "ticket.called",
            **ids,
            window_id=window_id,
            actor=clerk,
            data={"number": number, "priority": priority is not None},
        )
    started = called + timedelta(seconds=40)
    done = started + handled
    _event(
        out,
        hall_id,
        started,
        "ticket.started",
        **ids,
        window_id=window_id,
        actor=clerk,
        data={"number": number},
    )
    outcome = rng.choices(("immediate", "promised", "correction", "refused"), (80, 10, 8, 2))[0]
    _event(
        out,
        hall_id,
        done,
        "ticket.concluded",
        **ids,
        window_id=window_id,
        actor=clerk,
        data={"number": number, "outcome": outcome, "promised_date": None},
    )
    case_id = next_id["case"]
    next_id["case"] += 1
    out.add(
        t.cases,
        {
            "id": case_id,
            "hall_id": hall_id,
            "ticket_id": ticket_id,
            "service_id": service.id,
            "window_id": window_id,
            "clerk_user_id": clerk,
            "outcome": outcome,
            "status": "open" if outcome == "promised" else "done",
            "green": False,
            "promised_date": day + timedelta(days=7) if outcome == "promised" else None,
            "missing_items": ["申请表"] if outcome == "correction" else [],
            "reasons": "",
            "referred_to": "",
            "extensions": [],
            "created_at": done,
            "completed_at": None if outcome == "promised" else done,
        },
    )
    evaluation_id = next_id["evaluation"]
    next_id["evaluation"] += 1
    rated = rng.random() < 0.85
    level = rng.choices(
        ("very_satisfied", "satisfied", "basically_satisfied", "dissatisfied"), (70, 22, 6, 2)
    )[0]
    out.add(
        t.evaluations,
        {
            "id": evaluation_id,
            "hall_id": hall_id,
            "ticket_id": ticket_id,
            "case_id": case_id,
            "service_id": service.id,
            "department_id": service.department_id,
            "window_id": window_id,
            "clerk_user_id": clerk,
            "status": "rated" if rated else "unrated",
            "channel": "pad" if rated else None,
            "level": level if rated else None,
            "reasons": ["slow"] if rated and level == "dissatisfied" else [],
            "comment": "",
            "requested_at": done,
            "deadline_at": done + timedelta(seconds=120),
            "pressed_at": done + timedelta(seconds=10) if rated else None,
            "recorded_at": done + timedelta(seconds=10) if rated else None,
            "late": False,
            "is_default": False,
        },
    )
    if rated and level == "dissatisfied":
        out.add(
            t.evaluation_follow_ups,
            {
                "hall_id": hall_id,
                "evaluation_id": evaluation_id,
                "stage": "verify",
                "owner": "",
                "verify_due": day + timedelta(days=1),
                "rectify_due": day + timedelta(days=15),
                "revisit_due": day + timedelta(days=20),
                "notes": [],
                "opened_at": done,
            },
        )


def monthly(runtime: Runtime, actor: Actor) -> tuple[float, float, int, list[report_days.ClosedDay]]:
    """One monthly report as the page builds it: (seconds for the pass, seconds in all, html bytes, the
    closed days it walked)."""
    started = time.perf_counter()

    def build(uow: reports.UnitOfWork) -> tuple[float, str, list[report_days.ClosedDay]]:
        report = reports.compute(uow, actor, *MONTH)
        passed = time.perf_counter() - started
        return passed, report_monthly.monthly_html(report, "2026-03"), report.closed

    passed, html, closed = runtime.read_sync(build)
    return passed, time.perf_counter() - started, len(html), closed


def bench(kind: str, url: str, key: Path, args: argparse.Namespace) -> None:
    heading(f"monthly report on {kind}: {args.windows} windows, {args.tickets:,} tickets")
    runtime = build_runtime(ServerSettings(db=url, secret_key_file=str(key)))
    data = CatalogueFile.model_validate(catalogue(args.windows))
    runtime.write_sync(lambda uow: import_catalogue(uow, data))
    hall_id = runtime.read_sync(lambda uow: uow.stores.hall.hall_id("big"))
    started = time.perf_counter()
    rows = generate(runtime.url, hall_id, args.tickets, args.seed)
    report("rows bulk-inserted", rows, "rows", None, None)
    report("insert time", time.perf_counter() - started, "s", None, None)
    if kind == "postgresql":  # what autovacuum does within a minute of a bulk load
        engine = create_engine(runtime.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        engine.dispose()
    actor = Actor(hall_id, "manager", name="bench")
    report_charts._setup()  # matplotlib's import is a one-off per process, not per report

    def forget(uow: reports.UnitOfWork) -> None:
        uow.stores.conn.execute(delete(t.report_days))

    cold = []
    for _ in range(args.runs):  # every day walked from the events, as before any 日结
        runtime.write_sync(forget)
        cold.append(monthly(runtime, actor))
    closed = cold[-1][3]
    started = time.perf_counter()
    runtime.write_sync(lambda uow: report_days.store(uow, hall_id, closed))
    report("html size", cold[0][2] // 1024, "KiB", None, None)
    walked = statistics.median(r[1] for r in cold)
    report("event pass, every day walked (median)", statistics.median(r[0] for r in cold), "s", None, None)
    report("monthly report, every day walked (median)", walked, "s", None, None)
    report("closed days kept", len(closed), "days", None, None)
    report("  time to keep them", time.perf_counter() - started, "s", None, None)
    kept = [monthly(runtime, actor) for _ in range(args.runs)]  # the days read back (日结 done)
    assert not any(r[3] for r in kept), "a kept day was walked again"
    report("event pass, closed days kept (median)", statistics.median(r[0] for r in kept), "s", None, None)
    median = statistics.median(r[1] for r in kept)
    limit = TARGETS[kind]
    report(f"monthly report {kind} (median)", median, "s", f"<= {limit:g} s", median <= limit)
    one = reports.compute
    started = time.perf_counter()
    figures = runtime.read_sync(lambda uow: one(uow, actor, *MONTH).figures(Grouping.WINDOW, Period.DAY))
    report("figures by window and day (JSON, days kept)", time.perf_counter() - started, "s", None, None)
    report("  rows", len(figures.rows), "rows", None, None)
    runtime.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--windows", type=int, default=223)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hallq-report-") as workdir:
        key = Path(workdir) / "secret.key"
        bench("sqlite", str(Path(workdir) / "big.db"), key, args)
        if not args.no_postgres:
            from tests.support.postgres import PostgresCluster, create_database

            with PostgresCluster() as cluster:
                bench("postgresql", create_database(cluster.url, "hallq_report"), key, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
