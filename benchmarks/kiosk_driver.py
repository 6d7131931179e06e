"""The kiosk app driven by touches, for benchmarks.kiosk: it taps 取号 on a guide N times and says when.

Run by benchmarks.kiosk in its own process (Kivy keeps one window per process); prints one JSON line
per event on stdout. ``time.perf_counter`` is the system's monotonic clock, so its readings compare
with the printer emulator's in the parent process.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def say(**event: Any) -> None:
    """One JSON line for the parent."""
    print(json.dumps(event), flush=True)


def rss_mb(field: str) -> float:
    """This process's memory (VmRSS now, VmHWM peak) in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def anonymous_mb() -> float:
    """Memory this process wrote itself (heap and anonymous mappings), without library pages."""
    total, counting = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        parts = line.split()
        if parts and "-" in parts[0] and ":" not in parts[0]:
            counting = len(parts) < 6 or parts[5] in ("[heap]", "[stack]")
        elif counting and line.startswith("Rss:"):
            total += int(parts[1])
    return total / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--printer", required=True)
    parser.add_argument("--taps", type=int, default=30)
    parser.add_argument("--service", default="RS001")
    args = parser.parse_args(argv)
    for name, value in (
        ("SDL_VIDEODRIVER", "offscreen"),
        ("SDL_AUDIODRIVER", "dummy"),
        ("KIVY_NO_ARGS", "1"),
    ):
        os.environ.setdefault(name, value)
    from kiosk.config import KioskSettings
    from kiosk.launch import prepare_kivy

    settings = KioskSettings(
        server=args.server,
        token=args.token,
        printer=args.printer,
        fullscreen=False,
        width=720,
        height=1280,
        state_dir=Path(tempfile.mkdtemp(prefix="kiosk-bench-")),
        transition_seconds=0,
    )
    prepare_kivy(settings)
    from kivy.base import EventLoop, runTouchApp
    from kivy.config import Config
    from kivy.tests.common import UnitTestTouch

    for key, _value in Config.items("input"):
        Config.remove_option("input", key)
    from kiosk.app import KioskApp
    from kiosk.wiring import build_parts

    holder: list[Any] = []
    app = KioskApp(build_parts(settings, play=lambda path: holder[0].play(path)))
    holder.append(app)
    app._run_prepare()
    runTouchApp(embedded=True)

    def pump(until: Any, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not until():
            EventLoop.idle()
            if time.monotonic() > deadline:
                raise TimeoutError("kiosk did not get there")

    pump(lambda: app.loaded and app.online)
    detail = app.parts.desk.read_guide(args.service)
    for _ in range(args.taps):
        app.go("guide", detail=detail)
        for _frame in range(3):
            EventLoop.idle()
        button = app.screen("guide").ids.take
        x, y = button.to_window(*button.center)
        touch = UnitTestTouch(x, y)
        started = time.perf_counter()
        touch.touch_down()
        EventLoop.idle()
        touch.touch_up()
        pump(lambda: app.root.ids.screens.current == "ticket" and not app.busy)
        shown = time.perf_counter()
        outcome = app.screen("ticket").outcome
        say(
            event="tap",
            t0=started,
            shown=shown,
            number=outcome.ticket.number,
            printed=outcome.printed,
            rss_mb=rss_mb("VmRSS"),
        )
        time.sleep(0.2)
    say(event="memory", rss_mb=rss_mb("VmRSS"), peak_mb=rss_mb("VmHWM"), own_mb=anonymous_mb())
    app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
