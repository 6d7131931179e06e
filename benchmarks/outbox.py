"""The outbox: event → gateway receipt latency, issue throughput with SMS notices on and off, and a
backlog drained after a gateway outage.

A real ``hallq serve --demo`` (SQLite) sends its notices to the gateway emulator (``hallq
mock-gateway``) in a process of its own, as a real gateway is on another machine: in this process it
took the load generator's interpreter lock and slowed the clients of the "on" run alone. Part 1
issues tickets with a phone and 短信告知 one at a time and times each from the 201 reply (the commit)
to the emulator's receipt. Part 2 issues tickets from 8 concurrent clients for ``--seconds`` each way,
with no phone (notices off) and with a phone and SMS on every ticket (notices on, the dispatcher
sending alongside), in the order off, on, on, off (half the time each), so both see the same
queue lengths on average (the waiting queue grows all along and issuing counts it), and compares
throughput, p99 and the CPU per ticket of the server, its sending process, the load generator and
the emulator. Part 3
takes the gateway away, issues ``--backlog`` tickets with SMS (one "taken" notice each), keeps the
gateway away ``--outage`` seconds in all, brings it back and times the drain until nothing is pending.
The hall's gateway takes HallQ's JSON ``--batch-size`` messages a request (100; 1 sends each alone).

    .venv/bin/python -m benchmarks.outbox [--latency-n 200] [--seconds 15] [--backlog 10000] [--outage 60]
                                          [--batch-size 100]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import shutil
import subprocess
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import (
    CORES_NOTE,
    HALLQ,
    Server,
    auth,
    cpu_seconds,
    failures,
    finish,
    free_port,
    heading,
    percentile,
    report,
)

SECRET_ENV = "HALLQ_BENCH_GATEWAY_SECRET"
SERVICE = "RS001"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def server_cpu(server: Server) -> float:
    """The server process's CPU seconds so far (user + system)."""
    fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sender_cpu(server: Server) -> float:
    """The CPU seconds so far of the server's child processes: its outbox's sending process (and
    the resource tracker that multiprocessing starts beside it)."""
    children: list[int] = []
    for task in Path(f"/proc/{server.pid}/task").iterdir():
        with contextlib.suppress(OSError):
            children += [int(pid) for pid in (task / "children").read_text().split()]
    return sum(cpu_seconds(pid) for pid in children)


def thread_cpu(server: Server) -> dict[tuple[int, str], float]:
    """The server's CPU seconds so far per thread, by native thread id and "user" / "system"."""
    tick = os.sysconf("SC_CLK_TCK")
    cpu: dict[tuple[int, str], float] = {}
    for task in Path(f"/proc/{server.pid}/task").iterdir():
        with contextlib.suppress(OSError):
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            cpu[(int(task.name), "user")] = int(fields[11]) / tick
            cpu[(int(task.name), "system")] = int(fields[12]) / tick
    return cpu


def thread_names(server: Server) -> dict[int, str]:
    """The server's Python threads' names by native id, read with ``py-spy dump`` (CPython 3.11
    does not give its threads' names to the kernel); the event loop is the main thread. Without
    py-spy on PATH (or in ``HALLQ_PYSPY``), the main thread alone is named."""
    names = {server.pid: "loop"}
    spy = os.environ.get("HALLQ_PYSPY") or shutil.which("py-spy")
    if spy is None:
        return names
    dump = subprocess.run([spy, "dump", "--pid", str(server.pid)], capture_output=True, text=True, timeout=60)
    for line in dump.stdout.splitlines():
        # Thread 12345 (idle): "hallq-writer"
        if line.startswith("Thread ") and '"' in line:
            ident, name = line.split()[1], line.split('"')[1]
            with contextlib.suppress(ValueError):
                names.setdefault(int(ident, 0), name)
    return names


def thread_group(name: str | None) -> str:
    """Pool threads counted together: ``hallq-outbox-pipe_0`` → ``hallq-outbox-pipe``."""
    if name is None:
        return "other"
    return name.rsplit("_", 1)[0] if name.rsplit("_", 1)[-1].isdigit() else name


