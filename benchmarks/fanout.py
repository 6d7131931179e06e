"""Call → board fan-out across processes: 1,000 websocket subscribers through nginx + TLS on PostgreSQL.

The production layout (docs/operations.md) on this machine: a throwaway PostgreSQL cluster, two
``hallq serve`` processes, Debian's nginx with the deploy/ site and a throwaway certificate. The
subscribers connect to ``wss://…/ws`` through nginx, which spreads them over the processes (round
robin), and subscribe to ``hall``. A clerk at window 2 then calls the next ticket (through nginx
too) ``--rounds`` times, concluding after each. A call's event is committed by the process that
took the request and reaches the other through LISTEN/NOTIFY; each process fans it out to its own
subscribers. A round runs from just before the call-next POST to the moment the *last* of all
subscribers has the ``ticket.called`` frame. Every subscriber's ``seq`` must stay consecutive.

Printed: the latency percentiles (issue 15's target: p99 ≤ 100 ms), each process's subscribers and
RSS (target ≤ 300 MB each), the CPU time the two server processes and nginx spent per round, and the
load average. All sockets are read by this one Python process on the same 2 cores (the cheap client
of ``benchmarks.ws_client`` unless ``--client websockets``): its receive and TLS time are inside
the figures, and its CPU per round is printed.

    .venv/bin/python -m benchmarks.fanout [--subscribers 1000] [--rounds 200] [--processes 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from benchmarks import ws_client
from benchmarks.common import (
    CORES_NOTE,
    RESULTS,
    cpu_seconds,
    failures,
    heading,
    percentile,
    report,
    rss_kib,
)
from benchmarks.live import Tracker, close_all, connect_all
from tests.support.hall_server import HallServer
from tests.support.postgres import PostgresCluster, create_database
from tests.support.proxy import SERVICE, WINDOW, Proxy, seed_hall


def nginx_pids(proxy: Proxy) -> list[int]:
    """nginx's master and worker processes."""
    master = proxy.process.pid if proxy.process else 0
    pids = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    pids.append(int(entry.name))
    return pids


async def prepare(client: httpx.AsyncClient, tokens: dict[str, str], tickets: int) -> None:
    """Open window 2 and queue ``tickets`` tickets for it, before anyone subscribes."""
    response = await client.post(f"/api/v1/windows/{WINDOW}/open", headers=_auth(tokens["clerk"]))
    response.raise_for_status()
    for _ in range(tickets):
        response = await client.post(
            "/api/v1/tickets", json={"service_code": SERVICE}, headers=_auth(tokens["kiosk"])
        )
        if response.status_code != 201:
            raise RuntimeError(f"could not issue: {response.status_code} {response.text}")


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def rounds(
    client: httpx.AsyncClient, clerk: str, tracker: Tracker, count: int, wait: float
) -> tuple[list[float], list[float], list[str]]:
    """call-next, timed to the last subscriber's receipt; then conclude and let every socket drain."""
    last: list[float] = []
    first: list[float] = []
    problems: list[str] = []
    base = f"/api/v1/windows/{WINDOW}"
    for _ in range(count):
        t0 = time.perf_counter()
        response = await client.post(f"{base}/call-next", headers=_auth(clerk))
        ticket = response.json().get("ticket") if response.status_code == 200 else None
        if ticket is None:
            problems.append(f"call-next: {response.status_code} {response.text[:200]}")
            break
        number = ticket["number"]
        try:
            await asyncio.wait_for(tracker.waiter("ticket.called", number).wait(), wait)
        except TimeoutError:
            got = len(tracker.arrivals.get(("ticket.called", number), []))
            problems.append(f"{number}: {got}/{tracker.subscribers} subscribers within {wait:g} s")
        else:
            stamps = tracker.arrivals[("ticket.called", number)]
            last.append((max(stamps) - t0) * 1000)
            first.append((min(stamps) - t0) * 1000)
        response = await client.post(f"{base}/conclude", headers=_auth(clerk))
        if response.status_code != 200:
            problems.append(f"conclude {number}: {response.status_code} {response.text[:200]}")
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tracker.waiter("ticket.concluded", number).wait(), wait)
    return last, first, problems


