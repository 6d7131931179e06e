"""The kiosk app driven by touches, for benchmarks.kiosk: it taps 取号 on a guide N times and says when.

Run by benchmarks.kiosk in its own process (Kivy keeps one window per process); prints one JSON line
per event on stdout. ``time.perf_counter`` is the system's monotonic clock, so its readings compare
with the printer emulator's in the parent process. The app is the kiosk's own (same settings, same
window size, same parts); the driver adds only a touch class and the json module, so the memory it
reads is the kiosk's: once the start screen has settled, after the first citizen's whole flow
(guide → 取号 → ticket printed and shown), and at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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


def memory(stage: str) -> None:
    """Report this process's memory at a stage of the run."""
    say(event="memory", stage=stage, rss_mb=rss_mb("VmRSS"), peak_mb=rss_mb("VmHWM"), own_mb=anonymous_mb())


def touch_class() -> Any:
    """A finger for the window (kivy.tests.common has one, but it brings pytest into the process)."""
    from kivy.base import EventLoop
    from kivy.input.motionevent import MotionEvent

    class Finger(MotionEvent):  # type: ignore[misc]
        def __init__(self, x: float, y: float) -> None:
            window = EventLoop.window
            args = {"x": x / (window.width - 1.0), "y": y / (window.height - 1.0)}
            super().__init__("Finger", 99, args, is_touch=True, type_id="touch")
            self.profile = ["pos"]

        def depack(self, args: dict[str, float]) -> None:
            self.sx, self.sy = args["x"], args["y"]
            super().depack(args)

        def down(self) -> None:
            EventLoop.post_dispatch_input("begin", self)

        def up(self) -> None:
            EventLoop.post_dispatch_input("end", self)

    return Finger


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--printer", required=True)
    parser.add_argument("--taps", type=int, default=30)
    parser.add_argument("--service", default="RS001")
    parser.add_argument("--settle", type=float, default=8.0, help="seconds the start screen idles first")
    parser.add_argument("--cards", type=int, default=10, help="ID cards put on the emulated reader")
    args = parser.parse_args(argv)
    for name, value in (
        ("SDL_VIDEODRIVER", "offscreen"),
        ("SDL_AUDIODRIVER", "dummy"),
        ("KIVY_NO_ARGS", "1"),
    ):
        os.environ.setdefault(name, value)
    from kiosk.config import KioskSettings
    from kiosk.launch import prepare_kivy

    reader = None
    if args.cards:
        from hardware_mocks.idcard_reader import EmulatedReader

        reader = EmulatedReader()
        reader.open_pty()
        reader.start()
    settings = KioskSettings(
        idcard=f"serial://{reader.port}?baudrate=115200" if reader else "none",
        server=args.server,
        token=args.token,
        printer=args.printer,
        fullscreen=False,
        state_dir=Path(tempfile.mkdtemp(prefix="kiosk-bench-")),
        transition_seconds=0,
    )
    prepare_kivy(settings)
    from kivy.base import EventLoop, runTouchApp
    from kivy.config import Config

    Finger = touch_class()

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
    settled = time.monotonic() + args.settle  # pinyin helper, voice clips, a printer poll, the heap trim
    pump(lambda: time.monotonic() > settled, timeout=args.settle + 20)
    memory("idle")
    for tap in range(args.taps):
        app.errands.open_guide(args.service)  # what a tap on the service's row does
        pump(lambda: app.root.ids.screens.current == "guide" and not app.busy)
        for _frame in range(3):
            EventLoop.idle()
        button = app.screen("guide").ids.take
        x, y = button.to_window(*button.center)
        touch = Finger(x, y)
        started = time.perf_counter()
        touch.down()
        EventLoop.idle()
        touch.up()
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
        if tap == 0:
            looked = time.monotonic() + 3  # the ticket screen as the citizen reads it, the heap settled
            pump(lambda looked=looked: time.monotonic() > looked)
            memory("after one citizen")
        time.sleep(0.2)
    app.reset()
    back = time.monotonic()
    pump(lambda: time.monotonic() > back + 3)
    memory("end")
    if reader is not None:
        cards(app, reader, args.cards, pump)
        reader.stop()
    app.stop()
    return 0


