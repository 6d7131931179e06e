"""Live events: call-next to every board's websocket, with 250 subscribers on the "hall" topic.

250 websockets connect to ``/ws?token=BOARD`` and subscribe to ``hall``; once every one has its
snapshot, a clerk at window 5 calls the next ticket 200 times (concluding after each call). A
round's latency runs from just before the call-next POST to the moment the *last* subscriber has
received the ``ticket.called`` frame for that number. Every subscriber's ``seq`` on ``hall`` must
be consecutive for the whole run. The server's RSS is read with all subscribers connected.

Afterwards (``--late``, not timed) subscribers join one per call-next while the window keeps
calling: the first call a joiner receives must follow the newest call in its snapshot, else a call
was lost between the snapshot and the subscription even though the seqs look consecutive.

All sockets are read by one asyncio loop in this process, on the same 2 cores as the server: the
client's own receive and parse time is inside the figures, so by default they are read by the
cheap client of ``benchmarks.ws_client`` (frames cut by hand in ``data_received``, stamped with
``time.perf_counter`` on receipt); ``--client websockets`` reads them with a ``websockets`` reader
task per socket instead. The server's and this client's CPU per round are printed with the load.

    .venv/bin/python -m benchmarks.live [--subscribers 250] [--rounds 200] [--client raw|websockets]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import ssl
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

import httpx
import orjson
import websockets
from websockets.asyncio.client import ClientConnection

from benchmarks import ws_client
from benchmarks.common import (
    CORES_NOTE,
    RESULTS,
    Server,
    auth,
    cpu_seconds,
    failures,
    finish,
    heading,
    percentile,
    report,
    show_log_problems,
)

WINDOW = "5"
SERVICES = ("RS001", "RS002", "RS003", "RS004")  # window 5 serves these first (demo caps 200/80/80/100)
DEMO_CAPS = 460
TOPIC = "hall"


class Closable(Protocol):
    """A subscriber's socket, of either client."""

    async def close(self) -> None: ...


@dataclass
class Sub:
    """One subscriber's view of the stream."""

    index: int
    snapshot_seq: int | None = None
    last_seq: int | None = None
    frames: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)  # (expected, got)
    errors: list[str] = field(default_factory=list)
    closed: str | None = None
    late: bool = False  # joined while calls were going on: not timed, checked against the call order
    snapshot_calls: list[str] = field(default_factory=list)  # recent_calls numbers in its snapshot
    called: list[str] = field(default_factory=list)  # ticket.called numbers received after it


class Tracker:
    """Which subscriber has seen which call, and when the last one of them did."""

    def __init__(self, subscribers: int) -> None:
        self.subscribers = subscribers
        self.snapshots = 0
        self.all_snapshots = asyncio.Event()
        self.arrivals: dict[tuple[str, str], list[float]] = {}
        self.complete: dict[tuple[str, str], asyncio.Event] = {}

    def waiter(self, kind: str, number: str) -> asyncio.Event:
        return self.complete.setdefault((kind, number), asyncio.Event())

    def arrived(self, kind: str, number: str, stamp: float) -> None:
        stamps = self.arrivals.setdefault((kind, number), [])
        stamps.append(stamp)
        if len(stamps) == self.subscribers:
            self.waiter(kind, number).set()

    def snapshot(self) -> None:
        self.snapshots += 1
        if self.snapshots == self.subscribers:
            self.all_snapshots.set()


