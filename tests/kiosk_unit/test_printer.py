"""The ESC/POS adapter: exact bytes on the dummy backend, decoded back; status; backends by URL."""

from __future__ import annotations

import itertools
import os
import threading
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware_mocks.escpos_decoder import decode
from hardware_mocks.escpos_model import Raster
from hardware_mocks.printer_server import Condition, MockPrinter
from kiosk.layout import Cut, Feed, Qr, Rule, Text
from kiosk.printer import PrinterProblem, PrinterSpec, TicketPrinter, read_status
from queue_server.contract import DeviceState

OPS = [
    Text("明川市政务服务中心", align="center", bold=True),
    Rule(),
    Text("A012", align="center", size=4, bold=True),
    Text("请备齐以下材料：", bold=True),
    Feed(),
    Qr("http://hall/t/tok?p=1", size=6),
    Cut(),
]


def test_chinese_goes_out_in_gb18030_text_mode_and_decodes_back() -> None:
    printer = TicketPrinter(PrinterSpec("dummy"), paper_mm=58)
    assert printer.print(OPS) == DeviceState.OK
    data = printer.last_output
    assert data.startswith(b"\x1b@")
    assert b"\x1c&" + "明川市政务服务中心".encode("gb18030") + b"\x1c." in data
    assert b"\x1d!\x33" in data  # 4 × 4 for the number
    (receipt,) = decode(data)
    assert receipt.lines[:4] == ["明川市政务服务中心", "-" * 32, "A012", "请备齐以下材料："]
    assert receipt.line_with("A012").segments[0].style.width == 4
    assert receipt.line_with("明川市").align == "center"
    assert receipt.qr_codes == ["http://hall/t/tok?p=1"] and receipt.cut == "full"


def test_a_printer_without_chinese_gets_images_of_the_chinese_lines() -> None:
    printer = TicketPrinter(PrinterSpec("dummy"), paper_mm=80, chinese="image")
    printer.print(OPS)
    data = printer.last_output
    assert b"\x1c&" not in data
    (receipt,) = decode(data)
    rasters = [e for e in receipt.elements if isinstance(e, Raster)]
    assert len(rasters) == 2 and all(r.width == 576 for r in rasters)
    assert rasters[1].height == 28  # one line of 24 dots, bold
    assert "A012" in receipt.lines and receipt.qr_codes == ["http://hall/t/tok?p=1"]


def test_the_qr_code_can_be_drawn_for_printers_without_native_qr() -> None:
    printer = TicketPrinter(PrinterSpec("dummy"), paper_mm=80, qr="image")
    printer.print([Qr("http://hall/t/tok", size=4), Cut()])
    (receipt,) = decode(printer.last_output)
    assert receipt.qr_codes == [] and any(isinstance(e, Raster) for e in receipt.elements)


class Answers:
    """A device whose status replies are scripted."""

    def __init__(self, replies: dict[bytes, bytes]) -> None:
        self.replies = replies
        self.asked = b""

    def _raw(self, query: bytes) -> None:
        self.asked = query

    def _read(self) -> bytes:
        return self.replies.get(self.asked, b"")


@pytest.mark.parametrize(
    ("one", "two", "four", "state"),
    [
        (0x12, 0x12, 0x12, DeviceState.OK),
        (0x12, 0x12, 0x1E, DeviceState.PAPER_LOW),
        (0x1A, 0x32, 0x72, DeviceState.PAPER_OUT),
        (0x1A, 0x16, 0x12, DeviceState.COVER_OPEN),
        (0x1A, 0x52, 0x12, DeviceState.ERROR),
        (0x1A, 0x12, 0x12, DeviceState.OFFLINE),
    ],
)
def test_status_bytes_mean_what_the_esc_pos_manual_says(
    one: int, two: int, four: int, state: DeviceState
) -> None:
    device = Answers(
        {b"\x10\x04\x01": bytes([one]), b"\x10\x04\x02": bytes([two]), b"\x10\x04\x04": bytes([four])}
    )
    assert read_status(device) == state  # type: ignore[arg-type]


def test_no_answer_means_offline() -> None:
    assert read_status(Answers({})) == DeviceState.OFFLINE  # type: ignore[arg-type]


@pytest.fixture
def emulator() -> Iterator[MockPrinter]:
    printer = MockPrinter(port=0).start()
    yield printer
    printer.stop()


def test_a_network_printer_is_asked_before_printing_and_refuses_without_paper(emulator: MockPrinter) -> None:
    printer = TicketPrinter(PrinterSpec.parse(f"network://127.0.0.1:{emulator.port}"), timeout=2)
    assert printer.status() == DeviceState.OK
    printer.print(OPS)
    assert emulator.wait_for(1)[0].receipt.lines[0] == "明川市政务服务中心"
    emulator.condition = Condition.PAPER_OUT
    with pytest.raises(PrinterProblem) as problem:
        printer.print(OPS)
    assert problem.value.state == DeviceState.PAPER_OUT
    assert emulator.refused == 0 and len(emulator.receipts) == 1  # nothing was even sent


