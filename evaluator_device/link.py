"""The host's end of one serial line: the only place that retries, matches replies by SEQ and ACKs pads.

A reader thread feeds the framer; replies wake the request waiting on that (address, SEQ); pad
frames (RATING, KEY, unsolicited STATUS) go to a handler which must make them durable before the
ACK is sent. The port is reopened by itself when it goes away (a USB adapter pulled out).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import serial

from evaluator_device import protocol as p

log = logging.getLogger(__name__)

REPLY_TIMEOUT = 0.2  # per attempt, beyond the frames' own time on the line
RETRIES = 3


@dataclass
class _Waiter:
    event: threading.Event = field(default_factory=threading.Event)
    reply: p.Message | None = None


PadHandler = Callable[[int, p.Message, float], p.Message | None]


class HostLink:
    """One serial port shared by the pads on it (one on RS-232, several on an RS-485 bus)."""

    def __init__(self, port: str, baud: int = 9600, on_pad: PadHandler | None = None) -> None:
        self.port_name = port
        self.baud = baud
        self.byte_time = 10.0 / baud
        self.on_pad = on_pad
        self.on_port: Callable[[bool], None] | None = None
        self.framer = p.Framer()
        self.seen = p.DuplicateFilter()
        self.seq: dict[int, int] = {}
        self.waiters: dict[tuple[int, int], _Waiter] = {}
        self.lock = threading.Lock()
        self.write_lock = threading.Lock()
        self.bus = threading.Lock()  # one host request on the line at a time (half-duplex RS-485)
        self.port: Any = None
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Open the port (retrying until it exists) and start reading."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"link-{self.port_name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop reading and close the port."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        self._close()

    def _open(self) -> bool:
        try:
            self.port = serial.Serial(self.port_name, self.baud, timeout=0.02, write_timeout=2)
        except (serial.SerialException, OSError) as error:
            log.debug("cannot open %s: %s", self.port_name, error)
            return False
        self.framer = p.Framer()
        self.connected.set()
        log.info("serial port %s open at %d baud", self.port_name, self.baud)
        if self.on_port:
            self.on_port(True)
        return True

    def _close(self) -> None:
        was = self.connected.is_set()
        self.connected.clear()
        if self.port is not None:
            try:
                self.port.close()
            except (serial.SerialException, OSError):
                log.debug("closing %s failed", self.port_name)
            self.port = None
        if was and self.on_port:
            self.on_port(False)

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stop.is_set():
            if self.port is None and not self._open():
                self._stop.wait(1.0)
                continue
            try:
                data = self.port.read(256)
            except (serial.SerialException, OSError, TypeError, AttributeError) as error:
                log.warning("serial port %s lost: %s; reopening", self.port_name, error)
                self._close()
                continue
            now = time.monotonic()
            frames: list[p.Frame] = []
            if data:
                last = now
                frames = self.framer.feed(data)
            elif self.framer.buffer and now - last > 20 * self.byte_time:
                frames = self.framer.silence()
            for frame in frames:
                self._dispatch(frame, now)

    def _write(self, data: bytes) -> bool:
        with self.write_lock:
            port = self.port
            if port is None:
                return False
            try:
                port.write(data)
            except (serial.SerialException, OSError) as error:
                log.warning("write to %s failed: %s", self.port_name, error)
                return False
        return True

    def _dispatch(self, frame: p.Frame, arrived: float) -> None:
        try:
            message = p.decode(frame)
        except p.ProtocolError as error:
            log.info("pad %d sent an invalid frame: %s", frame.address, error)
            if frame.command >= 0x80:
                self._write(p.encode(frame.address, frame.seq, p.Nak(p.NakReason.BAD_PAYLOAD)))
            return
        if frame.command < 0x80 or isinstance(message, p.Identity):
            waiter = self.waiters.get((frame.address, frame.seq))
            if waiter is not None:
                waiter.reply = message
                waiter.event.set()
            return
        if isinstance(message, p.Status) and (frame.address, frame.seq) in self.waiters:
            waiter = self.waiters[(frame.address, frame.seq)]
            waiter.reply = message
            waiter.event.set()
            return
        # a pad's own frame: act once (make it durable first), then ACK every copy; ratings are
        # idempotent by evaluation id downstream, so a pad rebooted onto an old SEQ loses none
        answer: p.Message | None = p.Ack()
        if isinstance(message, p.Rating) or not self.seen.is_duplicate(frame):
            try:
                answer = self.on_pad(frame.address, message, arrived) if self.on_pad else p.Ack()
            except Exception:
                log.exception("handling %r from pad %d failed; not acknowledged", message, frame.address)
                self.seen.last.pop(frame.address, None)  # let the retransmission try again
                return
        if answer is not None:
            self._write(p.encode(frame.address, frame.seq, answer))

    def request(self, address: int, message: p.Message, retries: int = RETRIES) -> p.Message | None:
        """Send a host command and wait for its answer (retrying with the same SEQ); None if none came.

        Requests never interleave on the line, so a retransmission is always the frame the pad saw last
        and its duplicate filter recognises it.
        """
        with self.bus:
            return self._request(address, message, retries)

    def _request(self, address: int, message: p.Message, retries: int) -> p.Message | None:
        with self.lock:
            seq = self.seq[address] = p.next_seq(self.seq.get(address, 0))
        data = p.encode(address, seq, message)
        waiter = _Waiter()
        self.waiters[(address, seq)] = waiter
        try:
            for _attempt in range(retries + 1):
                if not self.connected.is_set():
                    return None
                self._write(data)
                if waiter.event.wait(REPLY_TIMEOUT + len(data) * self.byte_time + 30 * self.byte_time):
                    return waiter.reply
            return None
        finally:
            self.waiters.pop((address, seq), None)