def handle(sub: Sub, tracker: Tracker, message: str | bytes, stamp: float) -> None:
    """One frame a subscriber received at ``stamp``: stamp calls, check seq on the hall topic."""
    data = orjson.loads(message)
    kind = data.get("type")
    sub.frames += 1
    if kind == "snapshot" and data.get("topic") == TOPIC:
        sub.snapshot_seq = sub.last_seq = data["seq"]
        if sub.late:
            sub.snapshot_calls = [c["number"] for c in data["payload"].get("recent_calls", [])]
        else:
            tracker.snapshot()
        return
    if kind == "error":
        sub.errors.append(f"{data.get('code')}: {data.get('message_en')}")
        return
    if data.get("topic") != TOPIC or "seq" not in data:
        return  # heartbeat, pong
    seq = data["seq"]
    if sub.last_seq is None:
        sub.errors.append(f"event seq {seq} before the snapshot")
    elif seq != sub.last_seq + 1:
        sub.gaps.append((sub.last_seq + 1, seq))
    sub.last_seq = seq
    if kind == "ticket.called":
        sub.called.append(data["payload"]["number"])
    if kind in ("ticket.called", "ticket.concluded") and not sub.late:
        tracker.arrived(kind, data["payload"]["number"], stamp)


async def reader(ws: ClientConnection, sub: Sub, tracker: Tracker) -> None:
    """Read one ``websockets`` client socket until it closes (``--client websockets``)."""
    try:
        async for message in ws:
            handle(sub, tracker, message, time.perf_counter())
    except websockets.ConnectionClosed as closed:
        sub.closed = f"closed {closed.rcvd.code if closed.rcvd else 'abnormally'}"
    else:
        sub.closed = f"closed {ws.close_code}"


async def close_all(sockets: list[Closable], tasks: list[asyncio.Task[None]]) -> None:
    """Close the subscribers' sockets and stop their readers."""
    for ws in sockets:
        with contextlib.suppress(Exception):
            await ws.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def connect_all(
    url: str,
    count: int,
    tracker: Tracker,
    parallel: int,
    deflate: bool = True,
    tls: ssl.SSLContext | None = None,
    client: str = "raw",
) -> tuple[list[Closable], list[Sub], list[asyncio.Task[None]]]:
    """Open ``count`` sockets (``parallel`` handshakes at a time), subscribe each to the hall
    (``tls``: the context that trusts a ``wss://`` server's certificate; ``client``: ``raw``, the
    cheap reader of ``ws_client``, or ``websockets``, whose client offers deflate unless told not to)."""
    semaphore = asyncio.Semaphore(parallel)
    sockets: list[Closable] = []
    subs: list[Sub] = []
    tasks: list[asyncio.Task[None]] = []

    failed: list[str] = []

    async def one(index: int) -> None:
        sub = Sub(index)
        async with semaphore:
            try:
                if client == "raw":
                    raw = await ws_client.connect(
                        url, partial(handle, sub, tracker), tls, partial(setattr, sub, "closed")
                    )
                    sockets.append(raw)
                    subs.append(sub)
                    raw.send_text(json.dumps({"type": "subscribe", "topics": [TOPIC]}))
                    return
                ws = await websockets.connect(
                    url,
                    ping_interval=None,
                    max_size=2**24,
                    open_timeout=30,
                    compression="deflate" if deflate else None,
                    **({"ssl": tls} if tls is not None else {}),
                )
            except (OSError, TimeoutError, websockets.WebSocketException) as error:
                failed.append(f"{type(error).__name__}: {error}")
                return
            sockets.append(ws)
            subs.append(sub)
            tasks.append(asyncio.create_task(reader(ws, sub, tracker)))
            await ws.send(json.dumps({"type": "subscribe", "topics": [TOPIC]}))

    await asyncio.gather(*(one(i) for i in range(count)))
    if failed:
        report("websocket connects failed", len(failed), f"of {count}", "== 0", False)
        print(f"    first: {failed[0]}")
        tracker.subscribers = len(sockets)  # wait for the ones that are there
        if tracker.snapshots >= tracker.subscribers:
            tracker.all_snapshots.set()
    return sockets, subs, tasks


