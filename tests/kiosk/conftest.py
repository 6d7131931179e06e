"""The kiosk under test: one Kivy app (Kivy keeps one window per process) driven by touches, against a
real queue server process and the printer emulator over TCP. Screenshots go to artifacts/kiosk/.

Run in its own pytest process (scripts/test.sh does) with SDL_VIDEODRIVER=offscreen.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
os.environ.setdefault("KIVY_CLIPBOARD", "dummy")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))

import pytest

from hallq.bootstrap import demo_catalogue
from hardware_mocks.idcard_reader import EmulatedReader, Fault
from hardware_mocks.printer_server import Condition, MockPrinter
from kiosk.config import KioskSettings
from tests.support.hall_server import ROOT, HallServer, seed

ARTIFACTS = ROOT / "artifacts" / "kiosk"
SMS_SECRET_ENV, SMS_SECRET = "HALLQ_KIOSK_TEST_SMS_SECRET", "kiosk-sms-secret"  # the SMS gateway's (test_sms)


def seen(value: str) -> str:
    """Text as the citizen reads it (the screen keeps Chinese lines together with no-break spaces)."""
    return value.replace("\u00a0", " ")


def every_day_hall() -> Any:
    """The demo hall (明川市政务服务中心), open every day so tests run on any date."""
    data = demo_catalogue()
    return data.model_copy(update={"hall": data.hall.model_copy(update={"hours": {}, "always_open": True})})


@pytest.fixture(scope="session")
def hall_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallServer]:
    """``hallq serve`` on the demo hall; with HALLQ_TEST_NEWER_SERVER=1 a server whose replies and
    events carry fields this kiosk does not know (scripts/test.sh runs the citizen's tests so)."""
    folder = tmp_path_factory.mktemp("hall")
    db = folder / "hall.db"
    newer = os.environ.get("HALLQ_TEST_NEWER_SERVER") == "1"
    module = "tests.support.newer_server" if newer else "hallq"
    server = HallServer(
        db,
        seed(db, every_day_hall()),
        log=folder / "server.log",
        module=module,
        env={SMS_SECRET_ENV: SMS_SECRET},
    )
    server.start()
    if newer:  # the run proves nothing unless the replies really grew
        assert "added_by_a_newer_server" in server.call("GET", "/hall", who="kiosk").json()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def printer() -> Iterator[MockPrinter]:
    """The network printer emulator, writing receipts under artifacts/kiosk/receipts."""
    out = ARTIFACTS / "receipts"
    shutil.rmtree(out, ignore_errors=True)
    emulator = MockPrinter(port=0, out_dir=out).start()
    yield emulator
    emulator.stop()


@dataclass
class Kiosk:
    """The running app and what it talks to, with the verbs tests use."""

    app: Any
    server: HallServer
    printer: MockPrinter
    reader: EmulatedReader

    def pump(self, until: Callable[[], bool] | None = None, timeout: float = 30.0, frames: int = 2) -> None:
        """Run the event loop for some frames, or until ``until()`` holds."""
        from kivy.base import EventLoop

        deadline = time.monotonic() + timeout
        while True:
            EventLoop.idle()
            if until is None:
                frames -= 1
                if frames <= 0:
                    return
            elif until():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {until}")
            time.sleep(0.005)

    def tap(self, widget: Any) -> None:
        """Touch a widget in its middle and lift the finger."""
        from kivy.tests.common import UnitTestTouch

        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.pump(frames=6)
        touch.touch_up()
        self.pump(frames=3)

    def hold(self, widget: Any, seconds: float) -> None:
        """Press a widget in its middle and keep the finger still for ``seconds`` of Kivy's clock, frames
        running as on the kiosk (elderly citizens press slowly and hold), then lift it."""
        from kivy.clock import Clock
        from kivy.tests.common import UnitTestTouch

        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        pressed, frames = Clock.get_time(), Clock.frames

        def held() -> bool:  # some frames too: a scroll view hands the touch on after 3 at least
            return Clock.get_time() - pressed >= seconds and Clock.frames - frames >= 10

        self.pump(held, timeout=seconds + 60)
        touch.touch_up()
        self.pump(frames=3)

    def swipe(self, widget: Any, dy: float, settle: int = 20) -> None:
        """Drag a finger up (dy > 0) across a widget, as a citizen scrolls; then ``settle`` frames."""
        from kivy.tests.common import UnitTestTouch

        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y - dy / 2)
        touch.touch_down()
        steps = 10
        for step in range(1, steps + 1):
            touch.touch_move(x, y - dy / 2 + dy * step / steps)
            self.pump(frames=1)
        touch.touch_up()
        self.pump(frames=settle)

    def find_by_phone(self, service: str, phone: str) -> tuple[dict[str, Any], Any]:
        """A ticket taken with ``phone`` (and lost), found on the reprint screen by that number: the
        ticket as the server issued it, and the screen with its one result listed."""
        body = {"service_code": service, "phone": phone}
        lost = self.server.call("POST", "/tickets", who="kiosk", json=body).json()
        self.tap(self.screen("start").ids.reprint)
        reprint = self.wait_screen("reprint")
        self.press(reprint.ids.keypad, phone)
        self.tap(reprint.ids.find)
        self.pump(lambda: len(reprint.ids.results.children) == 1)
        return lost, reprint

    def screen(self, name: str) -> Any:
        """A screen of the app."""
        return self.app.screen(name)

    @property
    def current(self) -> str:
        """The screen showing."""
        return str(self.app.root.ids.screens.current)

    def wait_screen(self, name: str, timeout: float = 60.0) -> Any:
        """Wait until ``name`` shows (and the busy overlay is gone); return it."""
        self.pump(lambda: self.current == name and not self.app.busy, timeout)
        self.pump(frames=4)
        return self.screen(name)

    def press(self, keypad: Any, keys: str) -> None:
        """Tap keys of an on-screen keypad in turn."""
        for key in keys:
            button = next(b for b in keypad.children if getattr(b, "key", None) == key)
            self.tap(button)

    def notice(self, timeout: float = 60.0) -> str:
        """Wait for the message the citizen must acknowledge; return its text as read."""
        view = lambda: self.app.overlays.notice_view  # noqa: E731 (built on first use)
        self.pump(lambda: view() is not None and view().parent is not None, timeout)
        self.pump(frames=4)
        return seen(self.app.overlays.notice_view.message)

    def acknowledge(self) -> None:
        """Tap OK on the message."""
        self.tap(self.app.overlays.notice_view.ids.notice_ok)

    def service_button(self, code: str) -> Any:
        """The start screen's button for a service, scrolled into view."""
        start = self.screen("start")
        self.pump(frames=2)
        start.scroll_to(code)
        self.pump(lambda: start.view_of(code) is not None)
        self.pump(frames=2)
        return start.view_of(code)

    def shot(self, name: str) -> Path:
        """Save a screenshot as artifacts/kiosk/NAME.png."""
        from kivy.base import EventLoop

        self.pump(frames=3)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        target = ARTIFACTS / f"{name}.png"
        saved = EventLoop.window.screenshot(name=str(ARTIFACTS / f"{name}.png"))
        Path(saved).replace(target)
        return target


