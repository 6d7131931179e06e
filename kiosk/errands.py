"""The citizen's errands as the screens start them: a "one moment" overlay, the work off the UI
thread, then the next screen — or a message in plain words."""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.client import ServerRefused, ServerUnreachable
from kiosk.desk import Outcome
from kiosk.i18n import error_text
from kiosk.idcard_codec import CardText
from kiosk.idcard_reader import Trouble
from kiosk.person import Person
from kiosk.shell import Shell
from kiosk.wiring import KioskParts
from queue_server import contract as c

log = logging.getLogger(__name__)

SIGN_IN_OVERLAY_SECONDS = 0.4  # a card's lookup shows "one moment" only when it takes longer than this


class Errands:
    """What a tap asks of the server and the printer."""

    def __init__(self, app: Shell, parts: KioskParts, check_printer: Callable[[], None]) -> None:
        self.app = app
        self.parts = parts
        self.desk = parts.desk
        self._check_printer = check_printer  # after a ticket did not print: how is the printer now?
        # service code → (the ticket that did not print, when): a citizen tapping 取号 again gets it back
        self._paperless: dict[str, tuple[Outcome, float]] = {}

    def open_guide(self, code: str) -> None:
        """Show a service's guide (办事指南)."""
        app = self.app
        app.show_busy(app.t("kiosk.busy.working"))
        app.citizen(self.desk.read_guide, code, done=self._guide, fail=self.failed)
        app.background(self.desk.get_printer_ready)

    def _guide(self, detail: c.ServiceDetail) -> None:
        self.app.hide_busy()
        self.app.go("guide", detail=detail)

    def take(
        self,
        service: c.ServiceDetail,
        *,
        id_number: str | None = None,
        phone: str | None = None,
        priority: c.PriorityClass | None = None,
        sms: bool = False,
        again: bool = False,
    ) -> None:
        """Take a ticket: one idempotency key for this tap, however often it is retried.

        After a ticket of this service did not print, a second one is issued only when the citizen asks
        for it (``again``): else they are offered the number they already hold.
        """
        app = self.app
        if self.parts.hall.settings.real_name_required and not id_number:
            app.go("take", service=service, required=True)
            return
        held = self.paperless(service.code)
        if held is not None and not again:
            self._offer_held(held, service, id_number=id_number, phone=phone, priority=priority, sms=sms)
            return
        request = c.IssueTicket(
            service_code=service.code,
            priority_class=priority,
            id_number=id_number,
            phone=phone,
            sms=sms,
            idempotency_key=uuid.uuid4().hex,
        )
        app.show_busy(app.t("kiosk.busy.issuing"))
        app.citizen(
            self.desk.take,
            request,
            app.lang,
            app.on_retry,
            done=self.show_ticket,
            fail=lambda error: self.failed(error, service=service),
        )

    def paperless(self, code: str) -> Outcome | None:
        """The unprinted ticket of this service taken here a moment ago, if any."""
        held = self._paperless.get(code)
        if held is None or time.monotonic() - held[1] > self.parts.settings.paperless_hold_seconds:
            self._paperless.pop(code, None)
            return None
        return held[0]

    def forget_paperless(self) -> None:
        """The citizen has gone (the kiosk went idle): the next citizen is not offered their number."""
        self._paperless.clear()

    def _offer_held(self, held: Outcome, service: c.ServiceDetail, **details: Any) -> None:
        app = self.app
        number, name = held.ticket.number, held.ticket.service_name
        app.choose(
            app.t("kiosk.paperless.held", number=number, service=name),
            [
                (app.t("kiosk.paperless.use", number=number), lambda: app.go("ticket", outcome=held)),
                (app.t("kiosk.paperless.new"), lambda: self.take(service, again=True, **details)),
            ],
        )

    # ------------------------------------------------------------ the ID card

    def card_read(self, card: CardText) -> None:
        """A card was put on the reader: what it means depends on the screen the citizen is at."""
        app = self.app
        app.card_trouble = ""
        if card.expired(self.today()):
            until = f"{card.valid_to[:4]}-{card.valid_to[4:6]}-{card.valid_to[6:]}"
            app.notify(app.t("kiosk.card.expired", until=until))
            return
        current = app.showing()
        if current == "take":
            app.person = Person(card.id_number, card.masked_name)
            app.screen("take").card_read(card.id_number)
        elif current == "reprint":
            app.person = Person(card.id_number, card.masked_name)
            app.screen("reprint").card_read(card.id_number)
        elif current == "guide":
            app.person = Person(card.id_number, card.masked_name)
        elif current == "holder":
            app.screen("holder").card_read(card.id_number)
        elif current == "checkin":
            app.person = Person(card.id_number, card.masked_name)
            self.check_in("", id_number=card.id_number)
        else:
            self.sign_in(card.id_number, card.masked_name)

    def card_trouble(self, trouble: Trouble | None) -> None:
        """The reader could not give a card (None: it can again)."""
        app = self.app
        app.card_trouble = app.t(f"kiosk.card.{trouble.value}") if trouble is not None else ""
        current = app.showing()
        if trouble == Trouble.READ_FAILED and current != "card":  # a card was put: say so wherever
            app.notify(app.card_trouble)

    def sign_in(self, id_number: str, name_masked: str) -> None:
        """Know the citizen by their ID number: their open tickets and bookings, then the start screen
        for them."""
        app = self.app
        # The lookup is one round trip: drawing "one moment" first would cost a whole frame (a frame of
        # the full screen is ~50 ms of the UI thread's CPU on software GL, measured with
        # benchmarks.kiosk) for a view gone a moment later; it is drawn only if the server is slow.
        app.show_busy(app.t("kiosk.card.reading"), after=SIGN_IN_OVERLAY_SECONDS)

        def found(known: c.PersonToday) -> None:
            app.hide_busy()
            app.person = Person(id_number, name_masked, tuple(known.tickets), tuple(known.bookings))
            app.go("start")

        app.citizen(self.desk.person, id_number, done=found, fail=self.failed)

    def today(self) -> date:
        """The hall's date (a card valid until today is still valid today)."""
        info = self.parts.hall.info
        return datetime.now(ZoneInfo(info.timezone if info else "Asia/Shanghai")).date()

    def check_in(self, code: str, id_number: str | None = None) -> None:
        """Turn a booking into a ticket (by its code, or by the ID card of the person who booked)."""
        app = self.app
        app.show_busy(app.t("kiosk.busy.issuing"))
        app.citizen(
            self.desk.check_in,
            code,
            app.lang,
            app.on_retry,
            id_number,
            done=self.show_ticket,
            fail=self.failed,
        )

    def find(
        self,
        done: Callable[[list[c.TicketPublic]], None],
        *,
        id_number: str | None = None,
        phone: str | None = None,
    ) -> None:
        """Look up today's tickets of a citizen who lost theirs."""
        app = self.app
        app.show_busy(app.t("kiosk.busy.working"))

        def found(tickets: list[c.TicketPublic]) -> None:
            app.hide_busy()
            done(tickets)

        app.citizen(self.desk.find, id_number=id_number, phone=phone, done=found, fail=self.failed)

    def reprint(self, ticket: c.TicketPublic) -> None:
        """Print a new copy of a found ticket."""
        app = self.app
        app.show_busy(app.t("kiosk.busy.working"))
        app.citizen(self.desk.reprint, ticket, app.lang, done=self.show_ticket, fail=self.failed)

    def attach_holder(
        self, outcome: Outcome, *, id_number: str | None = None, phone: str | None = None
    ) -> None:
        """Give a ticket that did not print its holder's phone or ID number (for a later 补打), then show
        the ticket again, now saying what was saved."""
        app = self.app
        app.show_busy(app.t("kiosk.busy.working"))

        def attached(ticket: c.TicketPublic) -> None:
            fresh = dataclasses.replace(outcome, ticket=ticket)
            held = self._paperless.get(ticket.service_code)
            if held is not None and held[0].ticket.token == ticket.token:  # offered again: as it is now
                self._paperless[ticket.service_code] = (fresh, held[1])
            app.hide_busy()
            app.go("ticket", outcome=fresh)

        app.citizen(
            self.desk.attach_holder,
            outcome.ticket,
            id_number=id_number,
            phone=phone,
            done=attached,
            fail=self.failed,
        )

    def show_ticket(self, outcome: Outcome) -> None:
        """The ticket screen for what came out."""
        self.app.hide_busy()
        self.app.go("ticket", outcome=outcome)
        if not outcome.printed and outcome.problem is not None:
            if not (outcome.cancelled or outcome.reprint or outcome.appointment):
                self._paperless[outcome.ticket.service_code] = (outcome, time.monotonic())
            self._check_printer()

    def failed(self, error: Exception, service: c.ServiceDetail | None = None) -> None:
        """Tell the citizen what went wrong, in plain words."""
        app = self.app
        if isinstance(error, ServerRefused):
            code = error.body.code
            if code == "ticket.id_required" and service is not None:
                app.hide_busy()
                app.go("take", service=service, required=True)
                app.notify(error_text(error.body, app.lang))
            elif code == "not_found" and app.showing() == "checkin":
                app.notify(app.t("kiosk.checkin.unavailable"))
            else:
                app.notify(error_text(error.body, app.lang))
        elif isinstance(error, ServerUnreachable):
            app.notify(app.t("kiosk.busy.unreachable"))
        else:
            log.error("errand failed", exc_info=error)
            app.notify(app.t("server.error"))