async def prepare(server: Server, clerk: str, kiosk: str, tickets: int) -> None:
    """Open window 5 and queue ``tickets`` tickets for it, before anyone subscribes."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10.0) as client:
        response = await client.post(f"/api/v1/windows/{WINDOW}/open", headers=auth(clerk))
        response.raise_for_status()
        for i in range(tickets):
            code = SERVICES[i % len(SERVICES)]
            response = await client.post("/api/v1/tickets", json={"service_code": code}, headers=auth(kiosk))
            if response.status_code != 201:
                raise RuntimeError(f"could not issue {code}: {response.status_code} {response.text}")


@dataclass
class Rounds:
    """The measured rounds."""

    latencies_ms: list[float] = field(default_factory=list)
    first_ms: list[float] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    called: list[str] = field(default_factory=list)  # numbers in the order window 5 called them


async def run_rounds(
    server: Server, clerk: str, tracker: Tracker, rounds: int, wait: float, result: Rounds | None = None
) -> Rounds:
    """call-next (measured to the last subscriber's receipt), then conclude (waited for, not measured)."""
    result = result if result is not None else Rounds()
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10.0) as client:
        base = f"/api/v1/windows/{WINDOW}"
        for _ in range(rounds):
            t0 = time.perf_counter()
            response = await client.post(f"{base}/call-next", headers=auth(clerk))
            replied = time.perf_counter()
            ticket = response.json().get("ticket") if response.status_code == 200 else None
            if ticket is None:
                result.failed.append(f"call-next: {response.status_code} {response.text[:200]}")
                break
            number = ticket["number"]
            result.called.append(number)
            try:
                await asyncio.wait_for(tracker.waiter("ticket.called", number).wait(), wait)
            except TimeoutError:
                got = len(tracker.arrivals.get(("ticket.called", number), []))
                result.timeouts.append(f"{number}: {got}/{tracker.subscribers} subscribers within {wait:g} s")
            else:
                stamps = tracker.arrivals[("ticket.called", number)]
                result.latencies_ms.append((max(stamps) - t0) * 1000)
                result.first_ms.append((min(stamps) - t0) * 1000)
                result.post_ms.append((replied - t0) * 1000)
            response = await client.post(f"{base}/conclude", headers=auth(clerk))
            if response.status_code != 200:
                result.failed.append(f"conclude {number}: {response.status_code} {response.text[:200]}")
                break
            with contextlib.suppress(TimeoutError):  # let every socket drain before the next round
                await asyncio.wait_for(tracker.waiter("ticket.concluded", number).wait(), wait)
    return result


