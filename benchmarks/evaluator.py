"""Evaluator pads: key press → evaluation stored over a real pty at 9600 baud: clean, noisy, an outage.

A demo-hall server runs as ``hallq serve --demo``; an emulated pad (hardware_mocks) sits on a pty
paced at 9600 baud (1.04 ms a byte) and the bridge (evaluator_device) reads the other end. Window 5
concludes a case, the pad is asked, a key is pressed: the latency runs from the press to the moment
the bridge has the server's 201 (the evaluation stored). Then the same with 1 % of bytes corrupted
and 1 % of frames dropped in both directions (delivered share, no wrong or duplicate rating), and a
server outage during which ratings are pressed (all must arrive exactly once after it returns).

    .venv/bin/python -m benchmarks.evaluator [--ratings 200] [--noisy 300] [--outage 60]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks import common
from benchmarks.common import (
    Server,
    auth,
    failures,
    finish,
    heading,
    percentile,
    report,
    show_log_problems,
)
from evaluator_device.bridge import Bridge, PadConfig
from hardware_mocks.evaluator_pad import EmulatedPad, Faults

WINDOW = "5"
SERVICES = ("RS001", "RS002", "RS003", "RS004")
NAMES = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}


class Rig:
    """A pad on a pty and a bridge for window 5."""

    def __init__(self, server: Server, token: str, faults: Faults, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.pad = EmulatedPad(address=1, baud=9600, faults=faults)
        port = self.pad.open_pty()
        self.pad.start()
        self.bridge = Bridge(server.base_url, port, [PadConfig(1, WINDOW, token)], folder / "outbox.db")
        self.bridge.start()

    def close(self) -> None:
        self.bridge.stop()
        self.pad.stop()


def conclude(client: httpx.Client, clerk: str, kiosk: str, i: int) -> None:
    """Issue a ticket, call it at window 5 and conclude it."""
    code = SERVICES[i % len(SERVICES)]
    response = client.post("/api/v1/tickets", json={"service_code": code}, headers=auth(kiosk))
    response.raise_for_status()
    client.post(f"/api/v1/windows/{WINDOW}/call-next", headers=auth(clerk)).raise_for_status()
    client.post(f"/api/v1/windows/{WINDOW}/conclude", headers=auth(clerk)).raise_for_status()


def stored_levels(server: Server, manager: str) -> dict[int, str]:
    """Evaluation id → level name of every rated evaluation on the server."""
    response = httpx.get(f"{server.base_url}/api/v1/evaluations", headers=auth(manager), timeout=30)
    response.raise_for_status()
    return {e["id"]: e["level_name"] for e in response.json() if e["status"] == "rated"}


def run(
    rig: Rig, server: Server, tokens: dict[str, str], count: int, seed: int
) -> tuple[list[float], dict[int, str]]:
    """``count`` ratings one after another; latencies (ms) of those delivered and what was pressed."""
    rng = random.Random(seed)
    latencies: list[float] = []
    pressed: dict[int, str] = {}
    start_delivered = rig.bridge.outbox.counts()["delivered"]
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        for i in range(count):
            conclude(client, tokens["clerk"], tokens["kiosk"], i)
            asked = rig.pad.wait_asked(timeout=10)
            if asked is None:
                continue
            level = rng.randint(1, 5)
            t0 = time.perf_counter()
            rig.pad.press(level, (1,) if level >= 4 else ())
            pressed[asked.evaluation_id] = NAMES[level]
            if rig.bridge.wait_delivered(start_delivered + len(pressed), timeout=15):
                latencies.append((time.perf_counter() - t0) * 1000)
    return latencies, pressed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ratings", type=int, default=200, help="clean-line ratings (latency)")
    parser.add_argument("--noisy", type=int, default=300, help="ratings with 1 %% corruption and drops")
    parser.add_argument("--outage", type=float, default=60.0, help="server outage length in seconds")
    args = parser.parse_args(argv)
    since = len(common.RESULTS)
    heading("evaluator pads: key press → evaluation stored (pty at 9600 baud)")
    server = Server().start()
    folder = Path(tempfile.mkdtemp(prefix="hallq-bench-pads-"))
    try:
        tokens = {
            "clerk": server.token("clerk", WINDOW),
            "kiosk": server.token("kiosk"),
            "manager": server.token("manager"),
            "evaluator": server.token("evaluator", WINDOW),
        }
        server.lift_daily_caps()
        httpx.post(
            f"{server.base_url}/api/v1/windows/{WINDOW}/open", headers=auth(tokens["clerk"])
        ).raise_for_status()

        rig = Rig(server, tokens["evaluator"], Faults(), folder / "clean")
        try:
            latencies, pressed = run(rig, server, tokens, args.ratings, seed=1)
        finally:
            rig.close()
        p95 = percentile(latencies, 95)
        report("press → stored p50", percentile(latencies, 50), "ms", None, None)
        report("press → stored p95", p95, "ms", "<= 200", p95 <= 200)
        report("press → stored max", max(latencies, default=float("nan")), "ms", None, None)
        report("clean ratings delivered", f"{len(latencies)}/{len(pressed)}", "", None, None)

        rig = Rig(server, tokens["evaluator"], Faults(corrupt=0.01, drop=0.01, seed=3), folder / "noisy")
        try:
            latencies, noisy = run(rig, server, tokens, args.noisy, seed=2)
            corrupted, dropped = rig.pad.stats.bytes_corrupted, rig.pad.stats.frames_dropped
            rig.bridge.wait_delivered(len(noisy), timeout=30)
        finally:
            rig.close()
        stored = stored_levels(server, tokens["manager"])
        delivered = sum(1 for eid in noisy if eid in stored)
        wrong = sum(1 for eid, name in {**pressed, **noisy}.items() if eid in stored and stored[eid] != name)
        share = 100.0 * delivered / max(1, len(noisy))
        report("noisy: bytes corrupted / frames dropped", f"{corrupted} / {dropped}", "", None, None)
        report("noisy: questions answered", f"{len(noisy)}/{args.noisy}", "", None, None)
        report("noisy: ratings delivered", share, "%", ">= 99.9", share >= 99.9)
        report("noisy: press → stored p95", percentile(latencies, 95), "ms", None, None)
        report("wrong ratings stored", wrong, "", "0", wrong == 0)

        rig = Rig(server, tokens["evaluator"], Faults(), folder / "outage")
        try:
            with httpx.Client(base_url=server.base_url, timeout=10) as client:
                conclude(client, tokens["clerk"], tokens["kiosk"], 0)
            asked = rig.pad.wait_asked(timeout=10)
            port = server.port
            server.stop()
            assert asked is not None
            rig.pad.press(2)
            time.sleep(args.outage)
            waiting = rig.bridge.outbox.counts()["waiting"]
            common.free_port = lambda: port  # the bridge knows the server by its address: same port
            server.start()
            back = time.perf_counter()
            ok = rig.bridge.wait_delivered(rig.bridge.outbox.counts()["delivered"] + waiting, timeout=60)
            after = (time.perf_counter() - back) * 1000
        finally:
            rig.close()
        stored = stored_levels(server, tokens["manager"])
        exactly_once = ok and stored.get(asked.evaluation_id) == "满意"
        report(f"outage {args.outage:g} s: kept on disk", waiting, "ratings", None, None)
        report("outage: delivered after return", after, "ms", None, None)
        report("outage: delivered exactly once", str(exactly_once), "", "True", exactly_once)
        show_log_problems(server)
    finally:
        finish(server, since)
    return 1 if failures(since) else 0


if __name__ == "__main__":
    sys.exit(main())