def cards(app: Any, reader: Any, count: int, pump: Any) -> None:
    """Put a card on the emulated reader ``count`` times: when is the start screen the holder's?

    Each card's event carries where the time went (ms after the card was put): ``found`` the reader
    answered "card found" (the wait for the kiosk's next poll), ``read`` the watcher has the card's text,
    ``ui`` the UI thread takes it, ``calls`` each HTTP call as the client saw it, ``built`` the list
    rebuilt for the holder, ``shown`` the frame drawn. The server's own time per route is read from its
    ``/metrics`` before and after (a mean over the cards). ``cpu_ms`` is the kiosk process's CPU time
    (all threads) from the card put to the frame drawn, ``ui_cpu_ms`` the UI thread's: on a loaded
    machine the wall-clock figure is mostly waiting for a core, these are the work itself. ``frames`` is
    how many frames the window drew meanwhile (each a full-screen redraw on software GL).
    """
    from kivy.base import EventLoop
    from kivy.core.window import Window

    from hardware_mocks.idcard_reader import sample_card

    marks: dict[str, float] = {}
    calls: list[tuple[str, float, float]] = []
    trace(app, reader, marks, calls)
    before = server_seconds(app)
    flips = [0]
    Window.bind(on_flip=lambda *_: flips.__setitem__(0, flips[0] + 1))
    for _card in range(count):
        marks.clear()
        calls.clear()
        drawn = flips[0]
        started, cpu, ui_cpu = time.perf_counter(), time.process_time(), time.thread_time()
        reader.put(sample_card())
        pump(lambda: app.person is not None and app.root.ids.screens.current == "start" and not app.busy)
        EventLoop.idle()  # the frame that draws the greeting and the list
        shown = time.perf_counter()
        cpu, ui_cpu = (time.process_time() - cpu) * 1000, (time.thread_time() - ui_cpu) * 1000
        stages = {name: (at - started) * 1000 for name, at in marks.items()}
        stages["shown"] = (shown - started) * 1000
        spans = [(path, (a - started) * 1000, (b - started) * 1000) for path, a, b in calls]
        frames = flips[0] - drawn
        say(
            event="card",
            t0=started,
            shown=shown,
            stages=stages,
            calls=spans,
            cpu_ms=cpu,
            ui_cpu_ms=ui_cpu,
            frames=frames,
        )
        reader.remove()
        app.reset()
        cards_on = app.watch.cards
        pump(lambda cards_on=cards_on: not cards_on.card_on)
        for _frame in range(5):  # the start screen drawn for the next citizen, as it is when one arrives
            EventLoop.idle()
        # a citizen puts the card at any moment of the reader's poll cycle, not in step with it
        time.sleep(random.uniform(0, app.parts.settings.idcard_poll_seconds))
    after = server_seconds(app)
    for route, (total, n) in after.items():
        was_total, was_n = before.get(route, (0.0, 0))
        if n > was_n:
            mean_ms = (total - was_total) / (n - was_n) * 1000
            say(event="server", route=route, mean_ms=mean_ms, count=n - was_n)


def trace(app: Any, reader: Any, marks: dict[str, float], calls: list[tuple[str, float, float]]) -> None:
    """Wrap the steps of a card's way to the screen so that each notes when it happened."""
    reply = reader._reply

    def replied(command: int, card: Any, fault: Any) -> bytes:
        if command == 0x2001 and card is not None:  # find card, and there is one
            marks.setdefault("found", time.perf_counter())
        return bytes(reply(command, card, fault))

    reader._reply = replied
    watcher, watch = app.watch.cards, app.watch
    handed, taken = watcher.on_card, watch.on_card

    def read(card: Any) -> None:
        marks.setdefault("read", time.perf_counter())
        handed(card)

    def take(card: Any) -> None:
        marks.setdefault("ui", time.perf_counter())
        taken(card)

    watcher.on_card, watch.on_card = read, take
    client = app.parts.client
    send = client._send

    def sent(method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return send(method, path, *args, **kwargs)
        finally:
            if "lookup" in path or "person" in path:
                calls.append((path, began, time.perf_counter()))

    client._send = sent
    start = app.screen("start")
    show = start.show_person

    def built() -> None:
        show()
        if app.person is not None:
            marks["built"] = time.perf_counter()

    start.show_person = built


def server_seconds(app: Any) -> dict[str, tuple[float, int]]:
    """The server's time per lookup route so far (sum of seconds, count), from its ``/metrics``."""
    import httpx

    text = httpx.get(app.parts.settings.server.rstrip("/") + "/metrics", timeout=5).text
    sums: dict[str, list[float]] = {}
    for line in text.splitlines():
        if not line.startswith("hallq_request_seconds_") or ("lookup" not in line and "person" not in line):
            continue
        name, value = line.rsplit(" ", 1)
        route = name[name.index('route="') + 7 :].split('"', 1)[0]
        entry = sums.setdefault(route, [0.0, 0])
        if name.startswith("hallq_request_seconds_sum"):
            entry[0] += float(value)
        elif name.startswith("hallq_request_seconds_count"):
            entry[1] += int(float(value))
    return {route: (total, int(n)) for route, (total, n) in sums.items()}


if __name__ == "__main__":
    sys.exit(main())