async def measure(server: Server, args: argparse.Namespace) -> None:
    board = server.token("board")
    clerk = server.token("clerk", window=WINDOW)
    kiosk = server.token("kiosk")
    await prepare(server, clerk, kiosk, args.rounds + args.late + 5)
    tracker = Tracker(args.subscribers)
    url = f"{server.ws_url}?token={board}"
    started = time.perf_counter()
    sockets, subs, tasks = await connect_all(
        url,
        args.subscribers,
        tracker,
        args.parallel_connects,
        deflate=not args.no_deflate,
        client=args.client,
    )
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(tracker.all_snapshots.wait(), args.wait * 10)
    connect_s = time.perf_counter() - started
    report(
        "subscribers with a snapshot",
        tracker.snapshots,
        f"of {args.subscribers}",
        f"== {args.subscribers}",
        tracker.snapshots == args.subscribers,
    )
    report("connect + subscribe + snapshot, all", connect_s, "s", None, None)
    health = httpx.get(server.base_url + "/healthz", timeout=5).json()
    report("subscribers seen by the server", health.get("subscribers"), "", None, None)
    rss_connected = server.rss_mb()

    server_cpu, client_cpu, wall = cpu_seconds(server.pid), time.process_time(), time.perf_counter()
    rounds = await run_rounds(server, clerk, tracker, args.rounds, args.wait)
    server_cpu, client_cpu = cpu_seconds(server.pid) - server_cpu, time.process_time() - client_cpu
    wall, load = time.perf_counter() - wall, os.getloadavg()
    rss_after = server.rss_mb()
    peak = server.rss_mb("VmHWM")

    lat = rounds.latencies_ms
    measured = len(lat)
    report("rounds measured", measured, f"of {args.rounds}", f"== {args.rounds}", measured == args.rounds)
    if lat:
        p99 = percentile(lat, 99)
        report("call -> last subscriber p50", percentile(lat, 50), "ms", None, None)
        report("call -> last subscriber p95", percentile(lat, 95), "ms", None, None)
        report("call -> last subscriber p99", p99, "ms", "<= 25", p99 <= 25)
        report("call -> last subscriber max", max(lat), "ms", None, None)
        report("call -> first subscriber p50", percentile(rounds.first_ms, 50), "ms", None, None)
        report("call -> first subscriber p99", percentile(rounds.first_ms, 99), "ms", None, None)
        report("call-next HTTP reply p50", percentile(rounds.post_ms, 50), "ms", None, None)
        report("call-next HTTP reply p99", percentile(rounds.post_ms, 99), "ms", None, None)
    if lat:
        slowest = sorted(range(len(lat)), key=lambda i: -lat[i])[:5]
        print("    slowest rounds (round: ms): " + ", ".join(f"{i + 1}: {lat[i]:.1f}" for i in slowest))
    for line in (rounds.failed + rounds.timeouts)[:10]:
        print(f"    {line}")
    bad_rounds = len(rounds.timeouts) + len(rounds.failed)
    report("rounds timed out/failed", bad_rounds, "", "== 0", bad_rounds == 0)

    with_gaps = [s for s in subs if s.gaps]
    gap_count = sum(len(s.gaps) for s in subs)
    report("hall seq gaps", gap_count, f"in {len(with_gaps)} subs", "== 0", gap_count == 0)
    for sub in with_gaps[:5]:
        print(f"    subscriber {sub.index}: expected/got {sub.gaps[:5]}")
    errors = [(s.index, e) for s in subs for e in s.errors]
    for index, error in errors[:5]:
        print(f"    subscriber {index}: {error}")
    closed = [s for s in subs if s.closed]
    report("subscribers closed by the server", len(closed), "", "== 0", not closed)
    for sub in closed[:5]:
        print(f"    subscriber {sub.index}: {sub.closed}")
    report(f"server RSS, {args.subscribers} subscribers", rss_after, "MB", "<= 200", rss_after <= 200)
    report("server RSS after the snapshots", rss_connected, "MB", None, None)
    report("server peak RSS (VmHWM)", peak, "MB", None, None)
    frames = sum(s.frames for s in subs)
    report("frames received (all sockets)", frames, "frames", None, None)
    per_round = 1000 / max(1, len(rounds.called))
    report("server CPU per round (call + conclude)", server_cpu * per_round, "ms", None, None)
    report("this client (all sockets read): CPU per round", client_cpu * per_round, "ms", None, None)
    report("rounds: wall time", wall, "s", None, None)
    print(f"    load average at the end of the rounds: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")

    if args.late:
        await late_joiners(server, board, clerk, tracker, rounds, args)

    await close_all(sockets, tasks)


