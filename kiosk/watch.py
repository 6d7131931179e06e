"""Keeps the hall fresh on screen — catalogue, live queues — and watches the server and the printer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock

from kiosk.client import ServerRefused
from kiosk.idcard_codec import CardText
from kiosk.idcard_reader import CardWatch, Trouble
from kiosk.live import Frame, LiveFeed
from kiosk.shell import Shell
from kiosk.voice import prompt_parts
from kiosk.wiring import KioskParts
from queue_server import contract as c

log = logging.getLogger(__name__)


class HallWatch:
    """The kiosk's background duties, reported back to the app's properties on the UI thread."""

    def __init__(
        self,
        app: Shell,
        parts: KioskParts,
        *,
        on_card: Callable[[CardText], None],
        on_card_trouble: Callable[[Trouble | None], None],
    ) -> None:
        self.app = app
        self.parts = parts
        # what a card read (or the reader's trouble) means is the errands' business
        self.on_card = on_card
        self.on_card_trouble = on_card_trouble
        self._live: LiveFeed | None = None
        self._queues_soon = Clock.create_trigger(self.load_queues, 2)
        self._reload_soon = Clock.create_trigger(self.refresh, 3)
        self._events: list[Any] = []
        self.card_wanted = False  # set on the UI thread, read by the card watcher's thread
        self.cards: CardWatch | None = None  # the ID card reader's watcher, when there is a reader

    def start(self) -> None:
        """First load, live feed, printer watch, periodic refreshes."""
        settings = self.parts.settings
        self.refresh()
        self._live = LiveFeed(
            settings.server,
            settings.token,
            ["hall"],
            on_frame=lambda frame: Clock.schedule_once(lambda _dt: self.apply(frame)),
            on_connected=lambda up: Clock.schedule_once(lambda _dt: self.connected(up)),
        )
        self._live.start()
        self._events = [
            Clock.schedule_interval(lambda _dt: self.heartbeat(), settings.printer_poll_seconds),
            Clock.schedule_interval(lambda _dt: self.load_queues(), settings.refresh_seconds),
        ]
        self.poll_printer()
        self.app.background(self.parts.desk.report_alive)
        if self.parts.card_reader is not None:
            self.cards = CardWatch(
                self.parts.card_reader,
                wanted=lambda: self.card_wanted,
                on_card=lambda card: Clock.schedule_once(lambda _dt: self.on_card(card)),
                on_trouble=lambda trouble: Clock.schedule_once(lambda _dt: self.on_card_trouble(trouble)),
                interval=settings.idcard_poll_seconds,
            )
            self.cards.start()

    def stop(self) -> None:
        """Stop the live feed, the card watcher and the timers."""
        if self.cards is not None:
            self.cards.stop()
        for event in self._events:
            event.cancel()
        if self._live is not None:
            self._live.stop()

    # ------------------------------------------------------------ catalogue and queues

    def refresh(self, *_: Any) -> None:
        """Load the hall, its rules and its services."""
        client = self.parts.client

        def load() -> tuple[c.HallSnapshot, list[c.ServiceSummary], c.HallSettingsModel]:
            return client.hall(), client.services(), client.settings()

        self.app.background(load, done=self._loaded, fail=self._load_failed)

    def _loaded(self, result: tuple[c.HallSnapshot, list[c.ServiceSummary], c.HallSettingsModel]) -> None:
        snapshot, services, settings = result
        self.parts.hall.load(snapshot, services, settings)
        self.parts.desk.paper.hall_name = snapshot.hall.name
        self.parts.desk.paper.timezone = snapshot.hall.timezone
        app = self.app
        app.hall_name = snapshot.hall.name
        app.loaded = True
        app.online = True
        app.staff_note = ""
        self.update_banner()
        app.screen("start").populate()
        log.info("catalogue shown: %d services of %s", len(services), snapshot.hall.name)
        app.background(self._prepare_words, services)

    def _load_failed(self, error: Exception) -> None:
        app = self.app
        if isinstance(error, ServerRefused) and error.status in (401, 403):
            # Citizens cannot fix a device token: they are sent to the help desk, staff get the cause
            key = "kiosk.staff.token" if self.parts.settings.token else "kiosk.staff.no_token"
            note = app.t(key, code=error.body.code)
            if note != app.staff_note:
                log.error("the server refuses this kiosk's token (%s %s)", error.status, error.body.code)
            app.staff_note = note
        else:
            log.info("hall not loaded: %r", error)
        app.online = False
        self.update_banner()
        self._reload_soon()

    def _prepare_words(self, services: list[c.ServiceSummary]) -> None:
        """Pinyin of every service (search by initials, speech), then the start prompt's clips."""
        words = [w for s in services for w in (s.name, *s.keywords, s.department_name, s.theme) if w]
        self.parts.pinyin.ensure(words)
        lang = self.app.lang
        self.parts.voice.compose(prompt_parts("kiosk.voice.start", lang), lang)
        Clock.schedule_once(lambda _dt: self.app.screen("start").search_again())
        Clock.schedule_once(lambda _dt: self.app.settle())  # the helpers' garbage

    def load_queues(self, *_: Any) -> None:
        """Fetch fresh queue figures (after events that do not carry them, and now and then)."""
        if not self.app.loaded:
            return
        self.app.background(
            self.parts.client.hall,
            done=lambda snapshot: self.apply(
                {"type": "snapshot", "topic": "hall", "payload": snapshot.model_dump(mode="json")}
            ),
        )

    def apply(self, frame: Frame) -> None:
        """A live frame (or a fetched snapshot) arrived."""
        changed, refresh = self.parts.hall.apply(frame)
        if changed:
            self.app.screen("start").update_queues(changed)
            guide = self.app.built_screen("guide")
            if guide is not None:
                guide.update_queue()
        if refresh:
            self._queues_soon()
        if frame.get("type") == "hall.settings":
            self.reload_settings()

    def reload_settings(self) -> None:
        """The manager changed the hall's rules (SMS notices switched on or off, a daily limit): the
        next citizen's screens follow them."""
        hall = self.parts.hall
        self.app.background(self.parts.client.settings, done=lambda rules: setattr(hall, "settings", rules))

    def connected(self, up: bool) -> None:
        """The live feed came up or went down: say so, and catch up when back."""
        app = self.app
        was = app.online
        app.online = up
        self.update_banner()
        if up and not was:
            self.refresh()
            app.background(self.parts.desk.reconcile)
            app.background(self.parts.desk.report_alive)

    # ------------------------------------------------------------ printer and banner

    def heartbeat(self) -> None:
        """Tell the server the kiosk and its printer are alive (the manager is alerted on silence)."""
        self.poll_printer()
        self.app.background(self.parts.desk.report_alive)

    def poll_printer(self) -> None:
        """Ask the printer how it is (changes are reported to the server)."""
        self.app.background(self.parts.desk.poll_printer, done=self._printer_state)

    def _printer_state(self, state: c.DeviceState | None) -> None:
        self.app.printer_state = state.value if state is not None else "ok"
        self.update_banner()
        self.app.settle()  # every poll: what background work freed goes back to the system

    def update_banner(self) -> None:
        """The line under the top bar: server unreachable, or the printer cannot print."""
        app = self.app
        if app.staff_note:
            app.banner = app.t("kiosk.out_of_service")
        elif not app.online:
            app.banner = app.t("kiosk.offline")
        elif app.printer_state not in ("ok", "paper_low"):
            problem = app.t(f"kiosk.problem.{app.printer_state}")
            app.banner = app.t("kiosk.printer_banner", problem=problem)
        else:
            app.banner = ""
