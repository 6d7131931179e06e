"""The desk's rules on fakes: a ticket that did not print is reported, flagged, and never lost."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kiosk.client import ServerUnreachable
from kiosk.desk import Desk, PaperSettings
from kiosk.printer import PrinterProblem
from queue_server import contract as c


def public(**changes: Any) -> c.TicketPublic:
    data = {
        "token": "tok",
        "number": "A001",
        "service_code": "S1",
        "service_name": "事项S1",
        "status": "waiting",
        "issued_at": datetime(2026, 3, 2, 1, tzinfo=UTC),
        "status_url": "/t/tok",
    }
    return c.TicketPublic.model_validate(data | changes)


class FakeServer:
    """Answers like the queue server, and remembers what it was told."""

    def __init__(self, hall_cancels: bool = False) -> None:
        self.hall_cancels = hall_cancels
        self.reports: list[tuple[str, str]] = []
        self.failures: list[str] = []
        self.down = False

    def service(self, code: str) -> c.ServiceDetail:
        return c.ServiceDetail(
            code=code,
            name="事项",
            prefix="A",
            department="D1",
            category="public_service",
            case_type="immediate",
            guide=c.Guide(materials=[c.Material(name="居民身份证", originals=1)]),
        )

    def issue(self, body: c.IssueTicket, on_retry: Any = None) -> c.TicketPublic:
        return public()

    def print_failed(self, token: str, reason: str) -> c.TicketPublic:
        if self.down:
            raise ServerUnreachable(1, False, None)
        self.failures.append(reason)
        return public(print_failed=True, status="cancelled" if self.hall_cancels else "waiting")

    def report(self, status: c.DeviceStatus) -> None:
        if self.down:
            raise ServerUnreachable(1, False, None)
        self.reports.append((status.kind.value, status.state.value))


class FakePrinter:
    def __init__(self, state: c.DeviceState = c.DeviceState.OK) -> None:
        self.state = state
        self.printed: list[list[Any]] = []

    def print(self, ops: list[Any]) -> c.DeviceState:
        if self.state not in (c.DeviceState.OK, c.DeviceState.PAPER_LOW):
            raise PrinterProblem(self.state, "status before printing")
        self.printed.append(ops)
        return self.state

    def status(self) -> c.DeviceState:
        return self.state


def desk(server: FakeServer, printer: FakePrinter | None) -> Desk:
    return Desk(server, printer, device="kiosk-1", paper=PaperSettings(status_base="http://hall"))  # type: ignore[arg-type]


def test_a_printed_ticket_reports_the_printer_once() -> None:
    server, printer = FakeServer(), FakePrinter()
    front = desk(server, printer)
    for key in ("a", "b"):
        assert front.take(c.IssueTicket(service_code="S1", idempotency_key=key), "zh").printed
    assert len(printer.printed) == 2 and server.reports == [("printer", "ok")]


def test_an_unprinted_ticket_is_flagged_and_the_printer_reported() -> None:
    server, printer = FakeServer(), FakePrinter(c.DeviceState.PAPER_OUT)
    outcome = desk(server, printer).take(c.IssueTicket(service_code="S1", idempotency_key="a"), "zh")
    assert not outcome.printed and outcome.problem == c.DeviceState.PAPER_OUT and not outcome.cancelled
    assert server.failures == ["paper_out: status before printing"]
    assert server.reports == [("printer", "paper_out")]


def test_a_hall_that_cancels_unprinted_tickets_voids_the_number() -> None:
    outcome = desk(FakeServer(hall_cancels=True), FakePrinter(c.DeviceState.COVER_OPEN)).print(public(), "zh")
    assert outcome.cancelled


def test_a_failure_the_server_could_not_hear_is_told_when_it_is_back() -> None:
    server, printer = FakeServer(), FakePrinter(c.DeviceState.OFFLINE)
    front = desk(server, printer)
    server.down = True
    outcome = front.print(public(), "zh")
    assert outcome.ticket.print_failed and server.failures == []
    assert front.reconcile() == 1  # still away
    server.down = False
    assert front.reconcile() == 0
    assert server.failures == ["offline: status before printing"]


def test_the_printer_poll_is_a_heartbeat() -> None:
    server = FakeServer()
    front = desk(server, FakePrinter())
    front.poll_printer()
    front.poll_printer()
    front.report_alive()
    assert server.reports == [("printer", "ok"), ("printer", "ok"), ("kiosk", "ok")]
    assert desk(server, None).poll_printer() is None