def test_a_network_printer_that_is_off_is_offline(emulator: MockPrinter) -> None:
    port = emulator.port
    emulator.stop()
    printer = TicketPrinter(PrinterSpec.parse(f"network://127.0.0.1:{port}"), timeout=1)
    assert printer.status() == DeviceState.OFFLINE
    with pytest.raises(PrinterProblem) as problem:
        printer.print(OPS)
    assert problem.value.state == DeviceState.OFFLINE


def test_status_polls_of_a_network_printer_read_every_state_without_loading_escpos_printers(
    emulator: MockPrinter,
) -> None:
    import subprocess
    import sys

    printer = TicketPrinter(PrinterSpec.parse(f"network://127.0.0.1:{emulator.port}"), timeout=2)
    for condition, state in (
        (Condition.PAPER_LOW, DeviceState.PAPER_LOW),
        (Condition.COVER_OPEN, DeviceState.COVER_OPEN),
        (Condition.PAPER_OUT, DeviceState.PAPER_OUT),
        (Condition.READY, DeviceState.OK),
    ):
        emulator.condition = condition
        assert printer.status() == state
    poll = (
        "import sys; from kiosk.printer import PrinterSpec, TicketPrinter; "
        f"state = TicketPrinter(PrinterSpec.parse('network://127.0.0.1:{emulator.port}')).status(); "
        "print(state.value, 'escpos.escpos' in sys.modules, 'PIL' in sys.modules)"
    )
    idle = subprocess.run([sys.executable, "-c", poll], capture_output=True, text=True, check=True)
    assert idle.stdout.split() == ["ok", "False", "False"]  # python-escpos loads with the first ticket


def test_a_file_printer_writes_the_bytes(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    printer = TicketPrinter(PrinterSpec.parse(f"file://{target}"))
    printer.print(OPS)
    assert decode(target.read_bytes())[0].lines[0] == "明川市政务服务中心"


def test_printers_are_named_by_url() -> None:
    assert PrinterSpec.parse("none").kind == "none"
    assert PrinterSpec.parse("network://10.0.0.7:9100") == PrinterSpec("network", "10.0.0.7:9100")
    serial = PrinterSpec.parse("serial:///dev/ttyUSB0?baudrate=19200")
    assert (
        serial.kind == "serial"
        and serial.target == "/dev/ttyUSB0"
        and dict(serial.options)["baudrate"] == "19200"
    )
    assert PrinterSpec.parse("usb://0x0416:0x5011").target == "0x0416:0x5011"
    assert PrinterSpec.parse("file:///dev/usb/lp0").target == "/dev/usb/lp0"
    with pytest.raises(ValueError):
        PrinterSpec.parse("bluetooth://x")


def test_a_serial_printer_prints_and_answers_status_over_a_serial_line() -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    emulator = MockPrinter()
    line = threading.Thread(
        target=emulator.serve_stream,
        args=(lambda: os.read(master, 4096), lambda b: os.write(master, b)),
        daemon=True,
    )
    line.start()
    try:
        printer = TicketPrinter(PrinterSpec.parse(f"serial://{os.ttyname(slave)}?baudrate=9600"), timeout=1)
        started = time.monotonic()
        assert printer.status() == DeviceState.OK
        assert time.monotonic() - started < 0.5  # one byte back is enough; no waiting out the timeout
        printer.print(OPS)
        assert emulator.wait_for(1)[0].receipt.lines[0] == "明川市政务服务中心"
        emulator.condition = Condition.COVER_OPEN
        assert printer.status() == DeviceState.COVER_OPEN
    finally:
        os.close(slave)
        os.close(master)


def test_the_emulator_draws_chinese_mode_punctuation_full_width_as_the_printer_does() -> None:
    from hardware_mocks.escpos_render import MARGIN, render

    printer = TicketPrinter(PrinterSpec("dummy"), paper_mm=80)
    printer.print([Text("……共 8 项", bold=True), Text("12–14号"), Cut()])
    (receipt,) = decode(printer.last_output)
    image = render(receipt, paper_mm=80).convert("L")
    # the line's ink spans the columns the layout counted: …… is 4 cells (48 dots), 共 2, " 8 " 3, 项 2
    ink = [x - MARGIN for x in range(image.width) if any(image.getpixel((x, y)) < 128 for y in range(30))]
    assert 11 * 12 - 24 <= max(ink) <= 11 * 12
    ellipsis = [x for x in ink if x < 48]
    gaps = sum(1 for a, b in itertools.pairwise(ellipsis) if b - a > 1)
    assert gaps >= 3, "the six dots of …… run together into a bar"
