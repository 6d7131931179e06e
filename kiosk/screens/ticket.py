"""The ticket on screen: number, service, people ahead, estimated wait, where to go, the QR code —
and, when the paper did not come out, a clear message that the number is still valid (or void)."""

from __future__ import annotations

import math
import time
from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.desk import Outcome
from kiosk.i18n import text, waiting_text
from kiosk.layout import issued_time, ticket_qr
from kiosk.voice import Spell


class TicketScreen(Screen):
    """取号成功 (or: printed nothing, here is your number)."""

    outcome = ObjectProperty(None, allownone=True)
    heading = StringProperty("")
    message = StringProperty("")
    number = StringProperty("")
    service = StringProperty("")
    facts = StringProperty("")
    qr = StringProperty("")
    scan = StringProperty("")
    trouble = BooleanProperty(False)
    offer_holder = BooleanProperty(False)  # an anonymous ticket that did not print: ask for a number
    remaining = NumericProperty(0)
    shown_at = NumericProperty(0.0)  # time.monotonic() when the ticket appeared

    @property
    def app(self) -> Any:
        """The running kiosk app."""
        return App.get_running_app()

    def prepare(self, outcome: Outcome) -> None:
        """Show ``outcome``."""
        self.outcome = outcome
        self.shown_at = time.monotonic()
        self.relabel()

    def guarded(self) -> bool:
        """Whether taps are still ignored: a citizen's repeated tap on 取号 must not dismiss the ticket
        (when the paper did not come out, this screen is their only record of the number)."""
        guard: float = self.app.settings.ticket_guard_seconds
        shown_at: float = self.shown_at
        return time.monotonic() - shown_at < guard

    def on_touch_down(self, touch: Any) -> bool:
        """Taps in the first moment after the ticket appears are swallowed."""
        if self.guarded():
            return True
        return bool(super().on_touch_down(touch))

    def relabel(self) -> None:
        """Write the ticket in the current language."""
        outcome: Outcome | None = self.outcome
        if outcome is None:
            return
        app, lang = self.app, self.app.lang
        ticket = outcome.ticket
        self.trouble = outcome.problem is not None or outcome.cancelled
        self.heading = self._heading(outcome, lang)
        self.message = self._message(outcome, lang)
        self.number = f"[s]{ticket.number}[/s]" if outcome.cancelled else ticket.number
        self.service = ticket.service_name
        facts = [
            text("kiosk.ticket.ahead", lang, count=ticket.people_ahead),
            waiting_text(ticket.estimated_wait_seconds, lang, "ticket"),
        ]
        detail = app.parts.desk.cached_guide(ticket.service_code)
        if detail is not None and detail.guide.location:
            facts.append(text("kiosk.ticket.where", lang, location=detail.guide.location))
        if ticket.priority_class is not None:
            kind = text(f"kiosk.priority.{ticket.priority_class.value}", lang)
            facts.append(text("kiosk.ticket.priority", lang, kind=kind))
        issued = issued_time(ticket, app.parts.desk.paper.timezone).strftime("%H:%M")
        facts.append(text("kiosk.ticket.issued_at", lang, time=issued))
        if outcome.sms and ticket.phone_masked:  # 到号短信提醒: where the reminders go
            facts.append(text("kiosk.ticket.sms", lang, masked=ticket.phone_masked))
        masked = ticket.phone_masked or ticket.id_masked
        if outcome.problem is not None and masked:  # what 补打 will find this ticket by
            facts.append(text("kiosk.holder.saved", lang, masked=masked))
        self.offer_holder = self._holder_wanted(outcome)
        self.facts = "\n".join(facts)
        self.qr = "" if outcome.cancelled else ticket_qr(ticket, app.settings.status_base)
        self.scan = text("kiosk.ticket.scan", lang)

    @staticmethod
    def _holder_wanted(outcome: Outcome) -> bool:
        """A quick-path ticket (no ID, no phone) that did not print and still counts: without a number
        to find it by, 补打号票 could never give the citizen their paper."""
        ticket = outcome.ticket
        if outcome.problem is None or outcome.cancelled or outcome.reprint or outcome.appointment:
            return False
        return not (ticket.id_masked or ticket.phone_masked)

    @staticmethod
    def _heading(outcome: Outcome, lang: str) -> str:
        if outcome.problem is not None:
            return text("kiosk.ticket.not_printed", lang)
        if outcome.appointment:
            return text("kiosk.ticket.checked_in", lang)
        return text("kiosk.ticket.heading", lang)

    @staticmethod
    def _message(outcome: Outcome, lang: str) -> str:
        if outcome.problem is not None:
            problem = text(f"kiosk.problem.{outcome.problem.value}", lang)
            key = "kiosk.ticket.print_cancelled" if outcome.cancelled else "kiosk.ticket.print_failed"
            return text(key, lang, problem=problem)
        if outcome.reprint:
            return text("kiosk.ticket.reprinted", lang, paper=outcome.ticket.paper)
        return text("kiosk.ticket.take_paper", lang)

    def tick(self) -> None:
        """Count down to the start screen."""
        app = self.app
        self.remaining = max(0, math.ceil(app.idle_limit() - app.idle_seconds()))

    def on_enter(self, *_: Any) -> None:
        """Read the number out."""
        self.speak()

    def speak(self) -> None:
        """This screen's voice prompt: the number, spelled."""
        if self.outcome is not None:
            key = "kiosk.voice.unprinted" if self.trouble else "kiosk.voice.ticket"
            self.app.speak(key, number=Spell(self.outcome.ticket.number))
