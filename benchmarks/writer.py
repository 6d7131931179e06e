"""What the writer thread spends per job of a ticket's life, in-process (no HTTP, no sockets).

    .venv/bin/python -m benchmarks.writer [--windows 40] [--cycles 25] [--backlog 400] [--in-flight 4]
                                          [--no-postgres] [--profile tottime]

A hall of ``--windows`` windows (the catalogue of ``benchmarks.report``) on a fresh SQLite file
(and, unless ``--no-postgres``, on a throwaway PostgreSQL cluster) is driven through the real
runtime: its single writer, units of work, stores and services, as the routes call them
(``runtime.write``), with ``--in-flight`` jobs waiting at any moment (the wrk issue run's batches
average 4 jobs). ``--backlog`` tickets are issued first and wait throughout, about ten a service as
in the replayed day (each call tells every waiting ticket of its service how many are ahead). Each
cycle issues a ticket per window, then every window calls, recalls and, by
its number, lets the citizen go (no-show then requeue), transfers (keeping the place), parks and
calls back, or serves (start, conclude, the pad's pending evaluation, its rating).

Printed per job type: the writer thread's CPU per job (its own clock,
``time.pthread_getcpuclockid``: other threads' and other processes' work is not in it, so the
figure holds on a loaded box far better than wrk's), the jobs per transaction, and the load
average. The pad's pending evaluation is a read, not a writer job: its line is the CPU of the
reading thread (this one) per read.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event

from benchmarks.common import heading, report
from benchmarks.report import catalogue
from hallq.bootstrap import build_runtime
from queue_server import contract as c
from queue_server.config import ServerSettings
from queue_server.domain.actors import Actor
from queue_server.domain.errors import DomainError
from queue_server.runtime import Runtime
from queue_server.services.admin.accounts import create_token
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue
from queue_server.services.desk import windows as desk
from queue_server.services.evaluations import ratings
from queue_server.services.evaluations.reading import pending_at_window
from queue_server.services.tickets import issue
from queue_server.services.unit_of_work import UnitOfWork

KINDS = (
    "issue",
    "call-next",
    "recall",
    "no-show",
    "requeue",
    "transfer",
    "park",
    "callback",
    "start",
    "conclude",
    "pending-evaluation",
    "rating",
)

# Writer jobs per ticket in the replayed day (benchmarks.day --tickets 2000: 2,000 issues, 2,269
# calls, 212 recalls, 81 no-shows, 57 requeues, 74 transfers, 34 parks and call-backs, 1,976 starts
# and conclusions, 1,572 ratings).
DAY_MIX = {
    "issue": 1.0,
    "call-next": 1.13,
    "recall": 0.106,
    "no-show": 0.04,
    "requeue": 0.029,
    "transfer": 0.037,
    "park": 0.017,
    "callback": 0.017,
    "start": 0.99,
    "conclude": 0.99,
    "rating": 0.79,
}


@dataclass
class Tally:
    """CPU seconds, jobs, transactions and refusals per job type."""

    cpu: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    jobs: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    batches: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    core: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # Core statements run
    per_job: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # by phase
    # PostgreSQL: the writer's server process (its backend) per job, by phase
    backend: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, kind: str, cpu: float, jobs: int) -> None:
        """One phase's CPU seconds for ``jobs`` jobs of ``kind``."""
        self.cpu[kind] += cpu
        self.jobs[kind] += jobs
        if jobs:
            self.per_job[kind].append(cpu / jobs)

    def median(self, kind: str) -> float:
        """The median phase's CPU seconds per job: a burst of the box's other work moves it least."""
        return statistics.median(self.per_job[kind])

    def backend_median(self, kind: str) -> float | None:
        """The same for the writer's PostgreSQL backend (None on SQLite, or for a read)."""
        return statistics.median(self.backend[kind]) if self.backend[kind] else None


