"""The outbox: event → gateway receipt latency, issue throughput with SMS notices on and off, and a
backlog drained after a gateway outage.

A real ``hallq serve --demo`` (SQLite) sends its notices to the gateway emulator (``hardware_mocks/
gateway.py``) running in this process. Part 1 issues tickets with a phone and 短信告知 one at a time
and times each from the 201 reply (the commit) to the emulator's receipt. Part 2 issues tickets from
8 concurrent clients for ``--seconds``, with no phone (notices off) and then with a phone and SMS on
every ticket (notices on, the dispatcher sending alongside), and compares throughput and p99. Part 3
takes the gateway away, issues ``--backlog`` tickets with SMS (one "taken" notice each), keeps the
gateway away ``--outage`` seconds in all, brings it back and times the drain until nothing is pending.

    .venv/bin/python -m benchmarks.outbox [--latency-n 200] [--seconds 15] [--backlog 10000] [--outage 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import CORES_NOTE, Server, auth, failures, finish, heading, percentile, report
from hardware_mocks.gateway import GatewayEmulator, MockGateway

SECRET_ENV = "HALLQ_BENCH_GATEWAY_SECRET"
SERVICE = "RS001"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def server_cpu(server: Server) -> float:
    """The server process's CPU seconds so far (user + system)."""
    fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def configure(server: Server, manager: str, gateway: MockGateway) -> None:
    settings = httpx.get(server.base_url + "/api/v1/hall/settings", headers=auth(manager)).json()
    settings["notices"] = {
        "enabled": True,
        "daily_cap": 100,
        "gateway": {"kind": "http", "url": f"{gateway.url}/sms", "secret_env": SECRET_ENV},
    }
    reply = httpx.put(server.base_url + "/api/v1/hall/settings", json=settings, headers=auth(manager))
    reply.raise_for_status()


def pending(server: Server, manager: str) -> int:
    view = httpx.get(server.base_url + "/api/v1/outbox", headers=auth(manager), timeout=30).json()
    return sum(d["pending"] for d in view["destinations"])


def latency(server: Server, kiosk: str, gateway: MockGateway, n: int) -> None:
    heading(f"event → gateway receipt, {n} tickets with SMS issued one at a time")
    committed: dict[str, float] = {}
    with httpx.Client(base_url=server.base_url, headers=auth(kiosk)) as client:
        for i in range(n):
            body = {"service_code": SERVICE, "phone": f"139{i:08d}", "sms": True}
            reply = client.post("/api/v1/tickets", json=body)
            reply.raise_for_status()
            committed[f"sms:{reply.json()['token']}:taken"] = time.time()
            time.sleep(0.05)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(k in gateway.emulator.keys for k in committed):
        time.sleep(0.05)
    at = {r["key"]: r["at"] for r in gateway.emulator.received}
    waits = [at[k] - t for k, t in committed.items() if k in at]
    p50, p95 = percentile(waits, 50), percentile(waits, 95)
    report("receipts / notices", f"{len(waits)} / {n}", "", "equal", len(waits) == n)
    report("event → receipt p50", round(p50 * 1000, 1), "ms", None, None)
    report("event → receipt p95", round(p95 * 1000, 1), "ms", "<= 1000", p95 <= 1.0)
    print(f"    {load()}")


async def issue_for(base: str, kiosk: str, seconds: float, sms: bool, start: int) -> list[float]:
    """8 clients issuing for ``seconds``; each reply's latency in seconds."""
    times: list[float] = []
    counter = iter(range(start, start + 10_000_000))
    stop = time.monotonic() + seconds

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, headers=auth(kiosk), timeout=30) as http:
            while time.monotonic() < stop:
                body: dict[str, Any] = {"service_code": SERVICE}
                if sms:
                    body.update(phone=f"137{next(counter):08d}", sms=True)
                began = time.perf_counter()
                reply = await http.post("/api/v1/tickets", json=body)
                if reply.status_code == 201:
                    times.append(time.perf_counter() - began)

    await asyncio.gather(*(client() for _ in range(8)))
    return times