async def measure(
    servers: list[HallServer], proxy: Proxy, tokens: dict[str, str], args: argparse.Namespace
) -> None:
    tls = proxy.ssl_context()
    async with httpx.AsyncClient(base_url=proxy.url, verify=tls, timeout=15.0) as client:
        await prepare(client, tokens, args.rounds + 5)
        tracker = Tracker(args.subscribers)
        url = proxy.url.replace("https://", "wss://") + f"/ws?token={tokens['board']}"
        started = time.perf_counter()
        sockets, subs, tasks = await connect_all(
            url, args.subscribers, tracker, args.parallel_connects, tls=tls, client=args.client
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tracker.all_snapshots.wait(), args.wait * 20)
        n = args.subscribers
        report("subscribers with a snapshot", tracker.snapshots, f"of {n}", f"== {n}", tracker.snapshots == n)
        report("connect (TLS) + subscribe + snapshot, all", time.perf_counter() - started, "s", None, None)
        for n, server in enumerate(servers):
            health = httpx.get(server.url + "/healthz", timeout=5).json()
            report(f"process {n + 1}: subscribers", health.get("subscribers"), "", None, None)
        pids = [s.process.pid for s in servers if s.process] + nginx_pids(proxy)
        cpu_before = {pid: cpu_seconds(pid) for pid in pids}
        wall, mine = time.perf_counter(), time.process_time()
        last, first, problems = await rounds(client, tokens["clerk"], tracker, args.rounds, args.wait)
        wall, mine = time.perf_counter() - wall, time.process_time() - mine
        load = os.getloadavg()
        cpu = {pid: max(0.0, cpu_seconds(pid) - cpu_before[pid]) for pid in pids}
    report("rounds measured", len(last), f"of {args.rounds}", f"== {args.rounds}", len(last) == args.rounds)
    if last:
        p99 = percentile(last, 99)
        report("call -> last subscriber p50", percentile(last, 50), "ms", None, None)
        report("call -> last subscriber p95", percentile(last, 95), "ms", None, None)
        report("call -> last subscriber p99", p99, "ms", "<= 100", p99 <= 100)
        report("call -> last subscriber max", max(last), "ms", None, None)
        report("call -> first subscriber p50", percentile(first, 50), "ms", None, None)
    for line in problems[:10]:
        print(f"    {line}")
    report("rounds timed out/failed", len(problems), "", "== 0", not problems)
    gaps = sum(len(s.gaps) for s in subs)
    report("hall seq gaps", gaps, f"in {sum(1 for s in subs if s.gaps)} subs", "== 0", gaps == 0)
    frames = sum(s.frames for s in subs) - len(subs)  # less each one's snapshot
    report("frames per subscriber per round", frames / max(1, len(subs)) / max(1, len(last)), "", None, None)
    closed = [s for s in subs if s.closed]
    report("subscribers closed by the server", len(closed), "", "== 0", not closed)
    for n, server in enumerate(servers):
        pid = server.process.pid if server.process else 0
        rss = rss_kib(pid) / 1024
        report(f"process {n + 1}: RSS", rss, "MB", "<= 300", rss <= 300)
        report(f"process {n + 1}: peak RSS (VmHWM)", rss_kib(pid, "VmHWM") / 1024, "MB", None, None)
        report(
            f"process {n + 1}: CPU per round (call + conclude)",
            cpu[pid] / max(1, len(last)) * 1000,
            "ms",
            None,
            None,
        )
    server_pids = {s.process.pid for s in servers if s.process}
    nginx_cpu = sum(v for pid, v in cpu.items() if pid not in server_pids)
    report("nginx: CPU per round", nginx_cpu / max(1, len(last)) * 1000, "ms", None, None)
    report(
        "this client (1,000 TLS sockets read): CPU per round",
        mine / max(1, len(last)) * 1000,
        "ms",
        None,
        None,
    )
    report("rounds: wall time", wall, "s", None, None)
    print(f"    load average at the end of the rounds: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    await close_all(sockets, tasks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--wait", type=float, default=10.0, help="seconds for a frame to reach all")
    parser.add_argument("--parallel-connects", type=int, default=50, help="TLS handshakes at a time")
    parser.add_argument(
        "--client", choices=("raw", "websockets"), default="raw", help="the subscribers' client (see live)"
    )
    args = parser.parse_args(argv)
    start = len(RESULTS)
    heading(
        f"fan-out: {args.subscribers} subscribers over {args.processes} processes via nginx+TLS, PostgreSQL, "
        f"{args.rounds} rounds"
    )
    print(CORES_NOTE)
    print(f"client: {args.client} on {ws_client.loop_name()}")
    print(f"load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="hallq-fanout-") as tmp, PostgresCluster() as cluster:
        folder = Path(tmp)
        os.environ["HALLQ_SECRET_KEY_FILE"] = str(folder / "secret.key")
        db_url = create_database(cluster.url, f"hallq_fanout_{uuid.uuid4().hex[:8]}")
        tokens = seed_hall(db_url, uncapped=True)
        servers = [
            HallServer(db_url, tokens, log=folder / f"server{n}.log")  # type: ignore[arg-type]
            for n in range(args.processes)
        ]
        proxy: Proxy | None = None
        try:
            for server in servers:
                server.start()
            upstreams = [f"127.0.0.1:{s.port}" for s in servers]
            # Each proxied websocket holds two connections (client side and upstream side).
            proxy = Proxy(folder / "nginx", upstreams, connections=2 * args.subscribers + 256).start()
            ws_client.run(measure(servers, proxy, tokens, args))
        finally:
            if proxy is not None:
                proxy.stop()
            for server in servers:
                server.stop()
            for server in servers:
                problems = [
                    line
                    for line in (server.log.read_text(encoding="utf-8") if server.log else "").splitlines()
                    if ("ERROR" in line or "Traceback" in line)
                ]
                for line in problems[:3]:
                    print(f"    server log: {line[:200]}")
    missed = failures(start)
    print(f"\nfanout: {len(missed)} figure(s) missed their target" if missed else "\nfanout: all targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