@pytest.fixture(scope="session")
def card_reader() -> Iterator[EmulatedReader]:
    """The emulated ID card reader on a pseudo-terminal."""
    reader = EmulatedReader()
    reader.open_pty()
    reader.start()
    yield reader
    reader.stop()


def kiosk_settings(
    server: HallServer, printer: MockPrinter, state: Path, reader: EmulatedReader | None = None
) -> KioskSettings:
    """A windowed 720 × 1280 kiosk with quick retries and no transitions."""
    return KioskSettings(
        idcard=f"serial://{reader.port}?baudrate=115200" if reader is not None else "none",
        idcard_poll_seconds=0.2,
        server=server.url,
        token=server.tokens["kiosk"],
        device="kiosk-test",
        printer=f"network://127.0.0.1:{printer.port}",
        # The emulator answers late on a loaded box, never not at all: a 3 s status query once
        # timed out in CI, and the kiosk rightly called the printer offline. No test waits on it.
        printer_timeout=15,
        fullscreen=False,
        width=720,
        height=1280,
        state_dir=state,
        transition_seconds=0,
        retry_seconds=3,
        request_timeout=3,
        printer_poll_seconds=3600,
        refresh_seconds=3600,
    )


@pytest.fixture(scope="session")
def kiosk_session(
    hall_server: HallServer,
    printer: MockPrinter,
    card_reader: EmulatedReader,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Kiosk]:
    """The app, started once for the session."""
    from kiosk.launch import prepare_kivy

    settings = kiosk_settings(hall_server, printer, tmp_path_factory.mktemp("kiosk-state"), card_reader)
    prepare_kivy(settings)
    from kivy.base import runTouchApp
    from kivy.config import Config

    for key, _value in Config.items("input"):
        Config.remove_option("input", key)
    from kiosk.app import KioskApp
    from kiosk.wiring import build_parts

    holder: list[Any] = []
    app = KioskApp(build_parts(settings, play=lambda path: holder[0].play(path)))
    holder.append(app)
    app._run_prepare()
    runTouchApp(embedded=True)
    kiosk = Kiosk(app, hall_server, printer, card_reader)
    kiosk.pump(lambda: app.loaded and app.online, timeout=30)
    yield kiosk
    app.stop()


@pytest.fixture
def kiosk(kiosk_session: Kiosk) -> Kiosk:
    """The app back at the start screen with a working printer and an empty card reader."""
    kiosk_session.printer.condition = Condition.READY
    kiosk_session.printer.paper_left = None
    kiosk_session.reader.remove()
    kiosk_session.reader.set_fault(Fault.NONE)
    kiosk_session.app.errands.forget_paperless()
    cards = kiosk_session.app.watch.cards
    kiosk_session.app.reset()
    kiosk_session.pump(lambda: cards is None or not cards.card_on, timeout=10)  # the last card is off
    kiosk_session.app.reset()
    kiosk_session.pump(lambda: kiosk_session.app.online, timeout=30)
    kiosk_session.pump(frames=3)
    return kiosk_session
