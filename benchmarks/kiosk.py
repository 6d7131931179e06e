"""Kiosk figures: tap on a service → receipt decoded at the printer emulator; cold start; memory.

    .venv/bin/python -m benchmarks.kiosk [--taps 30] [--starts 3] [--cards 10]

Starts ``hallq serve --demo`` (temp SQLite file) and the printer emulator in this process, then
- runs benchmarks.kiosk_driver (the real Kivy app, offscreen, the kiosk's own window size) in a child
  process that taps 取号 on a guide ``--taps`` times, then puts an ID card on the emulated reader (on
  a pty, polled as the kiosk polls a real one) 10 times and times it until the start screen greets
  the card's holder with their tickets (the server's lookup included); the latency of each tap is
  from the finger down to the cut decoded by the emulator (both read ``time.perf_counter``, the
  system's monotonic clock);
  the same process reads its memory (RSS) with the start screen idle, after the first citizen's flow
  (guide → ticket printed and shown) and after all the taps;
- starts ``hallq kiosk --windowed`` ``--starts`` times (the first with empty caches) and times the
  process from its start to its first screen; then reads its memory once the catalogue is shown and
  the helpers (pinyin, voice clips) have run.
Exit status 1 when a figure missed its target.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    CORES_NOTE,
    HALLQ,
    ROOT,
    Server,
    failures,
    heading,
    percentile,
    report,
    rss_kib,
)
from hardware_mocks.printer_server import MockPrinter

TAP_TARGET_MS = 300.0
CARD_TARGET_MS = 500.0
START_TARGET_S = 3.0
MEMORY_TARGET_MB = 200.0
OFFSCREEN = {"SDL_VIDEODRIVER": "offscreen", "SDL_AUDIODRIVER": "dummy", "KIVY_NO_ARGS": "1"}


def taps(server: Server, token: str, printer: MockPrinter, count: int, cards: int = 10) -> float:
    """Tap latencies against the emulator; returns the driver's peak memory in MiB."""
    driver = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.kiosk_driver",
            "--server",
            server.base_url,
            f"--token={token}",  # a token may begin with "-"
            "--printer",
            f"network://127.0.0.1:{printer.port}",
            "--taps",
            str(count),
            "--cards",
            str(cards),
        ],
        cwd=ROOT,
        env=dict(os.environ, **OFFSCREEN),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if driver.returncode != 0:
        raise RuntimeError(f"kiosk driver failed: {driver.stderr[-3000:]}")
    events = [json.loads(line) for line in driver.stdout.splitlines() if line.startswith("{")]
    printer.wait_for(count)
    latencies, screens = [], []
    for event in (e for e in events if e["event"] == "tap"):
        receipt = next(p for p in printer.receipts if event["number"] in p.receipt.lines)
        latencies.append((receipt.decoded_at - event["t0"]) * 1000)
        screens.append((event["shown"] - event["t0"]) * 1000)
    median = statistics.median(latencies)
    report(
        "tap → receipt decoded, median", median, "ms", f"<= {TAP_TARGET_MS:.0f} ms", median <= TAP_TARGET_MS
    )
    report("tap → receipt decoded, p90", percentile(latencies, 90), "ms", None, None)
    report("tap → receipt decoded, max", max(latencies), "ms", None, None)
    report("tap → ticket screen, median", statistics.median(screens), "ms", None, None)
    report("tickets printed", len(latencies), "", f"= {count}", len(latencies) == count)
    cards = [(e["shown"] - e["t0"]) * 1000 for e in events if e["event"] == "card"]
    if cards:
        card = statistics.median(cards)
        report(
            "ID card on the reader → the holder's service list, median",
            card,
            "ms",
            f"<= {CARD_TARGET_MS:.0f} ms",
            card <= CARD_TARGET_MS,
        )
        report("ID card on the reader → the holder's service list, max", max(cards), "ms", None, None)
        card_events = [e for e in events if e["event"] == "card"]
        card_stages(card_events, [e for e in events if e["event"] == "server"])
    stages = {e["stage"]: e for e in events if e["event"] == "memory"}
    for stage, label in (
        ("idle", "kiosk memory, start screen idle (RSS)"),
        ("after one citizen", "kiosk memory, guide → ticket printed"),
        ("end", f"kiosk memory, after {count} tickets"),
    ):
        rss = stages[stage]["rss_mb"]
        report(label, rss, "MB", f"<= {MEMORY_TARGET_MB:.0f} MB", rss <= MEMORY_TARGET_MB)
    memory = stages["end"]
    report("kiosk memory peak (VmHWM)", memory["peak_mb"], "MB", None, None)
    report("  of which heap + anonymous (no libraries)", memory["own_mb"], "MB", None, None)
    return float(memory["peak_mb"])