async def late_joiners(
    server: Server, board: str, clerk: str, tracker: Tracker, rounds: Rounds, args: argparse.Namespace
) -> None:
    """Subscribers joining while window 5 keeps calling: does snapshot + stream miss a call?

    A joiner's snapshot lists the recent calls and carries the topic's seq; the first ``ticket.called``
    it then receives must be the call right after the newest one in its snapshot. A later one means a
    call was lost between the snapshot and the subscription, although the seqs look consecutive.
    """
    heading(f"subscribers joining during calls: {args.late} joiners, one per call-next (not timed)")
    url = f"{server.ws_url}?token={board}"
    joiners: list[Sub] = []
    sockets: list[ClientConnection] = []
    tasks: list[asyncio.Task[None]] = []

    async def join(index: int) -> None:
        ws = await websockets.connect(url, ping_interval=None, max_size=2**24, open_timeout=30)
        sub = Sub(index, late=True)
        joiners.append(sub)
        sockets.append(ws)
        tasks.append(asyncio.create_task(reader(ws, sub, tracker)))
        await ws.send(json.dumps({"type": "subscribe", "topics": [TOPIC]}))

    joining = []
    for i in range(args.late):
        joining.append(asyncio.create_task(join(args.subscribers + i)))
        await run_rounds(server, clerk, tracker, 1, args.wait, rounds)
    await asyncio.gather(*joining, return_exceptions=True)
    for _ in range(3):  # calls after the last join, so every joiner has a "next call" to see
        await run_rounds(server, clerk, tracker, 1, args.wait, rounds)
    await asyncio.sleep(0.5)

    order = {number: i for i, number in enumerate(rounds.called)}
    missed: list[str] = []
    repeated: list[str] = []
    unchecked = 0
    for sub in joiners:
        known = [order[n] for n in sub.snapshot_calls if n in order]
        if sub.snapshot_seq is None or not sub.called or sub.called[0] not in order:
            unchecked += 1
            continue
        newest = max(known, default=-1)
        first = order[sub.called[0]]
        if first > newest + 1:
            skipped = rounds.called[newest + 1 : first]
            missed.append(
                f"joiner {sub.index}: snapshot seq {sub.snapshot_seq} newest call "
                f"{rounds.called[newest] if newest >= 0 else '-'}, first event {sub.called[0]}; "
                f"never saw {', '.join(skipped)}"
            )
        elif first <= newest:
            repeated.append(f"joiner {sub.index}: {sub.called[0]} both in its snapshot and as an event")
    report("joiners checked", len(joiners) - unchecked, f"of {args.late}", None, None)
    report("joiners that silently missed a call", len(missed), "", "== 0", not missed)
    for line in missed[:5]:
        print(f"    {line}")
    report("joiners that got a call twice", len(repeated), "", None, None)
    for line in repeated[:3]:
        print(f"    {line}")
    gaps = sum(len(s.gaps) for s in joiners)
    report("joiners' hall seq gaps", gaps, "", "== 0", gaps == 0)
    await close_all(sockets, tasks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=250, help="websocket subscribers (default 250)")
    parser.add_argument("--rounds", type=int, default=200, help="call-next rounds (default 200)")
    parser.add_argument(
        "--late", type=int, default=25, help="subscribers joining during calls afterwards (0: skip)"
    )
    parser.add_argument("--wait", type=float, default=5.0, help="seconds to wait for a frame to reach all")
    parser.add_argument("--parallel-connects", type=int, default=50, help="handshakes at a time")
    parser.add_argument(
        "--no-deflate",
        action="store_true",
        help="do not offer permessage-deflate (browsers and the websockets client offer it by default)",
    )
    parser.add_argument(
        "--client",
        choices=("raw", "websockets"),
        default="raw",
        help="how the subscribers are read: raw (benchmarks.ws_client, least CPU) or the websockets client",
    )
    args = parser.parse_args(argv)
    start = len(RESULTS)
    heading(
        f"live events: {args.subscribers} websocket subscribers on '{TOPIC}', {args.rounds} call-next rounds"
    )
    print(CORES_NOTE)
    print("note: all sockets are read by this one Python process; its receive time is in the figures.")
    deflate = "not offered (--no-deflate)" if args.no_deflate else "offered, as browsers do"
    if args.client == "raw":
        deflate = "not offered (the raw client; the server never negotiates it anyway)"
    print(f"client: {args.client} on {ws_client.loop_name()}")
    print(f"permessage-deflate: {deflate}")
    server = Server().start()
    try:
        if args.rounds + args.late + 10 > DEMO_CAPS:
            server.lift_daily_caps()
        ws_client.run(measure(server, args))
    finally:
        server.stop()
    show_log_problems(server)
    finish(server, start)
    missed = failures(start)
    print(f"\nlive: {len(missed)} figure(s) missed their target" if missed else "\nlive: all targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