@dataclass
class Bench:
    """The runtime, its hall's actors and the writer thread's CPU clock."""

    runtime: Runtime
    hall_id: int
    kiosk: Actor
    clerks: dict[str, Actor]
    pads: dict[str, Actor]
    services: dict[str, list[str]]
    in_flight: int
    tally: Tally = field(default_factory=Tally)
    recalled: set[str] = field(default_factory=set)  # the hall caps a ticket's recalls
    core_statements: int = 0  # SQLAlchemy Core statements the writer's engine ran so far
    backend_pid: int | None = None  # PostgreSQL: the server process of the writer's connection

    def __post_init__(self) -> None:
        def counted(*_args: Any) -> None:
            self.core_statements += 1

        event.listen(self.runtime.write_engine, "before_execute", counted)

    def writer_cpu(self) -> float:
        """The writer thread's own CPU seconds so far."""
        thread = self.runtime.writer._thread  # type: ignore[attr-defined]  # the benchmark looks inside
        return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))

    def backend_cpu(self) -> float:
        """The writer's PostgreSQL backend's CPU seconds so far (the kernel's nanosecond count in
        /proc: the cluster runs on this machine), 0 on SQLite."""
        if self.backend_pid is None:
            return 0.0
        return int(Path(f"/proc/{self.backend_pid}/schedstat").read_text().split()[0]) / 1e9

    async def phase(self, kind: str, calls: list[Callable[[], Awaitable[Any]]]) -> list[Any]:
        """Run ``calls`` (writer jobs of one type), ``in_flight`` at a time; their results (None
        for a refusal), the writer's CPU and transactions counted for ``kind``."""
        gate = asyncio.Semaphore(self.in_flight)

        async def one(call: Callable[[], Awaitable[Any]]) -> Any:
            async with gate:
                try:
                    return await call()
                except DomainError:
                    self.tally.refused[kind] += 1
                    return None

        writer = self.runtime.writer
        cpu, batches, core = self.writer_cpu(), writer.batches, self.core_statements
        backend = self.backend_cpu()
        results = await asyncio.gather(*(one(call) for call in calls))
        self.tally.core[kind] += self.core_statements - core
        self.tally.add(kind, self.writer_cpu() - cpu, len(calls))
        if self.backend_pid is not None and calls:
            self.tally.backend[kind].append((self.backend_cpu() - backend) / len(calls))
        self.tally.batches[kind] += writer.batches - batches
        return list(results)

    def write(self, handler: Callable[[UnitOfWork], Any]) -> Callable[[], Awaitable[Any]]:
        return lambda: self.runtime.write(handler, self.hall_id)


def prepare(url: str, windows: int, in_flight: int) -> Bench:
    """Import the hall, make its tokens and read back the actors they speak for."""
    runtime = build_runtime(ServerSettings(db=url))
    data = catalogue(windows)
    runtime.write_sync(lambda uow: import_catalogue(uow, CatalogueFile.model_validate(data)))

    def actor(role: c.Role, window: str | None = None) -> Actor:
        token = runtime.write_sync(
            lambda uow: create_token(uow, runtime.tokens, hall="big", role=role, window=window)
        )
        found = runtime.read_sync(lambda uow: runtime.tokens.lookup(uow.stores.sessions, token))
        assert found is not None
        return found

    numbers = [w["number"] for w in data["windows"]]
    kiosk = actor(c.Role.KIOSK)
    return Bench(
        runtime=runtime,
        hall_id=kiosk.hall_id,
        kiosk=kiosk,
        clerks={n: actor(c.Role.CLERK, n) for n in numbers},
        pads={n: actor(c.Role.EVALUATOR, n) for n in numbers},
        services={w["number"]: [s["service"] for s in w["services"]] for w in data["windows"]},
        in_flight=in_flight,
    )