class Gateway:
    """``hallq mock-gateway`` in its own process, read and steered over HTTP."""

    def __init__(self, secret: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [HALLQ, "mock-gateway", "--port", str(self.port), "--secret", secret]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.url}/received", timeout=5).raise_for_status()
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the gateway emulator did not start") from None
                time.sleep(0.1)

    def received(self) -> list[dict[str, Any]]:
        """What it recorded (one entry per idempotency key, with its time of receipt)."""
        return list(httpx.get(f"{self.url}/received", timeout=60).json()["received"])

    def away(self, seconds: float) -> None:
        """Answer 503 for ``seconds`` from now (0: be back)."""
        httpx.post(f"{self.url}/control", json={"down_for": seconds}, timeout=10).raise_for_status()

    def cpu(self) -> float:
        """The emulator's CPU seconds so far."""
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def own_cpu() -> float:
    """This process's CPU seconds so far (the load generator)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def configure(server: Server, manager: str, gateway: Gateway, batch: int) -> None:
    settings = httpx.get(server.base_url + "/api/v1/hall/settings", headers=auth(manager)).json()
    settings["notices"] = {
        "enabled": True,
        "daily_cap": 100,
        "gateway": {
            "kind": "http",
            "url": f"{gateway.url}/sms",
            "secret_env": SECRET_ENV,
            "batch_size": batch,
        },
    }
    reply = httpx.put(server.base_url + "/api/v1/hall/settings", json=settings, headers=auth(manager))
    reply.raise_for_status()


def pending(server: Server, manager: str) -> int:
    view = httpx.get(server.base_url + "/api/v1/outbox", headers=auth(manager), timeout=30).json()
    return sum(d["pending"] for d in view["destinations"])


def latency(server: Server, kiosk: str, gateway: Gateway, n: int) -> None:
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
    at: dict[str, float] = {}
    while time.monotonic() < deadline and not all(k in at for k in committed):
        time.sleep(0.2)
        at = {r["key"]: r["at"] for r in gateway.received()}
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

    async def client(http: httpx.AsyncClient) -> None:
        while time.monotonic() < stop:
            body: dict[str, Any] = {"service_code": SERVICE}
            if sms:
                body.update(phone=f"137{next(counter):08d}", sms=True)
            began = time.perf_counter()
            reply = await http.post("/api/v1/tickets", json=body)
            if reply.status_code == 201:
                times.append(time.perf_counter() - began)

    # The clients are made before the clock starts: each takes this loop ~40 ms (its TLS context),
    # which made the first request of every other client wait, 8 slow replies a phase.
    clients = [httpx.AsyncClient(base_url=base, headers=auth(kiosk), timeout=30) for _ in range(8)]
    stop = time.monotonic() + seconds
    try:
        await asyncio.gather(*(client(http) for http in clients))
    finally:
        for http in clients:
            await http.aclose()
    return times


def throughput(
    server: Server, kiosk: str, manager: str, gateway: Gateway, seconds: float, threads: bool = False
) -> None:
    heading(
        f"ticket issue, 8 clients, {seconds:.0f} s each way: notices off, then a phone and SMS on "
        "every ticket (run off, on, on, off)"
    )
    times: dict[str, list[float]] = {"off": [], "on": []}
    parts = ("server", "sender", "clients", "gateway")
    cpu = {(mode, part): 0.0 for mode in times for part in parts}
    counter = 0
    per_thread: dict[str, defaultdict[tuple[int, str], float]] = {m: defaultdict(float) for m in times}
    for mode in ("off", "on", "on", "off"):
        sms = mode == "on"
        threads_before = thread_cpu(server)
        before = (server_cpu(server), sender_cpu(server), own_cpu(), gateway.cpu())
        counter += 1_000_000
        times[mode] += asyncio.run(issue_for(server.base_url, kiosk, seconds / 2, sms, counter))
        deadline = time.monotonic() + 120  # the sending counts with its tickets: wait for it
        while time.monotonic() < deadline and pending(server, manager):
            time.sleep(0.25)
        after = (server_cpu(server), sender_cpu(server), own_cpu(), gateway.cpu())
        for part, was, now in zip(parts, before, after, strict=True):
            cpu[(mode, part)] += now - was
        for key, spent in thread_cpu(server).items():
            per_thread[mode][key] += spent - threads_before.get(key, 0.0)
    figures = {}
    for mode, done in times.items():
        rate, p99 = len(done) / seconds, percentile(done, 99) * 1000
        count = max(len(done), 1)
        both = (cpu[(mode, "server")] + cpu[(mode, "sender")]) / count
        figures[mode] = (rate, p99, cpu[(mode, "server")] / count * 1000, both)
        report(f"notices {mode}: tickets/s", round(rate, 1), "/s", None, None)
        report(f"notices {mode}: p99", round(p99, 1), "ms", None, None)
        for part in parts:
            per = cpu[(mode, part)] / max(len(done), 1) * 1000
            report(f"notices {mode}: {part} CPU per ticket", round(per, 2), "ms", None, None)
    print(f"    {load()}")
    if threads:
        split(server, per_thread, {mode: len(done) for mode, done in times.items()})
    ratio = figures["on"][0] / figures["off"][0]
    report("throughput on / off", round(ratio, 3), "", ">= 0.85", ratio >= 0.85)
    p99_ratio = figures["on"][1] / figures["off"][1]
    report("p99 on / off", round(p99_ratio, 3), "", "<= 1.15", p99_ratio <= 1.15)
    # What a server on cores of its own could issue each way: its CPU per ticket, sending included.
    report("server CPU per ticket off / on", round(figures["off"][2] / figures["on"][2], 3), "", None, None)
    both = figures["off"][3] / figures["on"][3]  # the sending process is on the same box's cores
    report("server + sender CPU per ticket off / on", round(both, 3), "", None, None)


def split(
    server: Server, per_thread: dict[str, defaultdict[tuple[int, str], float]], tickets: dict[str, int]
) -> None:
    """The server's CPU per ticket by thread (user and system apart), off and on, and the difference."""
    names = thread_names(server)
    groups: dict[str, defaultdict[str, float]] = {mode: defaultdict(float) for mode in per_thread}
    for mode, cpu in per_thread.items():
        for (tid, kind), seconds in cpu.items():
            groups[mode][f"{thread_group(names.get(tid))} {kind}"] += seconds
    print("    the server's CPU per ticket by thread (off / on / extra):")
    for group in sorted(set(groups["off"]) | set(groups["on"]), key=lambda g: -groups["on"][g]):
        off, on = (groups[m][group] / max(tickets[m], 1) * 1000 for m in ("off", "on"))
        if off or on:
            report(f"  {group[:32]}", f"{off:.3f} / {on:.3f} / {on - off:+.3f}", "ms", None, None)


