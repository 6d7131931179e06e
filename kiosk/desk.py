"""What the kiosk does for a citizen — take a ticket, check in a booking, reprint one — each ending in a
printed ticket or in a failure that is shown, reported and flagged: never a ticket left silently.

Blocking calls: the app runs them off the UI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.client import HallClient, KioskError, RetryHook, ServerRefused, ServerUnreachable
from kiosk.layout import TicketPaper, ticket_layout
from kiosk.printer import PrinterProblem, TicketPrinter
from queue_server import contract as c

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """A ticket the citizen now holds (on paper, or only on screen when ``printed`` is False)."""

    ticket: c.TicketPublic
    printed: bool
    problem: c.DeviceState | None = None  # why it did not print
    appointment: bool = False
    reprint: bool = False
    sms: bool = False  # 到号短信提醒 asked for with this ticket (to its phone)

    @property
    def cancelled(self) -> bool:
        """The hall cancels tickets that did not print (its setting), so this number is void."""
        return self.ticket.status == "cancelled"


@dataclass
class PaperSettings:
    """How tickets are laid out."""

    status_base: str
    paper_mm: int = 80
    materials: int = 3
    hall_name: str = ""
    timezone: str = "Asia/Shanghai"


class Desk:
    """The kiosk's service layer over the server client and the printer."""

    def __init__(
        self, client: HallClient, printer: TicketPrinter | None, *, device: str, paper: PaperSettings
    ) -> None:
        self.client = client
        self.printer = printer
        self.device = device
        self.paper = paper
        self._guides: dict[str, c.ServiceDetail] = {}
        self._reported: c.DeviceState | None = None
        self._pending: list[tuple[str, Callable[[], None]]] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------ guides

    def read_guide(self, code: str) -> c.ServiceDetail:
        """A service's guide for the citizen to read: fresh figures, kept for the ticket's checklist."""
        detail = self.client.service(code)
        self._guides[code] = detail
        return detail

    def cached_guide(self, code: str) -> c.ServiceDetail | None:
        """A guide already fetched (never blocks)."""
        return self._guides.get(code)

    def guide(self, code: str) -> c.ServiceDetail | None:
        """A service's guide, fetched once (None when the server cannot say)."""
        if code not in self._guides:
            try:
                self._guides[code] = self.client.service(code)
            except KioskError as error:
                log.warning("guide of %s unavailable: %r", code, error)
                return None
        return self._guides[code]

    # ------------------------------------------------------------ the citizen's errands

    def take(self, request: c.IssueTicket, lang: str, on_retry: RetryHook | None = None) -> Outcome:
        """Issue (one ticket per tap, whatever the retries) and print."""
        try:
            ticket = self.client.issue(request, on_retry)
        except ServerUnreachable as error:
            if error.ambiguous:
                self._later(f"abandoned {request.idempotency_key}", lambda: self._withdraw(request))
            raise
        return self.print(ticket, lang, sms=request.sms)

    def check_in(
        self, code: str, lang: str, on_retry: RetryHook | None = None, id_number: str | None = None
    ) -> Outcome:
        """Turn a booking into a ticket and print it (checking in twice gives the same ticket); by
        booking code, or by the ID number of the card on the reader."""
        checked = self.client.check_in(code, on_retry, id_number=id_number)
        return self.print(checked.ticket, lang, appointment=True)

    def find(self, *, id_number: str | None = None, phone: str | None = None) -> list[c.TicketPublic]:
        """Today's open tickets of a citizen who lost theirs."""
        return self.client.lookup(id_number=id_number, phone=phone)

    def person(self, id_number: str) -> c.PersonToday:
        """What the service list shows a citizen known by their ID number: today's open tickets (to
        reprint) and bookings (to check in)."""
        return self.client.person(id_number)

    def attach_holder(
        self, ticket: c.TicketPublic, *, id_number: str | None = None, phone: str | None = None
    ) -> c.TicketPublic:
        """Give an unprinted quick-path ticket its holder's number, for a later 补打."""
        return self.client.attach_holder(ticket.token, id_number=id_number, phone=phone)

    def reprint(self, ticket: c.TicketPublic, lang: str) -> Outcome:
        """A new copy; the server counts papers, so the old one is void."""
        fresh = self.client.reprint(ticket.token)
        outcome = self.print(fresh, lang)
        return Outcome(outcome.ticket, outcome.printed, outcome.problem, reprint=True)

    def print(
        self, ticket: c.TicketPublic, lang: str, *, appointment: bool = False, sms: bool = False
    ) -> Outcome:
        """Print a ticket; if the printer cannot, say so to the server (flag or cancel) and the manager."""
        detail = self.guide(ticket.service_code)
        if self.printer is None:
            return Outcome(ticket, printed=False, appointment=appointment, sms=sms)
        paper = TicketPaper(
            hall_name=self.paper.hall_name,
            timezone=self.paper.timezone,
            qr_url=self.paper.status_base,
            guide=detail.guide if detail else None,
            lang=lang,
            paper_mm=self.paper.paper_mm,
            materials=self.paper.materials,
            appointment=appointment,
            sms=sms,
        )
        try:
            state = self.printer.print(ticket_layout(ticket, paper))
        except PrinterProblem as problem:
            log.warning("ticket %s not printed: %s", ticket.number, problem)
            self.report_printer(problem.state, problem.detail)
            return Outcome(self._not_printed(ticket, problem), False, problem.state, appointment, sms=sms)
        self.report_printer(state)
        return Outcome(ticket, True, appointment=appointment, sms=sms)

    # ------------------------------------------------------------ the printer and the server

    def get_printer_ready(self) -> None:
        """Have the printer's library loaded before a ticket is asked for."""
        if self.printer is not None:
            self.printer.get_ready()

    def poll_printer(self) -> c.DeviceState | None:
        """Ask the printer how it is and tell the server (also a heartbeat: silence raises an alarm)."""
        if self.printer is None:
            return None
        state = self.printer.status()
        self.report_printer(state, always=True)
        return state

    def report_printer(self, state: c.DeviceState, detail: str = "", *, always: bool = False) -> None:
        """Report the printer's state when it changed (or ``always``); retried later if the server is away."""
        with self._lock:
            if state == self._reported and not always:
                return
        report = c.DeviceStatus(kind=c.DeviceKind.PRINTER, device=self.device, state=state, detail=detail)
        try:
            self.client.report(report)
        except KioskError as error:
            log.info("printer state %s not reported yet: %r", state.value, error)
            return
        with self._lock:
            self._reported = state

    def report_alive(self) -> None:
        """The kiosk itself is up (its health line on the manager's screen)."""
        report = c.DeviceStatus(kind=c.DeviceKind.KIOSK, device=self.device, state=c.DeviceState.OK)
        try:
            self.client.report(report)
        except KioskError as error:
            log.info("kiosk heartbeat not delivered: %r", error)

    def reconcile(self) -> int:
        """Deliver what the server missed while away; returns how many are still waiting."""
        with self._lock:
            pending, self._pending = self._pending, []
        for label, action in pending:
            try:
                action()
                log.info("delivered %s", label)
            except ServerRefused as error:
                log.warning("%s refused: %s", label, error)
            except KioskError:
                with self._lock:
                    self._pending.append((label, action))
        with self._lock:
            return len(self._pending)

    def _later(self, label: str, action: Callable[[], None]) -> None:
        with self._lock:
            self._pending.append((label, action))

    def _not_printed(self, ticket: c.TicketPublic, problem: PrinterProblem) -> c.TicketPublic:
        reason = f"{problem.state.value}: {problem.detail}"
        try:
            return self.client.print_failed(ticket.token, reason)
        except KioskError as error:
            log.warning("print failure of %s not delivered yet: %r", ticket.number, error)
            self._later(f"print-failed {ticket.number}", lambda: self._deliver_failure(ticket.token, reason))
            return ticket.model_copy(update={"print_failed": True})

    def _deliver_failure(self, token: str, reason: str) -> None:
        self.client.print_failed(token, reason)

    def _withdraw(self, request: c.IssueTicket) -> None:
        """A tap whose reply was lost and whose citizen gave up: the same key finds the ticket; cancel it."""
        ticket = self.client.issue(request)
        if ticket.status == "waiting":
            self.client.cancel(ticket.token)
            log.info("cancelled %s: its citizen never received it", ticket.number)