async def cycle(bench: Bench, numbers: list[str]) -> None:
    """One ticket per window through a life chosen by the window's number."""
    kiosk, clerks, w = bench.kiosk, bench.clerks, bench.write

    def issuing(service: str) -> Callable[[UnitOfWork], Any]:
        command = c.IssueTicket(service_code=service)
        return lambda uow: issue.issue_ticket(uow, kiosk, command, "kiosk")

    def action(name: str, number: str) -> Callable[[], Awaitable[Any]]:
        handler = getattr(desk, name)
        return w(lambda uow: handler(uow, clerks[number], number))

    await bench.phase("issue", [w(issuing(bench.services[n][0])) for n in numbers])
    called = await bench.phase("call-next", [action("call_next", n) for n in numbers])
    held = [n for n, r in zip(numbers, called, strict=True) if r is not None and r.ticket is not None]
    tickets = {n: r.ticket.number for n, r in zip(numbers, called, strict=True) if n in held}
    fresh = [n for n in held if tickets[n] not in bench.recalled]  # a ticket called again: once
    bench.recalled.update(tickets[n] for n in fresh)
    await bench.phase("recall", [action("recall", n) for n in fresh])
    lives: dict[int, list[str]] = defaultdict(list)
    for n in held:
        lives[int(n) % 5].append(n)
    await bench.phase("no-show", [action("no_show", n) for n in lives[0]])
    requeue = {n: c.Requeue(ticket=tickets[n], places_back=0) for n in lives[0]}
    await bench.phase(
        "requeue",
        [w(lambda uow, n=n: desk.requeue(uow, clerks[n], n, requeue[n])) for n in lives[0]],
    )

    def transfer(n: str) -> c.Transfer:
        return c.Transfer(to_service=bench.services[n][1], reason="转办", keep_place=True)

    await bench.phase(
        "transfer", [w(lambda uow, n=n: desk.transfer(uow, clerks[n], n, transfer(n))) for n in lives[1]]
    )
    await bench.phase("park", [action("park", n) for n in lives[2]])
    back = {n: c.Callback(ticket=tickets[n]) for n in lives[2]}
    await bench.phase(
        "callback", [w(lambda uow, n=n: desk.callback(uow, clerks[n], n, back[n])) for n in lives[2]]
    )
    served = lives[2] + lives[3] + lives[4]
    await bench.phase("start", [action("start", n) for n in served])
    await bench.phase(
        "conclude", [w(lambda uow, n=n: desk.conclude(uow, clerks[n], n, None)) for n in served]
    )
    pending = pending_reads(bench, served)
    level = c.RateEvaluation(level=c.EvaluationLevel.SATISFIED)
    await bench.phase(
        "rating",
        [w(lambda uow, n=n, e=e: ratings.rate(uow, bench.pads[n], e, level)) for n, e in pending.items()],
    )


def pending_reads(bench: Bench, numbers: list[str]) -> dict[str, int]:
    """The pads' question for their window's pending evaluation, read on this thread (a reader's
    work, as the route's worker thread does it); its CPU counted for the reads."""
    found: dict[str, int] = {}
    started = time.thread_time()
    for n in numbers:
        view = bench.runtime.read_sync(lambda uow, n=n: pending_at_window(uow, bench.pads[n], n))
        if view is not None:
            found[n] = view.id
    bench.tally.add("pending-evaluation", time.thread_time() - started, len(numbers))
    return found


async def drive(bench: Bench, cycles: int, warm: int, backlog: int) -> None:
    bench.runtime.hub.bind(asyncio.get_running_loop())  # as the app does: the writer hands events on
    if bench.runtime.write_engine.dialect.name == "postgresql":
        ask = "SELECT pg_backend_pid()"
        bench.backend_pid = await bench.write(lambda uow: uow.stores.conn.exec_driver_sql(ask).scalar_one())()
    numbers = list(bench.clerks)
    kiosk = bench.kiosk
    for start in range(0, backlog, len(numbers)):  # the queue a call moves (each ticket hears of it)
        commands = [c.IssueTicket(service_code=bench.services[n][0]) for n in numbers[: backlog - start]]
        await bench.phase(
            "backlog",
            [
                bench.write(lambda uow, cmd=cmd: issue.issue_ticket(uow, kiosk, cmd, "kiosk"))
                for cmd in commands
            ],
        )
    await bench.phase(
        "open", [bench.write(lambda uow, n=n: desk.open_window(uow, bench.clerks[n], n)) for n in numbers]
    )
    for _ in range(warm):  # caches filled, statements compiled: not counted
        await cycle(bench, numbers)
    bench.tally = Tally()
    for _ in range(cycles):
        await cycle(bench, numbers)


