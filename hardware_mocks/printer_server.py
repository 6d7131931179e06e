"""A network receipt printer (raw TCP, port 9100 style) that decodes what it is sent.

It answers DLE EOT status requests at once, as a real printer does even when it cannot print, and
can pretend to be out of paper, low on paper, open or offline. Each receipt it prints (up to a cut)
is kept in memory and, given a folder, written there as text and as a PNG of the paper.

Status bytes (bit 1 and bit 4 are always set, hence 0x12)::

    DLE EOT 1  printer      0x08 offline
    DLE EOT 2  offline why  0x04 cover open   0x20 stopped at paper end   0x40 error
    DLE EOT 4  paper roll   0x0C near end     0x60 paper end
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from hardware_mocks import escpos_render
from hardware_mocks.escpos_decoder import Decoder
from hardware_mocks.escpos_model import Receipt, ReceiptDone, StatusRequest

log = logging.getLogger(__name__)


class Condition(StrEnum):
    """What the pretend printer is going through."""

    READY = "ok"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"


STATUS: dict[Condition, dict[int, int]] = {
    Condition.READY: {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12},
    Condition.PAPER_LOW: {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x1E},
    Condition.PAPER_OUT: {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x72},
    Condition.COVER_OPEN: {1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12},
    Condition.OFFLINE: {1: 0x1A, 2: 0x52, 3: 0x12, 4: 0x12},
}
PRINTS = {Condition.READY, Condition.PAPER_LOW}


@dataclass(frozen=True)
class Printed:
    """A receipt that came out of the printer."""

    index: int
    receipt: Receipt
    decoded_at: float  # time.perf_counter() when the cut arrived
    text_path: Path | None = None
    png_path: Path | None = None


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.printer.serve_stream(lambda: self.request.recv(65536), self.request.sendall)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    printer: MockPrinter


class MockPrinter:
    """The emulator: ``start()`` it in a thread, or ``serve_forever()`` in the foreground."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 9100,
        out_dir: Path | None = None,
        paper_mm: int = 80,
        condition: Condition = Condition.READY,
    ) -> None:
        self.host, self.port = host, port
        self.out_dir = out_dir
        self.paper_mm = paper_mm
        self.condition = condition
        self.receipts: list[Printed] = []
        self.refused = 0
        # whole receipts left on the roll (None: plenty); the one after the last runs out half-way
        self.paper_left: int | None = None
        self.torn: list[Receipt] = []  # receipts the roll ended in the middle of
        self._changed = threading.Condition()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._next = 1

    def _listen(self) -> _Server:
        server = _Server((self.host, self.port), _Handler)
        server.printer = self
        self.port = server.server_address[1]
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            taken = [int(p.stem.split("-")[1]) for p in self.out_dir.glob("receipt-*.txt")]
            self._next = max(taken, default=0) + 1
        self._server = server
        log.info("mock printer listening on %s:%d (%d mm paper)", self.host, self.port, self.paper_mm)
        return server

    def start(self) -> MockPrinter:
        """Listen in a background thread; returns self (``port`` is the real port if 0 was asked)."""
        server = self._listen()
        self._thread = threading.Thread(target=server.serve_forever, name="mock-printer", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Listen in this thread until interrupted."""
        server = self._listen()
        try:
            server.serve_forever()
        finally:
            server.server_close()

    def stop(self) -> None:
        """Stop listening (the printer is switched off)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def serve_stream(self, receive: Callable[[], bytes], send: Callable[[bytes], object]) -> None:
        """Be the printer on one byte stream (a TCP connection, a serial line) until it ends."""
        decoder = Decoder()
        while True:
            try:
                data = receive()
            except OSError:
                return
            if not data:
                return
            for event in decoder.feed(data):
                if isinstance(event, StatusRequest):
                    send(bytes([self.status_byte(event.n)]))
                elif isinstance(event, ReceiptDone):
                    self.take(event.receipt, time.perf_counter())

    def status_byte(self, n: int) -> int:
        """The reply to DLE EOT ``n`` in the current condition."""
        return STATUS[self.condition].get(n, 0x12)

    def take(self, receipt: Receipt, at: float) -> None:
        """A cut arrived: print the receipt if the printer can, else drop it as a real one would."""
        if self.condition not in PRINTS:
            with self._changed:
                self.refused += 1
                self._changed.notify_all()
            log.warning("mock printer is %s: receipt not printed", self.condition.value)
            return
        if self.paper_left is not None:
            if self.paper_left <= 0:  # the roll ends in the middle of this one: half a ticket, no cut
                with self._changed:
                    self.condition = Condition.PAPER_OUT
                    self.torn.append(receipt)
                    self.refused += 1
                    self._changed.notify_all()
                log.warning("mock printer: paper ended in the middle of a receipt")
                return
            self.paper_left -= 1
        with self._changed:
            index = self._next
            self._next += 1
        text_path = png_path = None
        if self.out_dir is not None:
            text_path, png_path = escpos_render.save(
                receipt, self.out_dir / f"receipt-{index:04d}", self.paper_mm
            )
        printed = Printed(index, receipt, at, text_path, png_path)
        with self._changed:
            self.receipts.append(printed)
            self._changed.notify_all()
        first = next((line for line in receipt.lines if line.strip()), "")
        log.info("printed receipt %d: %s%s", index, first, f" → {png_path}" if png_path else "")

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Printed]:
        """Block until ``count`` receipts have printed in all; return them (TimeoutError if not)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.receipts) >= count, timeout):
                raise TimeoutError(f"{len(self.receipts)} of {count} receipts printed")
            return list(self.receipts)

    def wait_refused(self, count: int, timeout: float = 10.0) -> None:
        """Block until ``count`` receipts have been refused (paper out, cover open, offline)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.refused >= count, timeout):
                raise TimeoutError(f"{self.refused} of {count} receipts refused")
