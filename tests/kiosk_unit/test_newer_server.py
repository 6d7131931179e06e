"""A kiosk made for today's server keeps working against a newer one whose replies and events carry
fields it does not know (tests/support/newer_server.py adds one to every JSON object)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from hardware_mocks.printer_server import MockPrinter
from kiosk.client import HallClient, ServerRefused
from kiosk.desk import Desk, PaperSettings
from kiosk.hall import HallView
from kiosk.live import Frame, LiveFeed
from kiosk.printer import PrinterSpec, TicketPrinter
from queue_server import contract as c
from queue_server.services.admin.catalogue_file import CatalogueFile
from tests.kiosk_unit.test_against_server import until
from tests.server.catalogue import small_hall
from tests.support.hall_server import HallServer, seed
from tests.support.newer_server import GROWN_FIELD, UNKNOWN_FRAME


@pytest.fixture(scope="module")
def newer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HallServer]:
    folder = tmp_path_factory.mktemp("newer")
    db = folder / "hall.db"
    tokens = seed(db, CatalogueFile.model_validate(small_hall("t1")))
    server = HallServer(db, tokens, log=folder / "log", module="tests.support.newer_server").start(timeout=60)
    yield server
    server.stop()


@pytest.fixture
def printer() -> Iterator[MockPrinter]:
    emulator = MockPrinter(port=0).start()
    yield emulator
    emulator.stop()


def test_the_newer_server_really_sends_fields_nobody_knows(newer: HallServer) -> None:
    body = newer.call("GET", "/hall", who="kiosk").json()
    assert GROWN_FIELD in body and GROWN_FIELD in body["hall"]
    assert all(GROWN_FIELD in queue for queue in body["queues"])
    refused = newer.call("POST", "/tickets", who="kiosk", json={"service_code": "S1", "colour": "red"})
    assert refused.status_code == 422  # requests still refuse what they do not know


def test_the_kiosk_loads_the_hall_issues_and_prints_against_a_newer_server(
    newer: HallServer, printer: MockPrinter
) -> None:
    client = HallClient(newer.url, newer.tokens["kiosk"])
    view = HallView()
    view.load(client.hall(), client.services(), client.settings())
    assert view.loaded and view.info is not None and view.info.name == "测试大厅t1"
    assert client.service("S1").guide is not None
    spec = PrinterSpec.parse(f"network://127.0.0.1:{printer.port}")
    desk = Desk(
        client,
        TicketPrinter(spec, paper_mm=58, timeout=2),
        device="kiosk-newer",
        paper=PaperSettings(status_base=newer.url, paper_mm=58, hall_name="测试大厅t1"),
    )
    outcome = desk.take(c.IssueTicket(service_code="S1", idempotency_key=uuid.uuid4().hex), "zh")
    assert outcome.printed and outcome.ticket is not None
    receipt = printer.wait_for(1)[0].receipt
    assert outcome.ticket.number in receipt.lines
    assert client.ticket(outcome.ticket.token).number == outcome.ticket.number
    client.close()


def test_a_refusal_from_a_newer_server_keeps_its_code(newer: HallServer) -> None:
    client = HallClient(newer.url, newer.tokens["kiosk"], retry_seconds=1)
    with pytest.raises(ServerRefused) as refused:
        client.issue(c.IssueTicket(service_code="NOPE", idempotency_key=uuid.uuid4().hex))
    client.close()
    raw = newer.call("POST", "/tickets", who="kiosk", json={"service_code": "NOPE"}).json()
    assert refused.value.body.code == raw["code"] != "server.error"
    assert refused.value.body.message == raw["message"]


def test_the_kiosks_live_feed_follows_a_newer_server(newer: HallServer) -> None:
    frames: list[Frame] = []
    states: list[bool] = []
    view = HallView()
    feed = LiveFeed(newer.url, newer.tokens["kiosk"], ["hall"], frames.append, states.append)
    feed.start()
    try:
        until(lambda: states == [True])
        assert GROWN_FIELD in frames[0] and frames[0]["type"] == "snapshot"
        view.apply(frames[0])
        before = view.queue("S3").waiting
        newer.call("POST", "/tickets", who="kiosk", json={"service_code": "S3"})
        until(lambda: any(f["type"] == "ticket.issued" for f in frames))
        assert any(f["type"] == UNKNOWN_FRAME["type"] for f in frames)  # a kind it never saw, too
        for frame in frames[1:]:
            view.apply(frame)
        assert view.queue("S3").waiting == before + 1
    finally:
        feed.stop()
