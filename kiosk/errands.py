"""The citizen's errands as the screens start them: a "one moment" overlay, the work off the UI
thread, then the next screen — or a message in plain words."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from kiosk.client import ServerRefused, ServerUnreachable
from kiosk.desk import Outcome
from kiosk.i18n import error_text
from queue_server import contract as c

if TYPE_CHECKING:
    from kiosk.app import KioskApp

log = logging.getLogger(__name__)


class Errands:
    """What a tap asks of the server and the printer."""

    def __init__(self, app: KioskApp) -> None:
        self.app = app
        self.desk = app.parts.desk

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
    ) -> None:
        """Take a ticket: one idempotency key for this tap, however often it is retried."""
        app = self.app
        if app.parts.hall.settings.real_name_required and not id_number:
            app.go("take", service=service, required=True)
            return
        request = c.IssueTicket(
            service_code=service.code,
            priority_class=priority,
            id_number=id_number,
            phone=phone,
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

    def check_in(self, code: str) -> None:
        """Turn a booking into a ticket."""
        app = self.app
        app.show_busy(app.t("kiosk.busy.issuing"))
        app.citizen(self.desk.check_in, code, app.lang, app.on_retry, done=self.show_ticket, fail=self.failed)

    def find(self, done: Any, *, id_number: str | None = None, phone: str | None = None) -> None:
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

    def show_ticket(self, outcome: Outcome) -> None:
        """The ticket screen for what came out."""
        self.app.hide_busy()
        self.app.go("ticket", outcome=outcome)
        if not outcome.printed and outcome.problem is not None:
            self.app.watch.poll_printer()

    def failed(self, error: Exception, service: c.ServiceDetail | None = None) -> None:
        """Tell the citizen what went wrong, in plain words."""
        app = self.app
        if isinstance(error, ServerRefused):
            code = error.body.code
            if code == "ticket.id_required" and service is not None:
                app.hide_busy()
                app.go("take", service=service, required=True)
                app.notify(error_text(error.body, app.lang))
            elif code == "not_found" and app.root.ids.screens.current == "checkin":
                app.notify(app.t("kiosk.checkin.unavailable"))
            else:
                app.notify(error_text(error.body, app.lang))
        elif isinstance(error, ServerUnreachable):
            app.notify(app.t("kiosk.busy.unreachable"))
        else:
            log.error("errand failed", exc_info=error)
            app.notify(app.t("server.error"))