def backlog(server: Server, kiosk: str, manager: str, gateway: Gateway, n: int, outage: float) -> None:
    heading(f"{n} notices queued while the gateway is away {outage:.0f} s, then drained")
    gateway.away(10**9)
    began = time.monotonic()
    before = len(gateway.received())

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
    cpu, sending = server_cpu(server), sender_cpu(server)
    gateway.away(0)
    back = time.monotonic()
    deadline = back + 600
    while time.monotonic() < deadline and pending(server, manager):
        time.sleep(0.25)
    drained = time.monotonic() - back
    delivered = len(gateway.received()) - before
    report("drained in", round(drained, 1), "s", "<= 60", drained <= 60)
    report("delivered once each", f"{delivered} / {n}", "", "equal", delivered == n)
    report("server CPU while draining", round(server_cpu(server) - cpu, 1), "s", None, None)
    report("sender CPU while draining", round(sender_cpu(server) - sending, 1), "s", None, None)
    print(f"    {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency-n", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--outage", type=float, default=60.0)
    parser.add_argument(
        "--batch-size", type=int, default=100, help="the gateway's messages a request (1: one a request)"
    )
    parser.add_argument(
        "--threads",
        action="store_true",
        help="split the server's CPU per ticket by thread (names by py-spy dump)",
    )
    args = parser.parse_args()
    since = len(failures())
    os.environ[SECRET_ENV] = "bench-secret"  # the server process inherits it
    gateway = Gateway("bench-secret")
    print(CORES_NOTE)
    print(f"start: {load()}; this process's CPU {resource.getrusage(resource.RUSAGE_SELF).ru_utime:.1f} s")
    server = Server()
    try:
        server.start()
        server.lift_daily_caps()
        kiosk, manager = server.token("kiosk"), server.token("manager")
        configure(server, manager, gateway, args.batch_size)
        latency(server, kiosk, gateway, args.latency_n)
        throughput(server, kiosk, manager, gateway, args.seconds, args.threads)
        backlog(server, kiosk, manager, gateway, args.backlog, args.outage)
    finally:
        finish(server, since)
        gateway.stop()


if __name__ == "__main__":
    main()