def card_stages(cards: list[dict[str, Any]], server: list[dict[str, Any]]) -> None:
    """Where a card's time goes: the median moment (ms after the card was put) of each step."""
    print(f"  load average {os.getloadavg()}")
    for stage, label in (
        ("found", "reader says 'card found' (the poll's wait)"),
        ("read", "card's text read by the watcher"),
        ("ui", "UI thread takes the card"),
        ("built", "holder's list built"),
        ("shown", "frame drawn"),
    ):
        moments = [e["stages"][stage] for e in cards if stage in e.get("stages", {})]
        if moments:
            report(f"  card: {label}, median at", statistics.median(moments), "ms", None, None)
    for key, label in (("cpu_ms", "kiosk CPU (all threads)"), ("ui_cpu_ms", "kiosk UI thread CPU")):
        spent = [e[key] for e in cards if key in e]
        if spent:
            report(f"  card: {label} put → drawn, median", statistics.median(spent), "ms", None, None)
    frames = [e["frames"] for e in cards if "frames" in e]
    if frames:
        report("  card: frames drawn put → drawn, median", statistics.median(frames), "", None, None)
        report("  card: frames drawn put → drawn, max", max(frames), "", None, None)
    tenth = len(cards) // 10
    if tenth >= 2:  # work per card must not grow with the cards before it
        for label, part in (("first", cards[:tenth]), ("last", cards[-tenth:])):
            spent = [e["ui_cpu_ms"] for e in part if "ui_cpu_ms" in e]
            if spent:
                median = statistics.median(spent)
                report(f"  card: UI thread CPU, {label} {tenth} cards, median", median, "ms", None, None)
    paths = sorted({path for e in cards for path, _a, _b in e.get("calls", [])})
    for path in paths:
        spans = [(a, b) for e in cards for p, a, b in e.get("calls", []) if p == path]
        starts, spent = [a for a, _ in spans], [b - a for a, b in spans]
        report(f"  card: {path} starts, median at", statistics.median(starts), "ms", None, None)
        report(f"  card: {path} client-side, median", statistics.median(spent), "ms", None, None)
    for entry in server:
        report(f"  card: {entry['route']} server-side, mean", entry["mean_ms"], "ms", None, None)


def collect(stream: Any, into: list[str]) -> None:
    """Keep a child's output lines as they come."""
    into.extend(iter(stream.readline, ""))


def cold_starts(server: Server, token: str, printer: MockPrinter, count: int) -> None:
    """``hallq kiosk`` from process start to its first screen, the first time with empty caches."""
    state = Path(tempfile.mkdtemp(prefix="kiosk-state-"))
    times: list[float] = []
    try:
        for attempt in range(count):
            started = time.perf_counter()
            child = subprocess.Popen(
                [
                    HALLQ,
                    "kiosk",
                    "--windowed",
                    "--server",
                    server.base_url,
                    "--state-dir",
                    str(state),
                    "--printer",
                    f"network://127.0.0.1:{printer.port}",
                ],
                cwd=ROOT,
                env=dict(os.environ, HALLQ_KIOSK_TOKEN=token, **OFFSCREEN),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert child.stderr is not None
            first = catalogue = None
            lines: list[str] = []
            reader = threading.Thread(target=collect, args=(child.stderr, lines), daemon=True)
            reader.start()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (first is None or catalogue is None):
                for line in list(lines):
                    if first is None and "first screen shown" in line:
                        first = time.perf_counter() - started
                    if catalogue is None and "catalogue shown" in line:
                        catalogue = time.perf_counter() - started
                time.sleep(0.01)
            if first is None or catalogue is None:
                child.kill()
                raise RuntimeError("kiosk did not show its first screen: " + "".join(lines)[-2000:])
            times.append(first)
            label = "cold caches" if attempt == 0 else "warm caches"
            report(
                f"start → first screen ({label})",
                first,
                "s",
                f"<= {START_TARGET_S:.0f} s",
                first <= START_TARGET_S,
            )
            report(f"start → services listed ({label})", catalogue, "s", None, None)
            if attempt == 0:
                time.sleep(8)  # pinyin helper, voice clips, a printer poll
                rss = rss_kib(child.pid) / 1024
                report(
                    "kiosk memory, idle (RSS)",
                    rss,
                    "MB",
                    f"<= {MEMORY_TARGET_MB:.0f} MB",
                    rss <= MEMORY_TARGET_MB,
                )
            child.terminate()
            child.wait(10)
    finally:
        shutil.rmtree(state, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--taps", type=int, default=30, help="tickets taken through the kiosk")
    parser.add_argument("--starts", type=int, default=3, help="kiosk cold starts")
    parser.add_argument(
        "--cards",
        type=int,
        default=10,
        help="ID cards put on the emulated reader (0: the kiosk runs without one)",
    )
    args = parser.parse_args(argv)
    since = len(failures())
    heading("kiosk: tap → printed ticket, start-up, memory")
    print(CORES_NOTE)
    server = Server().start()
    receipts = Path(tempfile.mkdtemp(prefix="kiosk-receipts-"))
    printer = MockPrinter(port=0, out_dir=receipts).start()
    try:
        token = server.token("kiosk")
        taps(server, token, printer, args.taps, args.cards)
        if args.starts:
            cold_starts(server, token, printer, args.starts)
    finally:
        printer.stop()
        server.stop()
    missed = failures()[since:] if since else failures()
    keep = bool(missed) or os.environ.get("HALLQ_BENCH_KEEP")
    if keep:
        print(f"kept {server.workdir} and {receipts}")
    else:
        shutil.rmtree(server.workdir, ignore_errors=True)
        shutil.rmtree(receipts, ignore_errors=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
