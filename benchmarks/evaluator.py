"""Evaluator pads: key press → evaluation stored, RS-232 and RS-485 buses over real ptys at 9600 baud.

A demo-hall server runs as ``hallq serve --demo`` with 32 extra windows (B01..B32); emulated pads
(hardware_mocks, in a process of their own: benchmarks/pad_process.py) sit on a pty paced at 9600
baud (1.04 ms a byte), one pad point to point (RS-232) or 8 / 32 pads sharing one pty as an
RS-485 bus that the bridge polls. Each pad has a worker: the
clerk concludes a case at the pad's window, the pad is asked, the rater thinks a moment (so the
pads' ratings overlap) and presses a key; the latency runs from the press to the moment the bridge
has the server's 201 (the evaluation stored). Then 8 pads again with 1 % of bytes corrupted and 1 %
of frames dropped both ways: delivered share, wrong and duplicate ratings, false offline reports.
ASK_RATING frames written per evaluation asked are counted on the bridge's side of the line.

    .venv/bin/python -m benchmarks.evaluator [--ratings 1000] [--outage 10]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks import common
from benchmarks.common import (
    Server,
    auth,
    failures,
    finish,
    hallq,
    heading,
    percentile,
    report,
    show_log_problems,
)
from benchmarks.pad_process import start_rack
from evaluator_device import protocol as p
from evaluator_device.bridge import Bridge, PadConfig
from evaluator_device.master import Line
from hardware_mocks.evaluator_pad import Faults

SERVICE = "RS001"
WINDOWS = [f"B{n:02d}" for n in range(1, 33)]
NAMES = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}


def add_windows(server: Server) -> None:
    """32 windows serving RS001, through catalogue export/import (the demo hall has 26)."""
    exported = server.workdir / "catalogue-pads.json"
    hallq("catalogue", "export", str(exported), "--db", str(server.db), cwd=server.workdir)
    data = json.loads(exported.read_text(encoding="utf-8"))
    template = next(w for w in data["windows"] if w["number"] == "5")
    for number in WINDOWS:
        data["windows"].append(
            {
                **template,
                "number": number,
                "name": f"评价测试窗口{number}",
                "services": [{"service": SERVICE, "preference": 1, "weight": 1.0}],
            }
        )
    exported.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    hallq("catalogue", "import", str(exported), "--db", str(server.db), cwd=server.workdir)


def make_tokens(server: Server) -> dict[str, str]:
    """Kiosk, manager, and a clerk and an evaluator token per window, in one process (the server is
    stopped: 66 ``hallq token create`` runs would take minutes on a loaded machine)."""
    from hallq.bootstrap import build_runtime
    from queue_server import contract as c
    from queue_server.config import ServerSettings
    from queue_server.services.admin.accounts import create_token

    runtime = build_runtime(ServerSettings(db=str(server.db)))

    def token(role: c.Role, window: str | None = None) -> str:
        return str(
            runtime.write_sync(
                lambda uow: create_token(
                    uow, runtime.tokens, hall=None, role=role, window=window, label="bench pads"
                )
            )
        )

    try:
        tokens = {"kiosk": token(c.Role.KIOSK), "manager": token(c.Role.MANAGER)}
        for window in WINDOWS:
            tokens[f"clerk-{window}"] = token(c.Role.CLERK, window)
            tokens[f"evaluator-{window}"] = token(c.Role.EVALUATOR, window)
    finally:
        runtime.stop()
    return tokens


@dataclass
class Run:
    """What one set-up measured."""

    latencies: list[float] = field(default_factory=list)
    on_line: list[float] = field(default_factory=list)  # press → the rating heard by the bridge
    pressed: dict[int, str] = field(default_factory=dict)
    lost_questions: int = 0


class Rig:
    """Pads on one pty (a bus when several) and a bridge polling them."""

    def __init__(
        self,
        server: Server,
        tokens: dict[str, str],
        count: int,
        line: str,
        faults: Faults,
        folder: Path,
        version: int = 1,
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.windows = WINDOWS[:count]
        self.manager, self.pads = start_rack(count, line, faults, version)  # the pads' own process
        port = self.pads.port()
        configs = [
            PadConfig(n + 1, window, tokens[f"evaluator-{window}"], Line(line))
            for n, window in enumerate(self.windows)
        ]
        self.bridge = Bridge(server.base_url, port, configs, folder / "outbox.db")
        self.bridge.start()

    def close(self) -> None:
        self.bridge.stop()
        self.pads.stop()
        self.manager.shutdown()


def run(
    rig: Rig, server: Server, tokens: dict[str, str], count: int, think: float, gap: float, seed: int
) -> Run:
    """``count`` ratings spread over the rig's pads, each pad's worker rating one case after another.

    ``think``: mean seconds between the question and the key press; ``gap``: mean seconds between a
    rating and the next case concluded at that window (a clerk serves the next person meanwhile).
    """
    result = Run()
    issue = threading.Lock()  # issue + call-next as one step, so each window calls its own ticket
    remaining = [count]
    counter = threading.Lock()

    def worker(index: int) -> None:
        pads, window = rig.pads, rig.windows[index]
        rng = random.Random(seed * 100 + index)
        clerk = auth(tokens[f"clerk-{window}"])
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            while True:
                with counter:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                with issue:
                    client.post(
                        "/api/v1/tickets", json={"service_code": SERVICE}, headers=auth(tokens["kiosk"])
                    ).raise_for_status()
                    client.post(f"/api/v1/windows/{window}/call-next", headers=clerk).raise_for_status()
                client.post(f"/api/v1/windows/{window}/conclude", headers=clerk).raise_for_status()
                asked = pads.wait_asked(index, 20)
                if asked is None:
                    with counter:
                        result.lost_questions += 1
                    continue
                if think:
                    time.sleep(rng.uniform(0.5, 1.5) * think)
                level = rng.randint(1, 5)
                t0 = pads.press(index, level, (1,) if level >= 4 else ())
                with counter:
                    result.pressed[asked] = NAMES[level]
                deadline = time.monotonic() + 30
                with rig.bridge.delivered:
                    while asked not in rig.bridge.delivered_at and time.monotonic() < deadline:
                        rig.bridge.delivered.wait(0.2)
                    done = rig.bridge.delivered_at.get(asked)
                if done is not None:
                    heard = rig.bridge.heard_at.get(asked, done)
                    with counter:
                        result.latencies.append((done - t0) * 1000)
                        result.on_line.append((heard - t0) * 1000)
                if gap:
                    time.sleep(rng.uniform(0.5, 1.5) * gap)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(rig.windows))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def stored_levels(server: Server, manager: str) -> dict[int, str]:
    """Evaluation id → level name of every rated evaluation on the server."""
    response = httpx.get(f"{server.base_url}/api/v1/evaluations", headers=auth(manager), timeout=60)
    response.raise_for_status()
    return {e["id"]: e["level_name"] for e in response.json() if e["status"] == "rated"}


def asks_per_evaluation(rig: Rig) -> tuple[float, float]:
    """Per evaluation the bridge was to ask about: ASK_RATING frames it wrote (retransmissions of an
    unanswered one included), and ASK_RATING commands it issued (questions asked again)."""
    asked = max(1, rig.bridge.outbox.db.execute("SELECT COUNT(*) FROM asked").fetchone()[0])
    return rig.bridge.link.sent[p.Command.ASK_RATING] / asked, sum(rig.bridge.asks.values()) / asked


def setup(
    name: str,
    server: Server,
    tokens: dict[str, str],
    pads: int,
    line: str,
    faults: Faults,
    folder: Path,
    args: argparse.Namespace,
    target_p95: float,
    seed: int,
) -> None:
    """One row of the table: latency, ASKs per evaluation, and (with faults) the delivery checks."""
    name = f"{name}, protocol {args.protocol}"
    where = folder / name.replace(" ", "-").replace(",", "")
    rig = Rig(server, tokens, pads, line, faults, where, args.protocol)
    try:
        bus = pads > 1
        think, gap = (args.think, args.gap) if bus else (0.0, 0.0)
        began = time.monotonic()
        result = run(rig, server, tokens, args.ratings, think=think, gap=gap, seed=seed)
        seconds = time.monotonic() - began
        rig.bridge.wait_delivered(len(result.pressed), timeout=60)
        asks = asks_per_evaluation(rig)
        offline = rig.bridge.went_offline
        corrupted, dropped = rig.pads.faults_seen()
        exchanges = rig.bridge.master.exchanges
        unanswered = rig.bridge.master.unanswered
        refused = rig.bridge.outbox.db.execute(
            "SELECT COUNT(*) FROM ratings WHERE result LIKE 'refused%'"
        ).fetchone()[0]
    finally:
        rig.close()
    stored = stored_levels(server, tokens["manager"])
    p95 = percentile(result.latencies, 95)
    report(f"{name}: press → stored p50", percentile(result.latencies, 50), "ms", None, None)
    report(f"{name}: press → stored p95", p95, "ms", f"<= {target_p95:g}", p95 <= target_p95)
    report(f"{name}: press → stored max", max(result.latencies, default=float("nan")), "ms", None, None)
    report(
        f"{name}:   of which press → heard on the line, p50", percentile(result.on_line, 50), "ms", None, None
    )
    report(
        f"{name}:   of which press → heard on the line, p95", percentile(result.on_line, 95), "ms", None, None
    )
    clean = not (faults.corrupt or faults.drop)
    report(f"{name}: ASK_RATING frames per evaluation", f"{asks[0]:.3f}", "", None, None)
    report(
        f"{name}: questions asked per evaluation",
        f"{asks[1]:.3f}",
        "",
        "1.000" if clean else None,
        asks[1] <= 1.0 if clean else None,
    )
    report(
        f"{name}: bus exchanges",
        f"{exchanges} in {seconds:.0f} s ({exchanges / seconds:.1f}/s)",
        "",
        None,
        None,
    )
    report(f"{name}: exchanges unanswered within the reply wait", unanswered, "", None, None)
    delivered = sum(1 for eid in result.pressed if eid in stored)
    wrong = sum(1 for eid, level in result.pressed.items() if eid in stored and stored[eid] != level)
    share = 100.0 * delivered / max(1, len(result.pressed))
    report(f"{name}: ratings delivered", f"{delivered}/{len(result.pressed)} ({share:.2f} %)", "", None, None)
    report(f"{name}: wrong ratings stored", wrong, "", "0", wrong == 0)
    report(f"{name}: duplicate/refused deliveries", refused, "", "0", refused == 0)
    report(f"{name}: pads reported offline", offline, "", "0", offline == 0)
    if faults.corrupt or faults.drop:
        report(f"{name}: bytes corrupted / frames dropped", f"{corrupted} / {dropped}", "", None, None)
        report(f"{name}: delivered share", share, "%", ">= 99.9", share >= 99.9)
        report(f"{name}: questions never shown", result.lost_questions, "", None, None)


def outage(server: Server, tokens: dict[str, str], folder: Path, seconds: float, version: int) -> None:
    """A rating pressed while the server is away arrives once after it returns, and is not asked again."""
    rig = Rig(server, tokens, 1, "rs485", Faults(), folder / "outage", version)
    window = rig.windows[0]
    try:
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            client.post("/api/v1/tickets", json={"service_code": SERVICE}, headers=auth(tokens["kiosk"]))
            client.post(f"/api/v1/windows/{window}/call-next", headers=auth(tokens[f"clerk-{window}"]))
            client.post(f"/api/v1/windows/{window}/conclude", headers=auth(tokens[f"clerk-{window}"]))
        asked = rig.pads.wait_asked(0, 10)
        assert asked is not None
        port = server.port
        server.stop()
        rig.pads.press(0, 2, ())
        time.sleep(seconds)
        waiting = rig.bridge.outbox.counts()["waiting"]
        common.free_port = lambda: port  # the bridge knows the server by its address: same port
        server.start()
        back = time.monotonic()
        ok = rig.bridge.wait_delivered(rig.bridge.outbox.counts()["delivered"] + waiting, timeout=60)
        after = (time.monotonic() - back) * 1000
        time.sleep(3)  # the live stream reconnects and catches up meanwhile
        asks = asks_per_evaluation(rig)
    finally:
        rig.close()
    stored = stored_levels(server, tokens["manager"])
    exactly_once = ok and stored.get(asked) == "满意"
    report(f"outage {seconds:g} s: kept on disk", waiting, "ratings", None, None)
    report("outage: delivered after return", after, "ms", None, None)
    report("outage: delivered exactly once", str(exactly_once), "", "True", exactly_once)
    report("outage: ASK_RATING frames per evaluation", f"{asks[0]:.3f}", "", "1.000", asks[0] <= 1.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ratings", type=int, default=1000, help="ratings per set-up")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean seconds a rater waits before pressing (buses)"
    )
    parser.add_argument(
        "--gap", type=float, default=1.0, help="mean seconds between cases at one window (buses)"
    )
    parser.add_argument(
        "--outage", type=float, default=10.0, help="server outage length in seconds (0: skip)"
    )
    parser.add_argument(
        "--protocol",
        type=int,
        choices=(1, 2),
        default=2,
        help="protocol version the pads speak (2: PROTOCOL.md section 11; 1 for the comparison)",
    )
    parser.add_argument("--only", default="", help="comma-separated set-ups: rs232,rs485-8,rs485-32,noisy")
    args = parser.parse_args(argv)
    since = len(common.RESULTS)
    heading("evaluator pads: key press → evaluation stored (ptys at 9600 baud)")
    server = Server().start()
    folder = Path(tempfile.mkdtemp(prefix="hallq-bench-pads-"))
    chosen = set(filter(None, args.only.split(","))) or {"rs232", "rs485-8", "rs485-32", "noisy"}
    try:
        server.stop()
        add_windows(server)
        server.lift_daily_caps()
        tokens = make_tokens(server)
        server.start()
        for window in WINDOWS:
            httpx.post(
                f"{server.base_url}/api/v1/windows/{window}/open",
                headers=auth(tokens[f"clerk-{window}"]),
                timeout=30,
            ).raise_for_status()
        clean = Faults()
        if "rs232" in chosen:
            setup("RS-232, 1 pad", server, tokens, 1, "rs232", clean, folder, args, 150, 1)
        if "rs485-8" in chosen:
            setup("RS-485, 8 pads", server, tokens, 8, "rs485", clean, folder, args, 300, 2)
        if "rs485-32" in chosen:
            setup("RS-485, 32 pads", server, tokens, 32, "rs485", clean, folder, args, 1000, 3)
        if "noisy" in chosen:
            noisy = Faults(corrupt=0.01, drop=0.01, seed=7)
            setup("RS-485, 8 pads, 1% faults", server, tokens, 8, "rs485", noisy, folder, args, 600, 4)
        if args.outage:
            outage(server, tokens, folder, args.outage, args.protocol)
        show_log_problems(server)
    finally:
        finish(server, since)
    return 1 if failures(since) else 0


if __name__ == "__main__":
    sys.exit(main())
