"""The ticket printer: print ops → ESC/POS over a python-escpos backend (network, serial, USB, file).

Per job: open the device, read its status (DLE EOT 1, then 2 or 4), refuse to print when it cannot
(paper out, cover open, offline), send the ticket, read the status again (a roll that ended during
the ticket means a torn, unusable ticket: a failed print), close. Chinese goes out in GB18030 text mode
(FS & … FS .), or — for printers without a Chinese ROM — as bit images drawn with a CJK font.

Status bytes read back::

    DLE EOT 1 → bit 3 offline        DLE EOT 2 → bit 2 cover open, bit 5 paper end, bit 6 error
    DLE EOT 4 → bits 2-3 paper near end, bits 5-6 paper end
"""

from __future__ import annotations

import functools
import logging
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from escpos.exceptions import Error as EscposError

from kiosk.layout import COLUMNS, Cut, Feed, PrintOp, Qr, Rule, Text, for_printer
from queue_server.contract import DeviceState

if TYPE_CHECKING:
    from escpos.escpos import Escpos

log = logging.getLogger(__name__)

FS_CHINESE_ON, FS_CHINESE_OFF = b"\x1c&", b"\x1c."
STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_PAPER = b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x04"
PAPER_DOTS = {58: 384, 80: 576}
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
PRINTABLE = {DeviceState.OK, DeviceState.PAPER_LOW}


class PrinterProblem(Exception):
    """The printer cannot print now (its state says why)."""

    def __init__(self, state: DeviceState, detail: str = "") -> None:
        super().__init__(f"{state.value}: {detail}")
        self.state = state
        self.detail = detail


@dataclass(frozen=True)
class PrinterSpec:
    """Where the printer is: ``network://host:9100``, ``serial:///dev/ttyS0?baudrate=9600``, …"""

    kind: str
    target: str = ""
    options: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, value: str) -> PrinterSpec:
        """Read a printer URL from the configuration."""
        if value in ("", "none"):
            return cls("none")
        parts = urlsplit(value)
        target = parts.netloc + parts.path if parts.scheme in ("network", "usb") else parts.path
        options = tuple((k, v[-1]) for k, v in parse_qs(parts.query).items())
        if parts.scheme not in ("network", "serial", "usb", "file", "dummy"):
            raise ValueError(f"unknown printer {value!r}")
        return cls(parts.scheme, target, options)

    def open(self, timeout: float) -> Escpos:
        """The python-escpos device for this spec (connected lazily on first use)."""
        options = dict(self.options)
        if self.kind == "network":
            from escpos.printer import Network

            host, _, port = self.target.partition(":")
            return Network(host, int(port or 9100), timeout=timeout)
        if self.kind == "serial":
            from escpos.printer import Serial

            return Serial(self.target, baudrate=int(options.get("baudrate", 9600)), timeout=timeout)
        if self.kind == "usb":
            from escpos.printer import Usb

            vendor, _, product = self.target.partition(":")
            return Usb(int(vendor, 16), int(product, 16), timeout=int(timeout * 1000))
        if self.kind == "file":
            from escpos.printer import File

            return File(self.target)
        from escpos.printer import Dummy

        return Dummy()

    @property
    def answers_status(self) -> bool:
        """Whether this backend can read DLE EOT replies back."""
        return self.kind in ("network", "serial", "usb")


class StatusLine:
    """A bare TCP link to a network printer, for the status polls between tickets.

    python-escpos imports its imaging and barcode libraries (PIL, qrcode, python-barcode, pyusb,
    PyYAML: ~10 MB) with any of its printers; an idle kiosk only asks DLE EOT every 30 s, so those
    load when the first ticket is printed.
    """

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self._socket = socket.create_connection((host, port), timeout=timeout)

    def _raw(self, data: bytes) -> None:
        self._socket.sendall(data)

    def _read(self) -> bytes:
        return self._socket.recv(16)

    def close(self) -> None:
        """Close the link."""
        self._socket.close()


def ask(device: Escpos | StatusLine, query: bytes) -> bytes:
    """Send one DLE EOT query and read its one-byte reply (a serial line is not read to its timeout)."""
    device._raw(query)
    line: Any = getattr(device, "_device", None)
    if type(device).__name__ == "Serial" and hasattr(line, "read"):
        return bytes(line.read(1))
    return bytes(device._read())


def read_status(device: Escpos | StatusLine) -> DeviceState:
    """The printer's state from its DLE EOT replies (no reply: offline)."""
    printer = ask(device, STATUS_PRINTER)
    if not printer:
        return DeviceState.OFFLINE
    if printer[0] & 0x08:
        cause = ask(device, STATUS_OFFLINE_CAUSE)
        if cause and cause[0] & 0x04:
            return DeviceState.COVER_OPEN
        if cause and cause[0] & 0x20:
            return DeviceState.PAPER_OUT
        return DeviceState.ERROR if cause and cause[0] & 0x40 else DeviceState.OFFLINE
    paper = ask(device, STATUS_PAPER)
    if paper and paper[0] & 0x60 == 0x60:
        return DeviceState.PAPER_OUT
    if paper and paper[0] & 0x0C == 0x0C:
        return DeviceState.PAPER_LOW
    return DeviceState.OK


