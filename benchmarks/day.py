"""A day of a big hall replayed through the API as fast as the server allows, with the invariants checked.

    .venv/bin/python -m benchmarks.day [--tickets 10000] [--windows 223] [--no-postgres]
                                       [--pg-tickets 2000] [--pg-halls 20] [--pg-hall-windows 20]
                                       [--processes 1,2,4] [--repeat 3] [--no-sqlite] [--no-pg-one-hall]

SQLite: one ``hallq serve`` process, one hall of ``--windows`` windows (the 223-window hall of
``benchmarks.report``: 5 zones, 60 services, 3 services a window), ``--tickets`` tickets. PostgreSQL
(a throwaway cluster): the same hall on one process, then ``--pg-halls`` halls of
``--pg-hall-windows`` windows (20 of 20) on each count of ``--processes`` (1, 2, 4), each hall
driven through the process that owns it (hall h on process h mod N), ``--pg-tickets`` tickets in
all. Every process may still write any hall: the writers lock the halls they act for in one order
(``queue_server/adapters/pg_locks.py``, ``docs/scaling.md``), so the split only keeps them off each
other's halls.

Kiosks and windows run concurrently (asyncio + a lean keep-alive HTTP client,
``benchmarks.lean_http``, in this process, on the same cores): 8 kiosk loops (at least 4 a hall)
issue tickets (10 % priority, 绿色通道) while fewer than ``--backlog`` wait per hall; every window loops
call-next and then, by chance, recall (10 %), no-show (4 %, most requeued later: 过号召回), transfer to
another service keeping its place (3 %), park and call back (2 %), or start and conclude; after 80 %
of conclusions the window's evaluator pad fetches its pending evaluation and rates it (the rest
expire unrated through the housekeeping); 30 % of citizens open their ticket's status page once. The
rating timeout is 120 s, so expiries happen during the replay.

Printed: wall time, requests/s, server CPU per request (utime + stime of every server process from
/proc, over all requests), p50/p99 per request type, the 5xx count, call-next p99 in the first and
the last tenth of the day, the longest writer job of the housekeeping (from the servers' logs), and
the invariants read from the database at the end: no replied ticket lost, no duplicate number, no
ticket called while another window held it, no window calling a service it does not serve. On
PostgreSQL also: deadlocks (``pg_stat_database``, besides the logs), PostgreSQL's own CPU per request
(the postmaster and its backends, from /proc), and the scaling ratio by throughput and by CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from benchmarks.common import HALLQ, free_port, heading, percentile, report, thread_cpu, thread_split
from benchmarks.lean_http import LeanClient, LeanHTTPError
from benchmarks.report import catalogue
from hallq.bootstrap import build_runtime
from queue_server import contract as c
from queue_server.config import ServerSettings
from queue_server.services.admin.accounts import create_token
from queue_server.services.admin.catalogue_file import CatalogueFile, import_catalogue

KIOSKS = 8  # kiosk loops in all, split over the halls
# ... but at least this many a hall: with one loop a hall the multi-hall day's 20 loops, each waiting
# for its issue's reply, set the pace, not the servers (1 and 2 processes on PostgreSQL both issued
# ~72 tickets/s with the CPU half idle), and a ratio of processes measured nothing.
KIOSKS_PER_HALL = 4
HOUSEKEEPING_LINE = re.compile(
    r"housekeeping of hall \d+: (\d+) items in (\d+) writer jobs, longest ([\d.]+) ms"
    r".*? CPU at most ([\d.]+) ms"
)
HOLD_WARNING = re.compile(r"housekeeping job '(.*?)' held the writer ([\d.]+) ms \(writer CPU ([\d.]+) ms\)")


# ------------------------------------------------------------------ the halls and the servers


@dataclass
class HallSetup:
    """A hall as the replay drives it: its code, services per window and its tokens."""

    code: str
    windows: dict[str, list[str]]  # window number -> service codes it serves
    kiosk: str = ""
    board: str = ""
    clerks: dict[str, str] = field(default_factory=dict)
    pads: dict[str, str] = field(default_factory=dict)


def prepare(url: str, halls: int, windows: int) -> list[HallSetup]:
    """Import ``halls`` halls of ``windows`` windows and make a kiosk, clerk and pad token per window."""
    runtime = build_runtime(ServerSettings(db=url))
    out = []
    for h in range(halls):
        data = catalogue(windows)
        code = "big" if halls == 1 else f"h{h:02d}"
        data["hall"] = {**data["hall"], "code": code, "name": f"{data['hall']['name']}{h}"}
        data["staff"] = [{**s, "staff_no": f"{code}{s['staff_no']}"} for s in data["staff"]]
        runtime.write_sync(lambda uow, d=CatalogueFile.model_validate(data): import_catalogue(uow, d))
        setup = HallSetup(code, {w["number"]: [s["service"] for s in w["services"]] for w in data["windows"]})

        def token(role: c.Role, window: str | None = None, code: str = code) -> str:
            return runtime.write_sync(
                lambda uow: create_token(uow, runtime.tokens, hall=code, role=role, window=window)
            )

        setup.kiosk = token(c.Role.KIOSK)
        setup.board = token(c.Role.BOARD)
        for number in setup.windows:
            setup.clerks[number] = token(c.Role.CLERK, number)
            setup.pads[number] = token(c.Role.EVALUATOR, number)
        out.append(setup)
    runtime.stop()
    runtime.write_engine.dispose()
    return out


@dataclass
class Servers:
    """``processes`` ``hallq serve`` processes on one database, each on its own port and log."""

    url: str
    processes: int
    workdir: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)

    def start(self) -> None:
        for n in range(self.processes):
            port = free_port()
            log = (self.workdir / f"server{n}.log").open("ab")
            self.procs.append(
                subprocess.Popen(
                    [HALLQ, "serve", "--db", self.url, "--port", str(port)],
                    cwd=self.workdir,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            self.ports.append(port)
        for port in self.ports:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            else:
                raise RuntimeError(f"server on {port} did not start; see {self.workdir}")

    def cpu_seconds(self) -> float:
        """User + system CPU of every server process so far."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for proc in self.procs:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def thread_cpu(self) -> dict[int, dict[int, float]]:
        """Each server's ``thread_cpu`` so far, by process id."""
        return {proc.pid: thread_cpu(proc.pid) for proc in self.procs}

    def writer_figures(self) -> dict[str, float]:
        """The writers' figures summed over the processes, from each one's /metrics."""
        wanted = (
            "hallq_writer_busy_seconds_total",
            "hallq_writer_batch_size_count",
            "hallq_writer_batch_size_sum",
            "hallq_writer_put_back_total",
            "hallq_writer_site_jobs_total",
            "hallq_writer_reruns_total",
        )
        found = dict.fromkeys(wanted, 0.0)
        for port in self.ports:
            for line in httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30).text.splitlines():
                name, _, value = line.partition(" ")
                if name in found:
                    found[name] += float(value)
        return found

    def logs(self) -> str:
        return "".join(
            (self.workdir / f"server{n}.log").read_text(errors="replace") for n in range(self.processes)
        )

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class PostgresCpu:
    """CPU seconds of a PostgreSQL cluster: the postmaster, its live backends and those reaped."""

    def __init__(self, data_dir: Path) -> None:
        self.postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])

    def seconds(self) -> float:
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # a backend that ended meanwhile: counted in the postmaster's children
                continue
            pid, parent = int(stat.parent.name), int(fields[1])
            if pid == self.postmaster:
                total += sum(int(f) for f in fields[11:15])  # its own and its reaped children's
            elif parent == self.postmaster:
                total += int(fields[11]) + int(fields[12])
        return total / tick


