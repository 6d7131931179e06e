"""The printer emulator over TCP, driven by python-escpos's own Network backend."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Network
from PIL import Image

from hardware_mocks.escpos_render import render
from hardware_mocks.printer_server import Condition, MockPrinter


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[MockPrinter]:
    printer = MockPrinter(port=0, out_dir=tmp_path).start()
    yield printer
    printer.stop()


def connect(emulator: MockPrinter) -> Network:
    return Network("127.0.0.1", emulator.port, timeout=2)


def test_a_receipt_printed_over_the_network_is_decoded_and_drawn(emulator: MockPrinter) -> None:
    device = connect(emulator)
    device.hw("INIT")
    device.set(align="center")
    device._raw(b"\x1c&" + "明川市政务服务中心".encode("gb18030") + b"\x1c.\n")
    device.set(custom_size=True, width=4, height=4)
    device.textln("A001")
    device.qr("http://127.0.0.1:8000/t/tok?p=1", native=True, size=6)
    device.cut()
    device.close()
    (printed,) = emulator.wait_for(1)
    assert printed.receipt.lines[:2] == ["明川市政务服务中心", "A001"]
    assert printed.text_path is not None and printed.png_path is not None
    assert "[QR] http://127.0.0.1:8000/t/tok?p=1" in printed.text_path.read_text(encoding="utf-8")
    scanned = subprocess.run(
        ["zbarimg", "--raw", "-q", str(printed.png_path)], capture_output=True, text=True, check=True
    )
    assert scanned.stdout.strip() == "http://127.0.0.1:8000/t/tok?p=1"


@pytest.mark.parametrize(
    ("condition", "online", "paper"),
    [
        (Condition.READY, True, 2),
        (Condition.PAPER_LOW, True, 1),
        (Condition.PAPER_OUT, False, 0),
        (Condition.COVER_OPEN, False, 2),
        (Condition.OFFLINE, False, 2),
    ],
)
def test_status_queries_answer_as_a_real_printer_would(
    emulator: MockPrinter, condition: Condition, online: bool, paper: int
) -> None:
    emulator.condition = condition
    device = connect(emulator)
    assert device.is_online() is online
    assert device.paper_status() == paper
    cause = device.query_status(b"\x10\x04\x02")[0]
    assert bool(cause & 0x04) is (condition == Condition.COVER_OPEN)
    assert bool(cause & 0x20) is (condition == Condition.PAPER_OUT)
    device.close()


def test_a_printer_out_of_paper_prints_nothing(emulator: MockPrinter) -> None:
    emulator.condition = Condition.PAPER_OUT
    device = connect(emulator)
    device.textln("A001")
    device.cut()
    device.close()
    emulator.wait_refused(1)
    assert emulator.receipts == []


def test_a_printer_switched_off_refuses_connections(emulator: MockPrinter) -> None:
    port = emulator.port
    emulator.stop()
    with pytest.raises(DeviceNotFoundError):
        Network("127.0.0.1", port, timeout=1).open()


def test_receipts_are_numbered_on_from_those_already_in_the_folder(tmp_path: Path) -> None:
    (tmp_path / "receipt-0007.txt").write_text("old", encoding="utf-8")
    printer = MockPrinter(port=0, out_dir=tmp_path).start()
    try:
        device = connect(printer)
        device.textln("next")
        device.cut()
        device.close()
        assert printer.wait_for(1)[0].index == 8
    finally:
        printer.stop()


def test_chinese_is_drawn_with_real_glyphs(emulator: MockPrinter) -> None:
    device = connect(emulator)
    device._raw(
        b"\x1c&" + "中".encode("gb18030") + b"\x1c.\n" + b"\x1c&" + "文".encode("gb18030") + b"\x1c.\n"
    )
    device.cut()
    device.close()
    receipt = emulator.wait_for(1)[0].receipt
    page = render(receipt, 58)
    top, bottom = page.crop((8, 8, 40, 38)), page.crop((8, 38, 40, 68))
    assert _ink(top) > 40 and _ink(bottom) > 40  # glyphs, not blank boxes
    assert top.tobytes() != bottom.tobytes()  # two different characters, not the same box


def _ink(image: Image.Image) -> int:
    return sum(image.histogram()[:128])
