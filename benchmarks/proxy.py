"""Ticket issue through nginx with TLS on PostgreSQL, with one and with two ``hallq serve`` processes.

The production layout of docs/operations.md on this machine: a throwaway PostgreSQL cluster, N server
processes, Debian's nginx with the site rendered from deploy/nginx/hallq-site.conf and a throwaway
certificate, and wrk over HTTPS (keep-alive, 2 threads) at 8 and 32 connections. Each configuration
gets a fresh database; afterwards the numbers are checked unique and gap-free.

    .venv/bin/python -m benchmarks.proxy [--seconds 10] [--processes 1 2] [--connections 8 32]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections import Counter
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from benchmarks.common import CORES_NOTE, heading, report
from benchmarks.issue import LUA, SERVICE_CODES, parse_wrk
from tests.support.hall_server import HallServer
from tests.support.postgres import PostgresCluster, create_database
from tests.support.proxy import Proxy, seed_hall


def uptime() -> str:
    """The load averages, as `uptime` prints them."""
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def numbering(db_url: str) -> tuple[int, int, int]:
    """Tickets, duplicates and gaps across every (hall, day, prefix) sequence."""
    conninfo = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        tickets, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT (hall_id, business_day, prefix, seq)) FROM tickets"
        ).fetchone() or (0, 0)
        gaps = conn.execute(
            "SELECT coalesce(sum(max_seq - min_seq + 1 - n), 0) FROM (SELECT min(seq) AS min_seq, "
            "max(seq) AS max_seq, count(DISTINCT seq) AS n FROM tickets "
            "GROUP BY hall_id, business_day, prefix) AS s"
        ).fetchone()
    return int(tickets), int(tickets) - int(distinct), int(gaps[0] if gaps else 0)


def run_configuration(
    cluster: PostgresCluster, folder: Path, processes: int, connections: list[int], seconds: int
) -> None:
    """N processes behind nginx on a fresh database; wrk at each connection count."""
    db_url = create_database(cluster.url, f"hallq_bench_{uuid.uuid4().hex[:8]}")
    tokens = seed_hall(db_url, uncapped=True)
    servers = [
        HallServer(db_url, tokens, log=folder / f"server{processes}-{n}.log")  # type: ignore[arg-type]
        for n in range(processes)
    ]
    proxy: Proxy | None = None
    try:
        for server in servers:
            server.start()
        proxy = Proxy(folder / f"nginx{processes}", [f"127.0.0.1:{s.port}" for s in servers]).start()
        script = folder / "issue.lua"
        codes = ", ".join(f'"{code}"' for code in SERVICE_CODES)
        script.write_text(LUA % {"codes": codes, "token": tokens["kiosk"]}, encoding="utf-8")
        for count in connections:
            command = ["wrk", "-t2", f"-c{count}", f"-d{seconds}s", "--latency", "-s", str(script)]
            done = subprocess.run(
                [*command, f"{proxy.url}/api/v1/tickets"],
                capture_output=True,
                text=True,
                timeout=seconds + 120,
            )
            result = parse_wrk(done.stdout)
            label = f"{processes} process{'es' if processes > 1 else ''}, {count} connections"
            report(f"issue via nginx+TLS, {label}", result.requests_per_s, "req/s", None, None)
            report(f"  p99, {label}", result.p99_ms, "ms", None, None)
            report(
                f"  non-2xx / socket errors, {label}",
                f"{result.non_2xx} / {result.socket_errors}",
                "",
                None,
                None,
            )
        statuses = Counter(re.findall(r'" (\d{3}) ', (proxy.root / "access.log").read_text(encoding="utf-8")))
        report(
            f"  {processes} process(es): replies by status",
            str(dict(sorted(statuses.items()))),
            "",
            None,
            None,
        )
        problems = [
            line
            for server in servers
            if server.log is not None
            for line in server.log.read_text(encoding="utf-8").splitlines()
            if ("ERROR" in line or "WARNING" in line) and "housekeeping" not in line
        ]
        for line in problems[:5]:
            print(f"    server log: {line[:200]}")
        tickets, duplicates, gaps = numbering(db_url)
        report(f"  {processes} process(es): tickets in database", tickets, "", None, None)
        report(
            f"  {processes} process(es): duplicates / gaps",
            f"{duplicates} / {gaps}",
            "",
            "0 / 0",
            duplicates == 0 and gaps == 0,
        )
    finally:
        if proxy is not None:
            proxy.stop()
        for server in servers:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    args = parser.parse_args()
    if shutil.which("wrk") is None or shutil.which("nginx") is None:
        raise SystemExit("needs wrk and nginx (bash scripts/setup.sh installs them)")
    heading("ticket issue through nginx + TLS on PostgreSQL")
    print(CORES_NOTE)
    print(f"load before: {uptime()}")
    with tempfile.TemporaryDirectory(prefix="hallq-proxy-bench-") as tmp, PostgresCluster() as cluster:
        os.environ["HALLQ_SECRET_KEY_FILE"] = str(Path(tmp) / "secret.key")
        for processes in args.processes:
            run_configuration(cluster, Path(tmp), processes, args.connections, args.seconds)
            print(f"load after {processes} process(es): {uptime()}")


if __name__ == "__main__":
    main()