def pg_deadlocks(url: str) -> int:
    """Deadlocks PostgreSQL has detected in the database at ``url`` so far."""
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        ).scalar_one()
    engine.dispose()
    return int(found)


# ------------------------------------------------------------------ the replay


@dataclass
class Stats:
    """Every request's type, start (seconds into the replay), latency and status."""

    began: float = field(default_factory=time.perf_counter)
    samples: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    errors: int = 0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.samples.values())


@dataclass
class HallDay:
    """One hall's replay state, shared by its kiosk and window loops."""

    setup: HallSetup
    client: LeanClient
    stats: Stats
    tickets: int
    backlog: int
    rng: random.Random
    issued: dict[str, str] = field(default_factory=dict)  # number -> token, replied 201
    called_once: set[str] = field(default_factory=set)
    held: dict[str, str] = field(default_factory=dict)  # number -> window holding it (client view)
    # number -> window whose request to let it go (conclude, no-show, transfer, park) is in flight:
    # the server may already have committed it and another window called the ticket, its reply
    # reaching this client first. That is no double call; counted apart as ``crossed``.
    releasing: dict[str, str] = field(default_factory=dict)
    double_calls: int = 0
    crossed: int = 0
    issuing_done: bool = False
    served: set[str] = field(default_factory=set)
    # Tickets waiting per service as the clients know it: a clerk presses 下一位 when the console
    # shows someone waiting for the window, not in a blind loop (that would measure polling).
    waiting: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    owed: int = 0  # no-shows a window will requeue and parked tickets it will call back
    arrivals: int = 0  # tickets the clients have counted into ``waiting`` so far
    next_issue: int = 0

    def arrive(self, service: str) -> None:
        """A ticket joined ``service``'s queue as the clients know it (issued, requeued, transferred)."""
        self.waiting[service] += 1
        self.arrivals += 1

    def settled(self) -> bool:
        """The day's work is over: every ticket issued, none waiting as the clients know it, none
        held, being let go, parked or owed a requeue. Only then does a window go home: one that left
        as soon as it found nobody (the old rule) stranded a ticket transferred or requeued to its
        service later, and the hall's other windows then idled ~10 s before giving up, a tail that
        made the measured throughput bimodal (e.g. 68 against 99 tickets/s, same code)."""
        return (
            self.issuing_done
            and not self.held
            and not self.releasing
            and self.owed == 0
            and all(n <= 0 for n in self.waiting.values())
        )

    async def request(self, kind: str, method: str, path: str, token: str | None, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        began = time.perf_counter()
        try:
            response = await self.client.request(method, "/api/v1" + path, json=body, headers=headers)
        except LeanHTTPError:
            self.stats.errors += 1
            return None
        ended = time.perf_counter()
        self.stats.samples[kind].append((began - self.stats.began, ended - began))
        self.stats.statuses[response.status_code] += 1
        return response

    async def kiosk(self) -> None:
        services = sorted(self.served)
        while self.next_issue < self.tickets:
            if len(self.issued) - len(self.called_once) >= self.backlog:
                await asyncio.sleep(0.02)
                continue
            self.next_issue += 1
            body: dict[str, Any] = {"service_code": self.rng.choice(services)}
            if self.rng.random() < 0.10:
                body["priority_class"] = self.rng.choice(["elderly", "disabled", "pregnant", "military"])
            response = await self.request("issue", "POST", "/tickets", self.setup.kiosk, body)
            if response is not None and response.status_code == 201:
                ticket = response.json()
                self.issued[ticket["number"]] = ticket["token"]
                self.arrive(ticket["service_code"])
                if self.rng.random() < 0.30:
                    await self.request("ticket status", "GET", f"/tickets/{ticket['token']}", None)
        self.issuing_done = True

    async def window(self, number: str) -> None:
        clerk = self.setup.clerks[number]
        act = lambda kind, action, body=None: self.request(  # noqa: E731
            kind, "POST", f"/windows/{number}/{action}", clerk, body
        )
        await act("open", "open")
        no_shows: list[tuple[int, str, str]] = []
        mine = self.setup.windows[number]
        parked: list[str] = []
        calls = 0
        idle = quiet = 0
        while True:
            if no_shows and (no_shows[0][0] <= calls or idle):  # the late citizen came back: 过号召回
                _, late, service = no_shows.pop(0)
                self.owed -= 1
                await act("requeue", "requeue", {"ticket": late, "places_back": 3})
                self.arrive(service)
            if parked and (idle or self.rng.random() < 0.5):  # back with the missing papers
                late = parked.pop(0)
                self.owed -= 1
                back = await act("callback", "callback", {"ticket": late})
                if back is not None and back.status_code == 200:
                    self._hold(late, number)
                    await self._serve(number, late, act)
            reserved = next((s for s in mine if self.waiting[s] > 0), None)
            if reserved is None and not parked and not no_shows:
                # After the last issue a window goes home once the hall is settled, or after ~10 s
                # of knowing nothing for it while no window works (a count drifted by a refused
                # request; the server's queue is checked after the replay).
                busy = self.held or self.releasing or self.owed  # another window may still send work
                quiet = quiet + 1 if self.issuing_done and not busy else 0
                if self.settled() or quiet > 60:
                    return
                await asyncio.sleep(0.1 + 0.1 * self.rng.random())
                continue
            if reserved is not None:  # one waiting ticket counted for this window, not for all at once
                self.waiting[reserved] -= 1
            arrivals = self.arrivals
            response = await act("call-next", "call-next")
            if reserved is not None:
                self.waiting[reserved] += 1
            ticket = (
                response.json().get("ticket")
                if response is not None and response.status_code == 200
                else None
            )
            if ticket is None:  # nobody waits for this window
                idle += 1
                # After the last issue the console shows none for this window, unless a ticket
                # arrived (a requeue, a transfer) while the call was out: the server may have
                # answered before it, and zeroing the count then would strand it.
                if self.issuing_done and self.arrivals == arrivals:
                    for service in mine:
                        self.waiting[service] = min(self.waiting[service], 0)
                    continue
                # During the day: look again later, less and less often.
                await asyncio.sleep(min(2.0, 0.1 * 2**idle) * (0.5 + self.rng.random()))
                continue
            idle = 0
            calls += 1
            called = ticket["number"]
            self.waiting[ticket["service_code"]] -= 1
            self._hold(called, number)
            self.called_once.add(called)
            roll = self.rng.random()
            if roll < 0.10:
                await act("recall", "recall")
            if roll < 0.04:
                await self._release(called, number, act("no-show", "no-show"))
                if self.rng.random() < 0.7:
                    no_shows.append((calls + 3, called, ticket["service_code"]))
                    self.owed += 1
            elif roll < 0.07:
                to = self.rng.choice(sorted(self.served - {ticket["service_code"]}))
                body = {"to_service": to, "reason": "转办", "keep_place": True}
                await self._release(called, number, act("transfer", "transfer", body))
                self.arrive(to)
            elif roll < 0.09:
                await self._release(called, number, act("park", "park"))
                parked.append(called)
                self.owed += 1
            else:
                await self._serve(number, called, act)

    def _hold(self, called: str, number: str) -> None:
        """Window ``number`` was answered with ``called``: a double call if another window holds it."""
        if self.held.get(called, number) != number:
            self.double_calls += 1
        elif self.releasing.get(called, number) != number:
            self.crossed += 1
        self.held[called] = number

    async def _release(self, called: str, number: str, request: Any) -> Any:
        """Let ``called`` go from window ``number`` by ``request``: no longer held once it is sent (the
        server may commit it and another window call the ticket before this reply is read); held
        again if the server refused."""
        self.held.pop(called, None)
        self.releasing[called] = number
        try:
            response = await request
        finally:
            self.releasing.pop(called, None)
        if (response is None or response.status_code != 200) and called not in self.held:
            self.held[called] = number
        return response

    async def _serve(self, number: str, called: str, act: Any) -> None:
        await act("start", "start")
        await self._release(called, number, act("conclude", "conclude"))
        if self.rng.random() < 0.8:  # the citizen presses a key on the pad
            pad = self.setup.pads[number]
            pending = await self.request(
                "pending evaluation", "GET", f"/windows/{number}/pending-evaluation", pad
            )
            if pending is not None and pending.status_code == 200 and pending.json():
                level = self.rng.choice(["very_satisfied", "satisfied", "satisfied", "basically_satisfied"])
                await self.request(
                    "rating", "POST", f"/evaluations/{pending.json()['id']}/rating", pad, {"level": level}
                )


async def progress(stats: Stats, days: list[HallDay]) -> None:
    """A line every 30 s on stderr, so a long replay shows it is moving."""
    while True:
        await asyncio.sleep(30)
        issued = sum(len(d.issued) for d in days)
        called = sum(len(d.called_once) for d in days)
        elapsed = time.perf_counter() - stats.began
        print(
            f"  ... {elapsed:.0f} s: {issued} issued, {called} called, {stats.requests} requests",
            file=sys.stderr,
            flush=True,
        )


async def replay(
    halls: list[HallSetup], ports: list[int], tickets: int, backlog: int, seed: int
) -> tuple[Stats, list[HallDay]]:
    stats = Stats()
    rng = random.Random(seed)
    # The lean client: through httpx the replay spent ~4 ms of CPU per request on the server's cores.
    clients = [LeanClient("127.0.0.1", port, max_connections=96, timeout=60) for port in ports]
    days = []
    per_hall = tickets // len(halls)
    for h, setup in enumerate(halls):
        day = HallDay(setup, clients[h % len(clients)], stats, per_hall, backlog, random.Random(rng.random()))
        day.served = {s for served in setup.windows.values() for s in served}
        days.append(day)
    stats.began = time.perf_counter()
    tasks = []
    for day in days:
        tasks += [day.kiosk() for _ in range(max(KIOSKS_PER_HALL, KIOSKS // len(days)))]
        tasks += [day.window(n) for n in day.setup.windows]
    monitor = asyncio.ensure_future(progress(stats, days))
    await asyncio.gather(*tasks)
    monitor.cancel()
    for client in clients:
        await client.aclose()
    return stats, days


# ------------------------------------------------------------------ the invariants


def invariants(url: str, days: list[HallDay]) -> dict[str, int]:
    """Read the database: replied tickets lost, duplicate numbers, double calls, wrong windows."""
    engine = create_engine(url if "://" in url else f"sqlite:///{url}")
    found: dict[str, int] = {}
    with engine.connect() as conn:
        halls = dict(conn.execute(text("SELECT code, id FROM halls")).all())
        lost = 0
        for day in days:
            hall_id = halls[day.setup.code]
            stored = dict(
                conn.execute(
                    text("SELECT token, number FROM tickets WHERE hall_id = :h"), {"h": hall_id}
                ).all()
            )
            lost += sum(1 for number, token in day.issued.items() if stored.get(token) != number)
        found["replied tickets lost"] = lost
        found["duplicate numbers"] = conn.execute(
            text(
                "SELECT count(*) - count(DISTINCT hall_id || '/' || business_day || '/' || prefix || '/' "
                "|| seq) FROM tickets"
            )
        ).scalar_one()
        serves = {
            (r.window_id, r.service_id)
            for r in conn.execute(text("SELECT window_id, service_id FROM assignments"))
        }
        holder: dict[int, int] = {}
        double = wrong = 0
        for r in conn.execute(
            text(
                "SELECT ticket_id, window_id, service_id, type FROM events WHERE ticket_id IS NOT NULL "
                "AND type IN ('ticket.called', 'ticket.called_back', 'ticket.no_show', 'ticket.transferred', "
                "'ticket.parked', 'ticket.concluded', 'ticket.expired', 'ticket.cancelled') ORDER BY id"
            )
        ):
            if r.type in ("ticket.called", "ticket.called_back"):
                if r.ticket_id in holder:
                    double += 1
                holder[r.ticket_id] = r.window_id
                if r.type == "ticket.called" and (r.window_id, r.service_id) not in serves:
                    wrong += 1
            else:
                holder.pop(r.ticket_id, None)
        found["tickets called while held elsewhere"] = double
        found["calls of a service the window does not serve"] = wrong
        found["double calls seen by the clients"] = sum(d.double_calls for d in days)
        # Context: a call answered while its former window's release was still in flight.
        found["calls crossing their release's reply"] = sum(d.crossed for d in days)
        found["tickets still waiting at the end"] = conn.execute(
            text("SELECT count(*) FROM tickets WHERE status = 'waiting'")
        ).scalar_one()
    engine.dispose()
    return found


# ------------------------------------------------------------------ one run


def run(
    label: str,
    url: str,
    workdir: Path,
    processes: int,
    halls: int,
    windows: int,
    args: argparse.Namespace,
    tickets: int,
    pg: PostgresCpu | None = None,
) -> dict[str, float]:
    heading(f"{label}: {halls} hall(s) x {windows} windows, {tickets:,} tickets, {processes} process(es)")
    setups = prepare(url, halls, windows)
    rundir = Path(tempfile.mkdtemp(prefix="run-", dir=workdir))  # each run's own server logs
    servers = Servers(url, processes, rundir)
    servers.start()
    try:
        cpu_before = servers.cpu_seconds()
        threads_before = servers.thread_cpu()
        pg_before = pg.seconds() if pg else 0.0
        deadlocks_before = pg_deadlocks(url) if pg else 0
        started = time.perf_counter()
        client_before = time.process_time()
        load = os.getloadavg()[0]
        stats, days = asyncio.run(replay(setups, servers.ports, tickets, args.backlog, args.seed))
        wall = time.perf_counter() - started
        client_cpu = time.process_time() - client_before
        cpu = servers.cpu_seconds() - cpu_before
        threads = servers.thread_cpu()
        writers = servers.writer_figures()
        pg_cpu = pg.seconds() - pg_before if pg else 0.0
        pg_deadlocked = pg_deadlocks(url) - deadlocks_before if pg else 0
        logs = servers.logs()
    finally:
        servers.stop()
    requests = stats.requests
    issued = sum(len(d.issued) for d in days)
    report("wall time", wall, "s", None, None)
    report("requests", requests, "requests", None, None)
    report("tickets issued", issued, "tickets", None, None)
    report("requests/s", requests / wall, "req/s", None, None)
    report("tickets/s", issued / wall, "tickets/s", None, None)
    report(
        "server CPU per request",
        cpu / max(requests, 1) * 1000,
        "ms",
        "<= 0.9 ms",
        cpu / max(requests, 1) <= 0.0009,
    )
    report("load (1 min) at start / end", f"{load:.2f} / {os.getloadavg()[0]:.2f}", "", None, None)
    # Per thread (/proc/PID/task): the event loop is each process's main thread; the busiest of the
    # others is the writer; the rest (the reader, worker threads, ones that ended) is what remains.
    split = [thread_split(pid, threads_before.get(pid, {}), after) for pid, after in threads.items()]
    loop_cpu = sum(main for main, _busiest in split)
    busiest = sum(busiest for _main, busiest in split)
    per = 1000 / max(requests, 1)
    report("  event loop thread CPU per request", loop_cpu * per, "ms", None, None)
    report("  busiest other thread (writer) CPU/request", busiest * per, "ms", None, None)
    report("  every other thread CPU per request", (cpu - loop_cpu - busiest) * per, "ms", None, None)
    report("replay client CPU per request", client_cpu / max(requests, 1) * 1000, "ms", None, None)
    if pg:
        report("PostgreSQL CPU per request", pg_cpu / max(requests, 1) * 1000, "ms", None, None)
        report("deadlocks (pg_stat_database)", pg_deadlocked, "", "0", pg_deadlocked == 0)
    # Where the time goes: how busy each process's single writer was, and its batches.
    busy = writers["hallq_writer_busy_seconds_total"] / processes / wall
    report("writer busy (mean of the processes)", busy * 100, "% of wall", None, None)
    batches = writers["hallq_writer_batch_size_count"]
    report(
        "jobs per writer transaction",
        writers["hallq_writer_batch_size_sum"] / max(batches, 1),
        "",
        None,
        None,
    )
    report("jobs put back for a busy hall", writers["hallq_writer_put_back_total"], "", None, None)
    report("jobs that locked the whole site", writers["hallq_writer_site_jobs_total"], "", None, None)
    report("batches run again for a failed job", writers["hallq_writer_reruns_total"], "", None, None)
    fivexx = sum(n for code, n in stats.statuses.items() if code >= 500)
    report("5xx replies", fivexx, "replies", "0", fivexx == 0)
    report("transport errors", stats.errors, "requests", "0", stats.errors == 0)
    refused = ", ".join(f"{code}: {n}" for code, n in sorted(stats.statuses.items()) if 400 <= code < 500)
    report("4xx replies (refusals, by status)", refused or "none", "", None, None)
    for kind in sorted(stats.samples):
        latencies = [s[1] * 1000 for s in stats.samples[kind]]
        report(
            f"  {kind} p50/p99 n={len(latencies)}",
            f"{percentile(latencies, 50):.1f} / {percentile(latencies, 99):.1f}",
            "ms",
            None,
            None,
        )
    calls = sorted(stats.samples["call-next"])
    tenth = max(1, len(calls) // 10)
    first = percentile([s[1] * 1000 for s in calls[:tenth]], 99)
    last = percentile([s[1] * 1000 for s in calls[-tenth:]], 99)
    report("call-next p99, first tenth of the day", first, "ms", None, None)
    report("call-next p99, last tenth of the day", last, "ms", "<= 2x first", last <= 2 * first)
    rounds = [(int(m[0]), int(m[1]), float(m[2]), float(m[3])) for m in HOUSEKEEPING_LINE.findall(logs)]
    warned = [(float(m[1]), float(m[2]), m[0]) for m in HOLD_WARNING.findall(logs)]
    longest = max([r[2] for r in rounds] + [w[0] for w in warned] + [0.0])
    longest_cpu = max([r[3] for r in rounds] + [w[1] for w in warned] + [0.0])
    report("housekeeping rounds that did work", len(rounds), "rounds", None, None)
    items, jobs = sum(r[0] for r in rounds), sum(r[1] for r in rounds)
    report("  items / writer jobs", f"{items} / {jobs}", "", None, None)
    report("  jobs over 20 ms of wall time", len(warned), "jobs", None, None)
    if warned:
        heaviest = max(warned, key=lambda w: w[1])
        report("  the most writer CPU of those", f"{heaviest[1]:.1f} ms ({heaviest[2]})", "", None, None)
    report("longest housekeeping job, wall", longest, "ms", None, None)
    report("longest housekeeping job, writer CPU", longest_cpu, "ms", "<= 20 ms", longest_cpu <= 20)
    deadlocks = logs.count("deadlock detected")
    report("deadlocks in the server logs", deadlocks, "", "0", deadlocks == 0)
    for name, value in invariants(url, days).items():
        target = None if name.startswith(("tickets still", "calls crossing")) else "0"
        report(name, value, "", target, None if target is None else value == 0)
    return {
        "wall": wall,
        "requests": requests,
        "tickets_per_s": issued / wall,
        "cpu_per_request": (cpu + pg_cpu) / max(requests, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--windows", type=int, default=223)
    parser.add_argument("--backlog", type=int, default=600, help="kiosks pause while this many wait per hall")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--pg-tickets", type=int, default=2_000)
    parser.add_argument("--pg-halls", type=int, default=20)
    parser.add_argument("--pg-hall-windows", type=int, default=20, help="windows of each hall (multi-hall)")
    parser.add_argument("--processes", "--pg-processes", dest="pg_processes", default="1,2,4")
    parser.add_argument("--no-pg-one-hall", action="store_true", help="skip the one big hall on PostgreSQL")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each process count, alternating; the best compared"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("HALLQ_SECRET_KEY", secrets.token_hex(32))  # the same key for servers and tokens
    print(
        f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}", flush=True
    )
    with tempfile.TemporaryDirectory(prefix="hallq-day-") as folder:
        workdir = Path(folder)
        if not args.no_sqlite:
            run("SQLite", str(workdir / "day.db"), workdir, 1, 1, args.windows, args, args.tickets)
        if not args.no_postgres:
            from tests.support.postgres import PostgresCluster, create_database

            with PostgresCluster() as cluster:
                pg = PostgresCpu(cluster.data_dir)
                if not args.no_pg_one_hall:
                    url = create_database(cluster.url, "hallq_day_one")
                    run("PostgreSQL, one hall", url, workdir, 1, 1, args.windows, args, args.pg_tickets, pg)
                per_hall = args.pg_hall_windows
                # Each process count runs --repeat times, alternating (1, 2, 4, 1, 2, 4, ...): this
                # box's speed drifts by a quarter over minutes (the replay client's own CPU per
                # request moves with it), so one run of each compares two different machines.
                # The best run of each count is compared; every run is printed above.
                counts = [int(p) for p in args.pg_processes.split(",")]
                results: dict[int, list[dict[str, float]]] = defaultdict(list)
                for i, n in enumerate(counts * args.repeat):
                    url = create_database(cluster.url, f"hallq_day_{i}_{n}")
                    results[n].append(
                        run(
                            "PostgreSQL, multi-hall",
                            url,
                            workdir,
                            n,
                            args.pg_halls,
                            per_hall,
                            args,
                            args.pg_tickets,
                            pg,
                        )
                    )
                heading(f"PostgreSQL scaling (multi-hall day, best of {args.repeat} alternating runs)")
                best = {n: max(runs, key=lambda r: r["tickets_per_s"]) for n, runs in results.items()}
                one = best[min(best)]
                for n, result in best.items():
                    every = " / ".join(f"{r['tickets_per_s']:.1f}" for r in results[n])
                    report(f"  tickets/s of {n}, each run", every, "", None, None)
                    ratio = result["tickets_per_s"] / one["tickets_per_s"]
                    target = ">= 1.6x" if n == 2 else None
                    report(
                        f"{n} processes / 1 process",
                        ratio,
                        "x",
                        target,
                        None if target is None else ratio >= 1.6,
                    )
                    # The machine is shared: the CPU (servers + PostgreSQL) a request costs with N
                    # processes against one. Near 1.0 means the extra processes add no work per
                    # request, so throughput grows with the cores they are given.
                    cost = result["cpu_per_request"] / one["cpu_per_request"]
                    report(f"  CPU per request, {n} / 1", cost, "x", None, None)
    print(
        f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}", flush=True
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
