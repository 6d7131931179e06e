"""Ticket issue during a login wave: wrk alone, then while 50 clients loop wrong-password logins.

Before the password checks left the writer, 8 clients looping wrong passwords raised ticket-issue
latency from ~3 ms to seconds: every argon2 check ran inside the single writer's job, and every
ticket waited behind it. Now checks run in a small pool off the writer and the throttle refuses
most of a flood before any check. This benchmark measures it from outside:

1. wrk (8 connections) issues tickets alone;
2. the same wrk run while 50 clients (another process, asyncio + httpx, never honouring
   Retry-After) loop ``POST /api/v1/auth/login`` with wrong passwords for the demo hall's staff
   numbers and some unknown ones.

Figures: issue p99 both ways (target: during the wave at most 3x alone), 5xx of either kind (0),
and the logins per second the throttle let through to a password check (401 answers).

    .venv/bin/python -m benchmarks.login_wave [--seconds 10] [--clients 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from benchmarks.common import (
    CORES_NOTE,
    RESULTS,
    Server,
    failures,
    finish,
    heading,
    report,
    show_log_problems,
)
from benchmarks.issue import LUA, SERVICE_CODES, WrkResult, parse_wrk

STAFF = [f"MC{1001 + n}" for n in range(29)] + [f"NOBODY{n}" for n in range(10)]


def run_wrk(server: Server, token: str, args: argparse.Namespace) -> WrkResult:
    """One wrk run of ticket issue."""
    script = Path(tempfile.mkdtemp(prefix="hallq-wave-")) / "issue.lua"
    codes = ", ".join(f'"{c}"' for c in SERVICE_CODES)
    script.write_text(LUA % {"codes": codes, "token": token}, encoding="utf-8")
    command = [
        "wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds:g}s", "--latency", "--timeout", "10s",
        "-s", str(script), f"{server.base_url}/api/v1/tickets",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.seconds + 60, check=True)
    return parse_wrk(done.stdout)


# ------------------------------------------------------------------ the wave (its own process)


async def _wave(base_url: str, clients: int, seconds: float) -> dict[str, object]:
    statuses: Counter[str] = Counter()
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30.0) as client:

        async def loop(worker: int) -> None:
            n = worker
            while time.monotonic() < stop:
                form = {"staff_no": STAFF[n % len(STAFF)], "password": f"guess-{n}"}
                n += clients
                try:
                    response = await client.post("/api/v1/auth/login", data=form)
                except httpx.HTTPError as error:
                    statuses[type(error).__name__] += 1
                    continue
                statuses[str(response.status_code)] += 1

        started = time.monotonic()
        await asyncio.gather(*(loop(w) for w in range(clients)))
    return {"seconds": time.monotonic() - started, "statuses": dict(statuses)}


def wave_main(base_url: str, clients: int, seconds: float) -> None:
    """The wave's process: loop logins, print what came back as one JSON line."""
    print(json.dumps(asyncio.run(_wave(base_url, clients, seconds))), flush=True)


# ------------------------------------------------------------------ the benchmark


def run(args: argparse.Namespace) -> None:
    heading(f"ticket issue alone, then during {args.clients} looping logins ({args.seconds:g} s each)")
    print(CORES_NOTE)
    since = len(RESULTS)
    server = Server().start()
    try:
        server.lift_daily_caps()
        token = server.token("kiosk")
        alone = run_wrk(server, token, args)
        wave = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.login_wave", "--wave-client", server.base_url,
             "--clients", str(args.clients), "--seconds", str(args.seconds + 2)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(1.0)  # the wave is under way before wrk starts
        during = run_wrk(server, token, args)
        out, _ = wave.communicate(timeout=args.seconds + 120)
        logins = json.loads(out.strip().splitlines()[-1])
    finally:
        server.stop()
    statuses: dict[str, int] = logins["statuses"]
    checked = statuses.get("401", 0) + statuses.get("200", 0)
    wave_5xx = sum(n for code, n in statuses.items() if code.startswith("5"))
    report("issue p99 alone", alone.p99_ms, "ms", None, None)
    alone_rate = (alone.requests - alone.non_2xx) / alone.duration_s
    report("issue throughput alone", alone_rate, "tickets/s", None, None)
    limit = 3 * alone.p99_ms
    within = during.requests > 0 and during.p99_ms <= limit  # wrk's percentiles: answered requests only
    report("issue p99 during the wave", during.p99_ms, "ms", f"<= {limit:.1f}", within)
    report(
        "issue throughput during the wave",
        (during.requests - during.non_2xx) / during.duration_s,
        "tickets/s",
        None,
        None,
    )
    bad_issues = alone.non_2xx + during.non_2xx
    report("issue non-2xx replies (both runs)", bad_issues, "replies", "== 0", bad_issues == 0)
    unanswered = alone.socket_errors + during.socket_errors
    report("issue timeouts/socket errors (both)", unanswered, "requests", "== 0", unanswered == 0)
    report("login 5xx replies", wave_5xx, "replies", "== 0", wave_5xx == 0)
    total = sum(statuses.values())
    report("login attempts answered", total / logins["seconds"], "logins/s", None, None)
    report("logins let through to a check", checked / logins["seconds"], "logins/s", None, None)
    print(f"    login answers by status: {dict(sorted(statuses.items()))} in {logins['seconds']:.1f} s")
    show_log_problems(server)
    finish(server, since)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="each wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--clients", type=int, default=50, help="clients looping logins (default 50)")
    parser.add_argument("--wave-client", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.wave_client:
        wave_main(args.wave_client, args.clients, args.seconds)
        return 0
    start = len(RESULTS)
    run(args)
    missed = failures(start)
    print(f"\nlogin wave: {len(missed)} figure(s) missed" if missed else "\nlogin wave: all targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
