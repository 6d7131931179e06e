"""The kiosk's client, live feed and desk against a real queue server process and the printer emulator."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware_mocks.printer_server import Condition, MockPrinter
from kiosk.client import HallClient, ServerUnreachable
from kiosk.desk import Desk, PaperSettings
from kiosk.live import Frame, LiveFeed
from kiosk.printer import PrinterSpec, TicketPrinter
from queue_server import contract as c
from queue_server.services.admin.catalogue_file import CatalogueFile
from tests.server.catalogue import small_hall
from tests.support.hall_server import HallServer, free_port, seed


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallServer]:
    folder = tmp_path_factory.mktemp("server")
    db = folder / "hall.db"
    hall = HallServer(
        db, seed(db, CatalogueFile.model_validate(small_hall("t1"))), log=folder / "log"
    ).start()
    yield hall
    hall.stop()


@pytest.fixture
def emulator() -> Iterator[MockPrinter]:
    printer = MockPrinter(port=0).start()
    yield printer
    printer.stop()


def waiting(server: HallServer, service: str) -> int:
    queues = server.call("GET", "/hall", who="board").json()["queues"]
    return next(q["waiting"] for q in queues if q["service_code"] == service)


class SlowProxy:
    """A TCP relay that holds back the first reply of the first ``slow`` connections for ``delay`` s."""

    def __init__(self, target: int, slow: int, delay: float) -> None:
        self.target, self.slow, self.delay = target, slow, delay
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            delay = self.delay if self.slow > 0 else 0.0
            self.slow -= 1
            upstream = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self._relay, args=(downstream, upstream, 0.0), daemon=True).start()
            threading.Thread(target=self._relay, args=(upstream, downstream, delay), daemon=True).start()

    @staticmethod
    def _relay(source: socket.socket, sink: socket.socket, delay: float) -> None:
        try:
            while data := source.recv(65536):
                if delay:
                    time.sleep(delay)
                    delay = 0.0
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                end.close()

    def close(self) -> None:
        self.listener.close()


def test_a_slow_server_gives_one_tap_one_ticket(server: HallServer) -> None:
    proxy = SlowProxy(server.port, slow=1, delay=1.5)
    kiosk = HallClient(
        f"http://127.0.0.1:{proxy.port}", server.tokens["kiosk"], timeout=0.5, retry_seconds=10
    )
    before = waiting(server, "S2")
    retries: list[int] = []
    try:
        ticket = kiosk.issue(
            c.IssueTicket(service_code="S2", idempotency_key=uuid.uuid4().hex),
            on_retry=lambda attempt, _e: retries.append(attempt),
        )
    finally:
        proxy.close()
        kiosk.close()
    assert retries == [1]  # the first reply came too late; the retry found the same ticket
    assert waiting(server, "S2") == before + 1
    assert server.call("GET", f"/tickets/{ticket.token}").json()["number"] == ticket.number


def test_the_live_feed_follows_the_hall_and_reconnects_when_the_server_returns(server: HallServer) -> None:
    frames: list[Frame] = []
    states: list[bool] = []
    feed = LiveFeed(server.url, server.tokens["kiosk"], ["hall"], frames.append, states.append)
    feed.start()
    try:
        until(lambda: states == [True])
        assert frames[0]["type"] == "snapshot" and frames[0]["payload"]["hall"]["code"] == "t1"
        server.call("POST", "/tickets", who="kiosk", json={"service_code": "S3"})
        until(
            lambda: any(f["type"] == "ticket.issued" and f["payload"]["service_code"] == "S3" for f in frames)
        )
        server.stop()
        until(lambda: states[-1] is False)
        server.start()
        until(lambda: states[-1] is True, timeout=20)
    finally:
        feed.stop()


def until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def desk_for(server: HallServer, printer: MockPrinter | None, **client: float) -> Desk:
    kiosk = HallClient(server.url, server.tokens["kiosk"], **client)  # type: ignore[arg-type]
    spec = PrinterSpec.parse(f"network://127.0.0.1:{printer.port}") if printer else None
    return Desk(
        kiosk,
        TicketPrinter(spec, paper_mm=58, timeout=2) if spec else None,
        device="kiosk-unit",
        paper=PaperSettings(status_base=server.url, paper_mm=58, hall_name="测试大厅t1"),
    )


def test_a_ticket_is_issued_and_printed_with_its_checklist(server: HallServer, emulator: MockPrinter) -> None:
    desk = desk_for(server, emulator)
    outcome = desk.take(c.IssueTicket(service_code="S1", idempotency_key=uuid.uuid4().hex), "zh")
    assert outcome.printed
    receipt = emulator.wait_for(1)[0].receipt
    assert receipt.lines[0] == "测试大厅t1" and outcome.ticket.number in receipt.lines
    assert any(line.startswith("1. 居民身份证（原件 1 份") for line in receipt.lines)


def test_a_hall_that_cancels_unprinted_tickets_gets_them_cancelled(
    server: HallServer, emulator: MockPrinter
) -> None:
    settings = server.call("GET", "/hall/settings").json()
    server.call("PUT", "/hall/settings", json=settings | {"print_failure": "cancel"})
    try:
        emulator.condition = Condition.COVER_OPEN
        outcome = desk_for(server, emulator).take(
            c.IssueTicket(service_code="S1", idempotency_key=uuid.uuid4().hex), "zh"
        )
    finally:
        server.call("PUT", "/hall/settings", json=settings)
    assert not outcome.printed and outcome.problem == c.DeviceState.COVER_OPEN and outcome.cancelled


def test_what_the_server_missed_while_away_is_delivered_when_it_returns(
    server: HallServer, emulator: MockPrinter
) -> None:
    desk = desk_for(server, emulator, retry_seconds=0.5, timeout=1.0)
    ticket = desk.client.issue(c.IssueTicket(service_code="S3", idempotency_key=uuid.uuid4().hex))
    emulator.condition = Condition.PAPER_OUT
    server.stop()
    try:
        outcome = desk.print(ticket, "zh")  # paper out, and the server cannot be told
        assert not outcome.printed and outcome.ticket.print_failed
    finally:
        server.start()
    assert server.call("GET", f"/tickets/{ticket.token}").json()["print_failed"] is False
    assert desk.reconcile() == 0
    assert server.call("GET", f"/tickets/{ticket.token}").json()["print_failed"] is True


def test_a_tap_whose_reply_was_lost_is_cancelled_once_the_server_is_back(
    server: HallServer, tmp_path: Path
) -> None:
    request = c.IssueTicket(service_code="S4", idempotency_key=uuid.uuid4().hex)
    slow = SlowProxy(server.port, slow=100, delay=2.0)
    desk = desk_for(server, None, retry_seconds=0.0, timeout=0.5)
    desk.client = HallClient(
        f"http://127.0.0.1:{slow.port}", server.tokens["kiosk"], timeout=0.5, retry_seconds=0
    )
    with pytest.raises(ServerUnreachable) as failure:
        desk.take(request, "zh")
    slow.close()
    assert failure.value.ambiguous
    desk.client = HallClient(server.url, server.tokens["kiosk"])
    assert desk.reconcile() == 0
    again = desk.client.issue(request)  # the same key finds the ticket the citizen never saw
    assert again.status == "cancelled"


def test_no_printer_configured_shows_the_ticket_on_screen_only(server: HallServer) -> None:
    outcome = desk_for(server, None).take(
        c.IssueTicket(service_code="S1", idempotency_key=uuid.uuid4().hex), "zh"
    )
    assert not outcome.printed and outcome.problem is None


def test_printer_states_reach_the_server(server: HallServer, emulator: MockPrinter) -> None:
    desk = desk_for(server, emulator)
    emulator.condition = Condition.PAPER_LOW
    assert desk.poll_printer() == c.DeviceState.PAPER_LOW


def test_a_port_nobody_listens_on_is_unreachable_not_an_error() -> None:
    kiosk = HallClient(f"http://127.0.0.1:{free_port()}", "t", retry_seconds=0.3, sleep=lambda _s: None)
    with pytest.raises(ServerUnreachable) as failure:
        kiosk.services()
    assert not failure.value.ambiguous