class TicketPrinter:
    """One kiosk's printer; jobs are serialised (the status poller and a print never interleave)."""

    def __init__(
        self,
        spec: PrinterSpec,
        *,
        paper_mm: int = 80,
        chinese: str = "gb18030",
        qr: str = "native",
        timeout: float = 3.0,
        font: str = "gb18030",
    ) -> None:
        self.spec = spec
        self.paper_mm = paper_mm
        self.chinese = chinese
        self.qr = qr
        self.timeout = timeout
        self.font = font  # the printer's Chinese font: gb18030, or gb2312 (fewer characters)
        self._lock = threading.Lock()
        self.last_output = b""  # what the last job sent (the dummy backend keeps it for tests)

    def get_ready(self) -> None:
        """Load python-escpos before the first ticket (a citizen is reading a guide): ~0.4 s saved on
        that tap; an idle kiosk never loads it (see StatusLine)."""
        import escpos.printer  # noqa: F401

    def status(self) -> DeviceState:
        """Ask the printer how it is."""
        with self._lock:
            if self.spec.kind == "network":
                return self._network_status()
            device = self._open()
            try:
                return self._status(device)
            finally:
                device.close()

    def _network_status(self) -> DeviceState:
        host, _, port = self.spec.target.partition(":")
        try:
            line = StatusLine(host, int(port or 9100), self.timeout)
        except OSError as error:
            log.warning("printer status unreadable: %r", error)
            return DeviceState.OFFLINE
        try:
            return self._status(line)
        finally:
            line.close()

    def print(self, ops: list[PrintOp]) -> DeviceState:
        """Check the printer, then print; PrinterProblem when it cannot. Returns the state before printing."""
        with self._lock:
            device = self._open()
            try:
                state = self._status(device)
                if state not in PRINTABLE:
                    raise PrinterProblem(state, "status before printing")
                self._send(device, ops)
                if self.spec.kind == "dummy":
                    self.last_output = device.output
                after = self._status(device)  # answered once the ticket is through (bytes are in order)
                if after not in PRINTABLE:
                    raise PrinterProblem(after, "status after printing")
                return state
            except (OSError, EscposError) as error:
                raise PrinterProblem(DeviceState.OFFLINE, f"{type(error).__name__}: {error}") from error
            finally:
                device.close()

    # ------------------------------------------------------------ internals

    def _open(self) -> Escpos:
        device = self.spec.open(self.timeout)
        media: dict[str, Any] = device.profile.profile_data.setdefault("media", {})
        media.setdefault("width", {})["pixels"] = PAPER_DOTS.get(self.paper_mm, 576)
        return device

    def _status(self, device: Escpos | StatusLine) -> DeviceState:
        if not self.spec.answers_status:
            return DeviceState.OK
        try:
            return read_status(device)
        except (OSError, EscposError) as error:
            log.warning("printer status unreadable: %r", error)
            return DeviceState.OFFLINE

    def _send(self, device: Escpos, ops: list[PrintOp]) -> None:
        device.hw("INIT")
        for op in ops:
            if isinstance(op, Text):
                self._text(device, op)
            elif isinstance(op, Feed):
                device._raw(b"\n" * op.lines)
            elif isinstance(op, Rule):
                device.set(align="left", bold=False, custom_size=True, width=1, height=1)
                device._raw(b"-" * COLUMNS.get(self.paper_mm, 48) + b"\n")
            elif isinstance(op, Qr):
                device.set(align=op.align)
                device.qr(op.data, size=op.size, native=self.qr == "native", center=False)
            elif isinstance(op, Cut):
                device.cut()

    def _text(self, device: Escpos, op: Text) -> None:
        device.set(align=op.align, bold=op.bold, custom_size=True, width=op.size, height=op.tall)
        if op.text.isascii():
            device._raw(op.text.encode("ascii") + b"\n")
        elif self.chinese == "gb18030":
            line = for_printer(op.text, self.font)
            device._raw(FS_CHINESE_ON + line.encode("gb18030", errors="replace") + FS_CHINESE_OFF + b"\n")
        else:
            device.image(text_image(op, PAPER_DOTS.get(self.paper_mm, 576)), impl="bitImageRaster")


@functools.cache
def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(str(CJK_FONT), size)


def text_image(op: Text, width: int) -> Any:
    """A line of text drawn as the printer would (24-dot font, magnified), for printers without Chinese."""
    from PIL import Image, ImageDraw

    height = 24 * op.size
    font = _font(height - 2 * op.size)
    image = Image.new("1", (width, height + 4), 1)
    draw = ImageDraw.Draw(image)
    length = draw.textlength(op.text, font=font)
    x = {"center": (width - length) / 2, "right": width - length}.get(op.align, 0)
    draw.text((max(0, x), 0), op.text, font=font, fill=0, stroke_width=1 if op.bold else 0, stroke_fill=0)
    if op.tall != op.size:  # double height, single width: stretched as the printer's font would be
        image = image.resize((width, (height + 4) * op.tall // op.size))
    return image