def throughput(server: Server, kiosk: str, manager: str, seconds: float) -> None:
    heading(
        f"ticket issue, 8 clients, {seconds:.0f} s each: notices off, then a phone and SMS on every ticket"
    )
    figures = {}
    for label, sms in (("off", False), ("on", True)):
        cpu = server_cpu(server)
        times = asyncio.run(issue_for(server.base_url, kiosk, seconds, sms, 0 if not sms else 1_000_000))
        rate = len(times) / seconds
        p99 = percentile(times, 99) * 1000
        per = (server_cpu(server) - cpu) / max(len(times), 1) * 1000
        figures[label] = (rate, p99)
        report(f"notices {label}: tickets/s", round(rate, 1), "/s", None, None)
        report(f"notices {label}: p99", round(p99, 1), "ms", None, None)
        report(f"notices {label}: server CPU per ticket (incl. sending)", round(per, 2), "ms", None, None)
        print(f"    {load()}")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and pending(server, manager):
            time.sleep(0.5)
    ratio = figures["on"][0] / figures["off"][0]
    report("throughput on / off", round(ratio, 3), "", ">= 0.85", ratio >= 0.85)
    p99_ratio = figures["on"][1] / figures["off"][1]
    report("p99 on / off", round(p99_ratio, 3), "", "<= 1.15", p99_ratio <= 1.15)


def backlog(server: Server, kiosk: str, manager: str, gateway: MockGateway, n: int, outage: float) -> None:
    heading(f"{n} notices queued while the gateway is away {outage:.0f} s, then drained")
    gateway.emulator.behaviour.down_until = float("inf")
    began = time.monotonic()
    before = len(gateway.emulator.received)

    async def fill() -> None:
        sem = asyncio.Semaphore(8)
        async with httpx.AsyncClient(base_url=server.base_url, headers=auth(kiosk), timeout=60) as http:

            async def one(i: int) -> None:
                async with sem:
                    body = {"service_code": SERVICE, "phone": f"136{i:08d}", "sms": True}
                    (await http.post("/api/v1/tickets", json=body)).raise_for_status()

            await asyncio.gather(*(one(i) for i in range(n)))

    asyncio.run(fill())
    queued = time.monotonic() - began
    report("backlog queued in", round(queued, 1), "s", None, None)
    time.sleep(max(0.0, outage - (time.monotonic() - began)))
    waiting = pending(server, manager)
    report("pending when the gateway came back", waiting, "messages", f">= {n}", waiting >= n)
    cpu = server_cpu(server)
    gateway.emulator.behaviour.down_until = 0.0
    back = time.monotonic()
    deadline = back + 600
    while time.monotonic() < deadline and pending(server, manager):
        time.sleep(0.25)
    drained = time.monotonic() - back
    delivered = len(gateway.emulator.received) - before
    report("drained in", round(drained, 1), "s", "<= 60", drained <= 60)
    report("delivered once each", f"{delivered} / {n}", "", "equal", delivered == n)
    report("server CPU while draining", round(server_cpu(server) - cpu, 1), "s", None, None)
    print(f"    {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency-n", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--outage", type=float, default=60.0)
    args = parser.parse_args()
    since = len(failures())
    os.environ[SECRET_ENV] = "bench-secret"  # the server process inherits it
    gateway = MockGateway("127.0.0.1", 0, GatewayEmulator("bench-secret"))
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    print(CORES_NOTE)
    print(f"start: {load()}; this process's CPU {resource.getrusage(resource.RUSAGE_SELF).ru_utime:.1f} s")
    server = Server()
    try:
        server.start()
        server.lift_daily_caps()
        kiosk, manager = server.token("kiosk"), server.token("manager")
        configure(server, manager, gateway)
        latency(server, kiosk, gateway, args.latency_n)
        throughput(server, kiosk, manager, args.seconds)
        backlog(server, kiosk, manager, gateway, args.backlog, args.outage)
    finally:
        finish(server, since)
        gateway.shutdown()


if __name__ == "__main__":
    main()