def thread_times(native_id: int) -> tuple[float, float]:
    """A thread of this process's user and system CPU seconds (from /proc)."""
    fields = Path(f"/proc/self/task/{native_id}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def profiled(bench: Bench) -> cProfile.Profile:
    """Profile the writer thread's batches (``--profile``): the writer's own work only."""
    profile = cProfile.Profile(time.thread_time)  # CPU, not the wall (a commit waits for the disk)
    writer: Any = bench.runtime.writer
    run_batch = writer._run_batch

    def batch(conn: Any, jobs: list[Any]) -> None:
        profile.enable()
        try:
            run_batch(conn, jobs)
        finally:
            profile.disable()

    writer._run_batch = batch
    return profile


def run(kind: str, url: str, args: argparse.Namespace) -> None:
    heading(
        f"writer thread CPU per job, {kind}: {args.windows} windows, {args.cycles} cycles, "
        f"{args.in_flight} in flight"
    )
    bench = prepare(url, args.windows, args.in_flight)
    profile = profiled(bench) if args.profile else None
    bench.runtime.start()
    load = os.getloadavg()
    started = time.perf_counter()
    try:
        asyncio.run(drive(bench, args.cycles, args.warm, args.backlog))
        user, system = thread_times(bench.runtime.writer._thread.native_id)  # type: ignore[attr-defined]
    finally:
        bench.runtime.stop()
        bench.runtime.write_engine.dispose()
        bench.runtime.read_engine.dispose()
    wall = time.perf_counter() - started
    if profile is not None:
        pstats.Stats(profile).sort_stats(args.profile).print_stats(40)
    summary(kind, bench.tally)
    print(f"writer thread, whole run: {user:.2f} s user, {system:.2f} s system CPU")
    writer = bench.runtime.writer  # type: ignore[attr-defined]  # the benchmark looks inside
    reruns = getattr(writer, "reruns", 0)
    print(f"batches rolled back whole for a failed job and run again: {reruns} of {writer.batches}")
    print(f"load average {load[0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end; wall {wall:.1f} s")


def summary(kind: str, tally: Tally) -> None:
    """Per job type: the median phase's CPU per job, then the mean, transactions and Core
    statements; last, a ticket's whole life in the replayed day's mix."""
    life = backend_life = 0.0
    for name in KINDS:
        jobs = tally.jobs[name]
        if not jobs:
            continue
        median = tally.median(name)
        life += median * DAY_MIX.get(name, 0.0)
        extra = f"mean {tally.cpu[name] / jobs * 1e6:.1f} µs"
        batches = tally.batches[name]
        if batches:
            extra += f", {jobs / batches:.1f} jobs a transaction"
            extra += f", {tally.core[name] / jobs:.1f} Core statements a job"
        else:
            extra += ", a read, on the reading thread"
        if tally.refused[name]:
            extra += f", {tally.refused[name]} refused"
        backend = tally.backend_median(name)
        if backend is not None:
            backend_life += backend * DAY_MIX.get(name, 0.0)
            extra += f"; its PostgreSQL backend {backend * 1e6:.1f} µs"
        report(f"{kind} {name}", median * 1e6, "µs CPU/job", None, None)
        print(f"{'':<36}({extra})")
    report(f"{kind} a ticket's life, day's mix", life * 1e6, "µs CPU", None, None)
    if backend_life:
        report(f"{kind} the same, writer's backend", backend_life * 1e6, "µs CPU", None, None)
        report(f"{kind} the same, writer + backend", (life + backend_life) * 1e6, "µs CPU", None, None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--windows", type=int, default=40)
    parser.add_argument("--cycles", type=int, default=25)
    parser.add_argument("--warm", type=int, default=2, help="cycles run first and not counted")
    parser.add_argument("--backlog", type=int, default=400, help="tickets left waiting throughout")
    parser.add_argument("--in-flight", type=int, default=4, help="jobs waiting for the writer at once")
    parser.add_argument("--profile", metavar="SORT", help="cProfile the writer's batches (tottime, cumtime)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args(argv)
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="hallq-writer-") as folder:
            run("sqlite", str(Path(folder) / "writer.db"), args)
    if not args.no_postgres:
        from tests.support.postgres import PostgresCluster, create_database

        with PostgresCluster() as cluster:
            run("postgresql", create_database(cluster.url, "hallq_writer"), args)


if __name__ == "__main__":
    main()
