"""The kiosk's Kivy application: the state screens bind to, and the composition of its parts.

The app builds the citizen's errands (kiosk.errands), the hall watch (kiosk.watch), the worker threads
(kiosk.workers), the overlays (kiosk.overlays), the loudspeaker (kiosk.sound) and the idle clock
(kiosk.idle); errands and watch talk back through the ``Shell`` protocol (kiosk.shell), so every
import among the kiosk's modules goes one way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import DEFAULT_FONT, LabelBase
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import FadeTransition, NoTransition

import kiosk.screens.all  # noqa: F401 (registers the screens and widgets with Kivy's Factory)
from kiosk.errands import Errands
from kiosk.i18n import clock_text, text
from kiosk.idle import IdleClock
from kiosk.memory import drop_label_surfaces, flush_each_frame, release_free_memory
from kiosk.overlays import Overlays
from kiosk.palette import palette
from kiosk.screens.widgets import no_clipboard
from kiosk.sound import Speaker
from kiosk.voice import prompt_parts
from kiosk.watch import HallWatch
from kiosk.wiring import KioskParts
from kiosk.workers import Workers

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
SCREENS = {
    "start": "StartScreen",
    "guide": "GuideScreen",
    "take": "TakeScreen",
    "ticket": "TicketScreen",
    "reprint": "ReprintScreen",
    "checkin": "CheckinScreen",
    "card": "CardScreen",
    "holder": "HolderScreen",
}
# where a card put on the reader is read
CARD_SCREENS = {"start", "card", "guide", "take", "reprint", "checkin", "holder"}
DESIGN_WIDTH = 720.0
LARGE_PRINT = 1.35
STAFF_NOTE_SECONDS = 60
SETTLE_SECONDS = 1.5  # after a screen change, once it is drawn: give the heap's free pages back


class KioskApp(App):
    """The citizen's touch screen."""

    title = "HallQ 自助取号机"
    lang = StringProperty("zh")
    large = BooleanProperty(False)
    contrast = BooleanProperty(False)
    voice_on = BooleanProperty(True)
    k = NumericProperty(1.0)  # font scale: window width over the design width, times large print
    z = NumericProperty(1.0)  # spacing scale: window width over the design width
    hall_name = StringProperty("")
    clock = StringProperty("")
    banner = StringProperty("")
    staff_note = StringProperty("")  # what staff need to fix (a refused device token); citizens see banner
    staff_shown = BooleanProperty(False)  # the note is revealed by holding the banner
    online = BooleanProperty(False)
    loaded = BooleanProperty(False)
    printer_state = StringProperty("ok")
    busy = BooleanProperty(False)
    person = ObjectProperty(None, allownone=True)  # the citizen known by their ID card (kiosk.person)
    card_trouble = StringProperty("")  # why the ID card reader gave no card, in words
    bg = ColorProperty()
    ink = ColorProperty()
    muted = ColorProperty()
    heading = ColorProperty()
    header = ColorProperty()
    header_ink = ColorProperty()
    card = ColorProperty()
    card_line = ColorProperty()
    button = ColorProperty()
    button_ink = ColorProperty()
    accent = ColorProperty()
    accent_ink = ColorProperty()
    quiet = ColorProperty()
    quiet_ink = ColorProperty()
    pressed = ColorProperty()
    outline = ColorProperty()
    warn = ColorProperty()
    warn_ink = ColorProperty()

    def __init__(self, parts: KioskParts, **kwargs: Any) -> None:
        self.parts = parts
        self.settings = parts.settings
        super().__init__(**kwargs)
        self.workers = Workers()
        self.overlays = Overlays(on_busy=lambda busy: setattr(self, "busy", busy))
        self.speaker = Speaker(voice_on=lambda: bool(self.voice_on))
        self.idle = IdleClock(self.settings)
        self.errands = Errands(self, parts, check_printer=lambda: self.watch.poll_printer())
        self.watch = HallWatch(
            self, parts, on_card=self.errands.card_read, on_card_trouble=self.errands.card_trouble
        )
        self.started_at = time.perf_counter()
        self.first_frame_at: float | None = None
        self._settle = Clock.create_trigger(self._release_memory, SETTLE_SECONDS)
        self._frozen = False
        self.lang = self.settings.language  # last: setting these runs on_lang and on_voice_on
        self.voice_on = self.settings.voice

    # ------------------------------------------------------------ building

    def load_kv(self, filename: str | None = None) -> bool:
        """The kv files are loaded explicitly in build()."""
        return True

    def build(self) -> Any:
        """Register the CJK font, load the kv rules, lay out the screens."""
        LabelBase.register(DEFAULT_FONT, CJK_FONT)
        no_clipboard()
        drop_label_surfaces()
        flush_each_frame(Window)
        self.apply_palette()
        Window.bind(on_touch_down=self._touched, size=self._resized)
        self._resized(Window, Window.size)
        Builder.load_file(str(HERE / "screens" / "widgets.kv"))
        for name in SCREENS:
            Builder.load_file(str(HERE / "screens" / f"{name}.kv"))
        Builder.load_file(str(HERE / "screens" / "root.kv"))
        root = Factory.KioskRoot()
        seconds = self.settings.transition_seconds
        root.ids.screens.transition = FadeTransition(duration=seconds) if seconds else NoTransition()
        root.ids.screens.bind(current=lambda *_: self.settle())
        root.ids.screens.bind(current=lambda *_: self._card_wanted())
        self.bind(busy=lambda *_: self._card_wanted())
        return root

    def _card_wanted(self) -> None:
        """Read ID cards only where a screen can use one, and not while an errand runs."""
        self.watch.card_wanted = self.showing() in CARD_SCREENS and not self.busy

    def on_start(self) -> None:
        """Start the clock, the hall watch (live feed, printer, first load)."""
        Clock.schedule_interval(self._tick, 1)
        self._tick()
        self.watch.start()
        self._card_wanted()  # the start screen takes a card put on the reader
        Clock.schedule_once(self._first_frame, 0)

    def on_stop(self) -> None:
        """Stop the threads and connections."""
        self.watch.stop()
        self.workers.shutdown()
        self.parts.close()

    def on_loaded(self, *_: Any) -> None:
        """The catalogue is on screen: once drawn, its start-up garbage can go."""
        self.settle()

    def settle(self) -> None:
        """Return free heap pages SETTLE_SECONDS after a change of screen (once drawn); changes in the
        meantime ride along, so a quick succession of taps is collected every SETTLE_SECONDS."""
        self._settle()

    def _release_memory(self, _dt: float) -> None:
        started = time.perf_counter()
        freeze = self.loaded and not self._frozen  # the start-up's objects stay for good
        self._frozen = self._frozen or freeze
        if release_free_memory(freeze=freeze):
            log.debug("free heap pages returned in %.1f ms", (time.perf_counter() - started) * 1000)

    def _first_frame(self, _dt: float) -> None:
        self.first_frame_at = time.perf_counter()
        log.info("first screen shown %.2f s after start", self.first_frame_at - self.started_at)

    # ------------------------------------------------------------ strings, look, sound

    def t(self, key: str, *_bindings: Any, **fields: Any) -> str:
        """A catalogue string in the current language (kv passes app.lang to re-evaluate on change)."""
        return text(key, self.lang, **fields)

    def apply_palette(self) -> None:
        """Set the colours for normal or high-contrast mode."""
        for name, rgba in palette(self.contrast).items():
            setattr(self, name, rgba)

    def on_contrast(self, *_: Any) -> None:
        """High contrast switched."""
        self.apply_palette()

    def on_large(self, *_: Any) -> None:
        """Large print switched."""
        self._resized(Window, Window.size)

    def on_lang(self, *_: Any) -> None:
        """The language changed: redraw what Python wrote, speak the screen's prompt again."""
        self._tick()
        self.watch.update_banner()
        if self.root is not None:
            for screen in self.root.ids.screens.screens:
                if hasattr(screen, "relabel"):
                    screen.relabel()
            self.speak_screen()

    def on_voice_on(self, *_: Any) -> None:
        """Voice switched on or off."""
        if not self.voice_on:
            self.speaker.hush()

    def _resized(self, _window: Any, size: tuple[int, int]) -> None:
        self.z = size[0] / DESIGN_WIDTH
        self.k = self.z * (LARGE_PRINT if self.large else 1.0)

    def speak(self, key: str, **fields: Any) -> None:
        """Say a prompt (when voice is on)."""
        if self.voice_on:
            self.parts.voice.say(prompt_parts(key, self.lang, **fields), self.lang)

    def speak_screen(self) -> None:
        """Say the current screen's prompt again."""
        screen = self.root.ids.screens.current_screen
        if hasattr(screen, "speak"):
            screen.speak()

    def play(self, path: Path) -> None:
        """Play a WAV clip (from any thread), cutting off the one playing."""
        self.speaker.play(path)

    # ------------------------------------------------------------ navigation and overlays

    def showing(self) -> str:
        """The name of the screen showing ("start" before the screens are built)."""
        return str(self.root.ids.screens.current) if self.root is not None else "start"

    def screen(self, name: str) -> Any:
        """A screen by name, built the first time it is wanted (the start screen is built at once)."""
        manager = self.root.ids.screens
        if not manager.has_screen(name):
            manager.add_widget(Factory.get(SCREENS[name])())
        return manager.get_screen(name)

    def built_screen(self, name: str) -> Any:
        """A screen if it has been built, else None."""
        manager = self.root.ids.screens
        return manager.get_screen(name) if manager.has_screen(name) else None

    def go(self, name: str, **details: Any) -> None:
        """Show a screen, handing it what it shows."""
        screen = self.screen(name)
        if hasattr(screen, "prepare"):
            screen.prepare(**details)
        self.root.ids.screens.current = name

    def show_busy(self, message: str, after: float = 0.0) -> None:
        """Cover the screen with a "one moment" message (with ``after``: only if still busy by then)."""
        self.overlays.show_busy(message, after)

    def hide_busy(self) -> None:
        """Remove the "one moment" message."""
        self.overlays.hide_busy()

    def notify(self, message: str) -> None:
        """Show a message the citizen acknowledges with a tap."""
        self.overlays.notify(message)

    def choose(self, message: str, choices: list[tuple[str, Callable[[], None]]]) -> None:
        """Ask the citizen to pick one of ``choices`` (label, what it does)."""
        self.overlays.choose(message, choices)

    # ------------------------------------------------------------ threads

    def citizen(
        self,
        work: Callable[..., Any],
        *args: Any,
        done: Callable[[Any], None],
        fail: Callable[[Exception], None],
        **kwargs: Any,
    ) -> None:
        """Run a citizen's errand off the UI thread; ``done``/``fail`` run back on it."""
        self.workers.citizen(work, args, kwargs, done, fail)

    def background(
        self,
        work: Callable[..., Any],
        *args: Any,
        done: Callable[[Any], None] | None = None,
        fail: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run housekeeping off the UI thread."""
        self.workers.background(work, args, done, fail)

    def banner_held(self) -> None:
        """Staff held the banner: show the maintenance note for a minute."""
        if self.staff_note:
            self.staff_shown = True
            Clock.schedule_once(lambda _dt: setattr(self, "staff_shown", False), STAFF_NOTE_SECONDS)

    def on_retry(self, attempt: int, _error: Exception) -> None:
        """A citizen's request is being retried (called on the worker thread)."""
        message = text("kiosk.busy.retrying", self.lang, attempt=attempt)
        Clock.schedule_once(lambda _dt: self.show_busy(message) if self.busy else None)

    # ------------------------------------------------------------ clock and idle

    def _tick(self, *_: Any) -> None:
        info = self.parts.hall.info
        zone = ZoneInfo(info.timezone if info else "Asia/Shanghai")
        self.clock = clock_text(datetime.now(UTC).astimezone(zone), self.lang)
        if self.root is not None and self.showing() == "ticket":
            self.screen("ticket").tick()
        self.check_idle()

    def _touched(self, *_: Any) -> bool:
        self.idle.touched()
        return self.overlays.holding  # busy, the "one moment" view not drawn yet: no tap goes through

    def idle_seconds(self) -> float:
        """How long since the screen was last touched."""
        return self.idle.seconds()

    def idle_limit(self) -> float:
        """How long the current screen waits before going back to the start."""
        current = self.showing()
        return self.idle.limit(current, current == "ticket" and bool(self.screen("ticket").trouble))

    def check_idle(self) -> None:
        """Back to the start screen for the next citizen once this one has left the kiosk alone."""
        if self.root is None or self.busy:
            return
        if self.idle_seconds() >= self.idle_limit() and self._customised():
            log.info("idle: back to the start screen")
            self.errands.forget_paperless()  # the citizen has gone: the next one gets their own number
            self.reset()

    def _customised(self) -> bool:
        start = self.screen("start")
        return bool(
            self.showing() != "start"
            or self.large
            or self.contrast
            or self.lang != self.settings.language
            or start.ids.query.text != ""
            or start.theme != ""
        )

    def reset(self) -> None:
        """Ready for the next citizen: start screen, default language and print, overlays closed."""
        self.overlays.dismiss()
        self.large = False
        self.contrast = False
        self.lang = self.settings.language
        self.voice_on = self.settings.voice
        self.person = None
        self.card_trouble = ""
        self.screen("start").clear()
        self.go("start")
        self.idle.touched()
