"""Ticket issue: throughput and latency under wrk, numbering consistency, and no loss on kill -9.

Part 1 drives ``POST /api/v1/tickets`` with wrk (keep-alive, 8 connections, 2 threads) and then
checks the SQLite file: no duplicate numbers, no gaps in any (prefix, day) sequence, one
``ticket.issued`` event per ticket. Part 2 issues tickets from 8 asyncio clients, SIGKILLs the
server mid-stream, restarts it on the same file and looks up every ticket whose 201 reply had
been fully received: a reply must never be sent for a ticket that can still be lost.

    .venv/bin/python -m benchmarks.issue [--seconds 15] [--kill-cycles 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.common import (
    CORES_NOTE,
    RESULTS,
    Server,
    auth,
    failures,
    finish,
    heading,
    report,
    show_log_problems,
    thread_cpu,
    thread_split,
)
from benchmarks.outbox import server_cpu

SERVICE_CODES = ("RS001", "YB001", "GA001", "BDC001", "JJ001", "GJ001")  # prefixes A, A, C, B, D, H

LUA = """
local codes = {%(codes)s}
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"

request = function()
  counter = counter + 1
  local code = codes[(counter %% #codes) + 1]
  return wrk.format(nil, nil, nil, '{"service_code": "' .. code .. '"}')
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKSUMMARY requests=%%d duration_us=%%d status=%%d connect=%%d read=%%d write=%%d " ..
    "timeout=%%d p99_us=%%d\\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(99)))
end
"""

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


@dataclass
class WrkResult:
    """What wrk printed."""

    requests_per_s: float
    p99_ms: float
    requests: int
    duration_s: float
    non_2xx: int
    socket_errors: int
    text: str


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unknown wrk duration {text!r}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def parse_wrk(text: str) -> WrkResult:
    """Requests/s, the p99 from the ``--latency`` distribution, and the error counts."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p99 = re.search(r"^\s*99%\s+(\S+)", text, re.MULTILINE)
    summary = re.search(r"WRKSUMMARY (.*)", text)
    if not (rps and p99 and summary):
        raise RuntimeError(f"could not parse wrk output:\n{text}")
    fields = dict(item.split("=") for item in summary.group(1).split())
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    return WrkResult(
        requests_per_s=float(rps.group(1)),
        p99_ms=_ms(p99.group(1)),
        requests=int(fields["requests"]),
        duration_s=int(fields["duration_us"]) / 1e6,
        non_2xx=max(int(non_2xx.group(1)) if non_2xx else 0, int(fields["status"])),
        socket_errors=sum(int(fields[k]) for k in ("connect", "read", "write", "timeout")),
        text=text,
    )


# ------------------------------------------------------------------ database checks


@dataclass
class Consistency:
    """The numbering and event checks on the SQLite file."""

    tickets: int
    distinct_numbers: int
    gaps: int
    bad_starts: int
    counter_mismatch: int
    issued_events: int
    tickets_without_event: int
    tickets_with_extra_events: int
    sequences: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return self.tickets - self.distinct_numbers


def check_database(db: Path) -> Consistency:
    """Count duplicates, gaps and missing events directly in the SQLite file (read-only)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        one = conn.execute
        tickets = one("SELECT count(*) FROM tickets").fetchone()[0]
        distinct = one(
            "SELECT count(*) FROM (SELECT DISTINCT hall_id, business_day, prefix, seq FROM tickets)"
        ).fetchone()[0]
        per_sequence = one(
            "SELECT hall_id, business_day, prefix, count(DISTINCT seq), min(seq), max(seq) "
            "FROM tickets GROUP BY hall_id, business_day, prefix ORDER BY business_day, prefix"
        ).fetchall()
        gaps = sum(high - low + 1 - n for _h, _d, _p, n, low, high in per_sequence)
        bad_starts = sum(1 for *_rest, low, _high in per_sequence if low != 1)
        counters = {
            (hall, day, name.removeprefix("prefix:")): value
            for hall, name, day, value in one(
                "SELECT hall_id, name, day, value FROM counters WHERE name LIKE 'prefix:%'"
            )
        }
        counter_mismatch = sum(
            1 for hall, day, prefix, *_n, high in per_sequence if counters.get((hall, day, prefix)) != high
        )
        issued = one("SELECT count(*) FROM events WHERE type = 'ticket.issued'").fetchone()[0]
        without = one(
            "SELECT count(*) FROM tickets t WHERE NOT EXISTS "
            "(SELECT 1 FROM events e WHERE e.ticket_id = t.id AND e.type = 'ticket.issued')"
        ).fetchone()[0]
        extra = one(
            "SELECT count(*) FROM (SELECT ticket_id FROM events WHERE type = 'ticket.issued' "
            "GROUP BY ticket_id HAVING count(*) > 1)"
        ).fetchone()[0]
        return Consistency(
            tickets=tickets,
            distinct_numbers=distinct,
            gaps=gaps,
            bad_starts=bad_starts,
            counter_mismatch=counter_mismatch,
            issued_events=issued,
            tickets_without_event=without,
            tickets_with_extra_events=extra,
            sequences=[(day, prefix, n) for _h, day, prefix, n, _lo, _hi in per_sequence],
        )
    finally:
        conn.close()


def report_consistency(found: Consistency, label: str = "") -> None:
    """The duplicate / gap / event figures."""
    report(f"{label}tickets in database", found.tickets, "tickets", None, None)
    report(f"{label}duplicate numbers", found.duplicates, "", "== 0", found.duplicates == 0)
    gaps_ok = found.gaps == 0 and found.bad_starts == 0
    report(f"{label}gaps in sequences", found.gaps + found.bad_starts, "", "== 0", gaps_ok)
    report(
        f"{label}counter != max(seq)",
        found.counter_mismatch,
        "sequences",
        "== 0",
        found.counter_mismatch == 0,
    )
    events_ok = (
        found.issued_events == found.tickets
        and found.tickets_without_event == 0
        and found.tickets_with_extra_events == 0
    )
    report(f"{label}ticket.issued events", found.issued_events, "events", f"== {found.tickets}", events_ok)
    if not events_ok:
        print(
            f"    tickets without an event: {found.tickets_without_event}; "
            f"tickets with several: {found.tickets_with_extra_events}"
        )


# ------------------------------------------------------------------ part 1: wrk


def run_wrk(args: argparse.Namespace) -> None:
    heading(
        f"ticket issue with wrk: {args.connections} connections, {args.threads} threads, "
        f"keep-alive, {args.seconds:.0f} s"
    )
    print(CORES_NOTE)
    wrk = shutil.which("wrk")
    if wrk is None:
        report("wrk installed", "no", "", "yes", False)
        return
    since = len(RESULTS)
    server = Server().start()
    try:
        if not args.keep_caps:
            old = server.lift_daily_caps()
            print(f"demo hall daily caps ({old} tickets/day in all) lifted for the load test (--keep-caps)")
        token = server.token("kiosk")
        script = server.workdir / "issue.lua"
        codes = ", ".join(f'"{code}"' for code in SERVICE_CODES)
        script.write_text(LUA % {"codes": codes, "token": token}, encoding="utf-8")
        print(f"services cycled: {', '.join(SERVICE_CODES)}")
        command = [
            wrk,
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{args.seconds:g}s",
            "--latency",
            "--timeout",
            "5s",
            "-s",
            str(script),
            f"{server.base_url}/api/v1/tickets",
        ]
        rss_before = server.rss_mb()
        cpu_before = server_cpu(server)
        threads_before = thread_cpu(server.pid)
        load = os.getloadavg()[0]
        done = subprocess.run(command, capture_output=True, text=True, timeout=args.seconds + 60)
        cpu = server_cpu(server) - cpu_before
        loop_cpu, writer_cpu = thread_split(server.pid, threads_before, thread_cpu(server.pid))
        rss_after = server.rss_mb()
        if done.returncode != 0:
            print(done.stdout, done.stderr)
            report("wrk ran", "no", "", "yes", False)
            return
        result = parse_wrk(done.stdout)
        if args.verbose:
            print(done.stdout)
        ok_requests = result.requests - result.non_2xx
        tickets_per_s = ok_requests / result.duration_s
        report("issue throughput", tickets_per_s, "tickets/s", ">= 1000", tickets_per_s >= 1000)
        report("wrk Requests/sec (all replies)", result.requests_per_s, "req/s", None, None)
        report("issue latency p99", result.p99_ms, "ms", "<= 20", result.p99_ms <= 20)
        for pct in ("50%", "75%", "90%"):
            match = re.search(rf"^\s*{pct}\s+(\S+)", result.text, re.MULTILINE)
            if match:
                report(f"issue latency p{pct[:-1]}", _ms(match.group(1)), "ms", None, None)
        report("requests completed", result.requests, "requests", None, None)
        report("non-2xx replies", result.non_2xx, "replies", "== 0", result.non_2xx == 0)
        report("socket errors/timeouts", result.socket_errors, "", "== 0", result.socket_errors == 0)
        # The machine may be shared: the server's own CPU per reply is the figure to judge it by.
        per_reply = cpu / max(result.requests, 1) * 1000
        report("server CPU per issue request", per_reply, "ms", "<= 0.5", per_reply <= 0.5)
        report("load (1 min) at start / end", f"{load:.2f} / {os.getloadavg()[0]:.2f}", "", None, None)
        per = 1000 / max(result.requests, 1)  # the loop: the main thread
        report("  event loop thread CPU per request", loop_cpu * per, "ms", None, None)
        report("  busiest other thread (writer) CPU/request", writer_cpu * per, "ms", None, None)
        report("  every other thread CPU per request", (cpu - loop_cpu - writer_cpu) * per, "ms", None, None)
        report("server RSS after the run", rss_after, "MB", None, None)
        if args.verbose:
            print(f"    (RSS before the run {rss_before:.1f} MB)")
    finally:
        server.stop()
    found = check_database(server.db)
    report_consistency(found)
    in_flight = found.tickets - (result.requests - result.non_2xx)
    report("tickets beyond wrk's 2xx count", in_flight, "tickets", f"0..{args.connections}", None)
    print("    (requests in flight when wrk stopped are committed but not counted by wrk)")
    show_log_problems(server)
    finish(server, since)


# ------------------------------------------------------------------ part 2: kill -9


@dataclass
class Issued:
    """Tickets whose 201 reply was fully received."""

    tickets: list[tuple[str, str]] = field(default_factory=list)  # (number, token)
    refused: int = 0
    cut_off: int = 0  # requests in flight when the server died
    errors_before_kill: int = 0
    killed: bool = False


async def _issue_loop(client: httpx.AsyncClient, token: str, worker: int, issued: Issued) -> None:
    n = worker
    while not issued.killed:
        code = SERVICE_CODES[n % len(SERVICE_CODES)]
        n += 1
        try:
            response = await client.post("/api/v1/tickets", json={"service_code": code}, headers=auth(token))
            body = response.json()  # the whole reply was read before this returns
        except (httpx.HTTPError, ValueError):
            if issued.killed:  # the server died under this request: no reply, so no promise
                issued.cut_off += 1
                return
            issued.errors_before_kill += 1
            await asyncio.sleep(0.01)
            continue
        if response.status_code == 201:
            issued.tickets.append((body["number"], body["token"]))
        else:
            issued.refused += 1


async def _kill_cycle(server: Server, token: str, clients: int, kill_after: float, issued: Issued) -> int:
    """Issue from ``clients`` connections, SIGKILL the server after ``kill_after`` s; tickets replied."""
    before = len(issued.tickets)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=5.0) as client:
        tasks = [asyncio.create_task(_issue_loop(client, token, w, issued)) for w in range(clients)]
        await asyncio.sleep(kill_after)
        issued.killed = True
        server.kill9()  # blocks the loop for the wait(); no reply can arrive from a dead process
        await asyncio.sleep(0.2)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return len(issued.tickets) - before


async def _lost(server: Server, tickets: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Look every replied ticket up through the API after the restart; the ones missing or changed."""
    lost: list[tuple[str, str, str]] = []
    semaphore = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10.0) as client:

        async def one(number: str, token: str) -> None:
            async with semaphore:
                response = await client.get(f"/api/v1/tickets/{token}")
            if response.status_code != 200:
                lost.append((number, token, f"HTTP {response.status_code}"))
            elif response.json().get("number") != number:
                lost.append((number, token, f"number now {response.json().get('number')}"))

        await asyncio.gather(*(one(number, token) for number, token in tickets))
    return lost


def _in_database(db: Path, tickets: list[tuple[str, str]]) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        found = {row[0]: row[1] for row in conn.execute("SELECT token, number FROM tickets")}
    finally:
        conn.close()
    return sum(1 for number, token in tickets if found.get(token) == number)


def run_kill(args: argparse.Namespace) -> None:
    heading(
        f"kill -9 while issuing: {args.clients} asyncio clients, SIGKILL after {args.kill_after:g} s, "
        f"{args.kill_cycles} cycles"
    )
    since = len(RESULTS)
    server = Server().start()
    issued = Issued()
    lost: list[tuple[str, str, str]] = []
    try:
        if not args.keep_caps:
            server.lift_daily_caps()
        token = server.token("kiosk")
        for cycle in range(1, args.kill_cycles + 1):
            issued.killed = False
            replied = asyncio.run(_kill_cycle(server, token, args.clients, args.kill_after, issued))
            started = time.monotonic()
            server.start()  # same file; --demo seeds only an empty database
            restart_s = time.monotonic() - started
            lost = asyncio.run(_lost(server, issued.tickets))
            print(
                f"  cycle {cycle}: {replied} tickets replied before SIGKILL; restarted in {restart_s:.1f} s; "
                f"{len(issued.tickets) - len(lost)}/{len(issued.tickets)} replied tickets found so far"
            )
        in_db = _in_database(server.db, issued.tickets)
    finally:
        server.stop()
    total = len(issued.tickets)
    report("replied tickets lost after kill -9", len(lost), f"of {total}", "== 0", not lost and total > 0)
    report("replied tickets found in the db file", in_db, f"of {total}", f"== {total}", in_db == total)
    report("requests cut off by the kills", issued.cut_off, "requests", None, None)
    if issued.errors_before_kill:
        report("request errors before a kill", issued.errors_before_kill, "requests", "== 0", False)
    if issued.refused:
        report("non-201 replies while issuing", issued.refused, "replies", "== 0", False)
    for number, token, why in lost[:10]:
        print(f"    lost: {number} ({token}): {why}")
    report_consistency(check_database(server.db), label="after kills: ")
    show_log_problems(server)
    finish(server, since)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=15.0, help="wrk duration (default 15)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--kill-cycles", type=int, default=3, help="SIGKILL/restart cycles (default 3)")
    parser.add_argument("--kill-after", type=float, default=3.0, help="seconds of issuing before SIGKILL")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients in the kill test")
    parser.add_argument("--keep-caps", action="store_true", help="keep the demo hall's daily caps")
    parser.add_argument("--skip-wrk", action="store_true", help="only the kill -9 check")
    parser.add_argument("--skip-kill", action="store_true", help="only the wrk run")
    parser.add_argument("-v", "--verbose", action="store_true", help="print wrk's own output")
    args = parser.parse_args(argv)
    start = len(RESULTS)
    if not args.skip_wrk:
        run_wrk(args)
    if not args.skip_kill:
        run_kill(args)
    missed = failures(start)
    print(f"\nissue: {len(missed)} figure(s) missed their target" if missed else "\nissue: all targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
