"""The host's end of one serial line: frames out, frames in, one exchange at a time, pads ACKed.

A reader thread feeds the framer (frame timeout enforced); the answer to the exchange in flight
wakes `transact`; a pad's own frames (RATING, KEY, unsolicited STATUS) go to a handler which must
make them durable before the ACK is sent. Which pad is addressed when is the bus master's business
(`evaluator_device.master`); this module only keeps the wire rules of PROTOCOL.md sections 5 and 8.
The port is reopened by itself when it goes away (a USB adapter pulled out).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import serial

from evaluator_device import protocol as p

log = logging.getLogger(__name__)

# The document gives a pad 50 ms to start its answer; the host waits 25 ms more before it counts an
# exchange unanswered (a compliant pad's answer is then under way and is given the time to finish).
# Every unanswered exchange costs this much bus time, so it is not made longer.
REPLY_WAIT = p.REPLY_TIMEOUT_S + 0.025
READ_TIMEOUT = 0.002
TURNAROUND_BYTES = p.TURNAROUND_BYTES[p.PROTOCOL_VERSION]  # silence after a reply before the host transmits
POLLS = (p.Command.HEARTBEAT, p.Command.POLL_ACK)
# How long an exchange waits past its reply wait while the reader is behind (handling a frame or
# bytes unread): a disk stalled this long is a fault of its own, not a reason to call pads silent.
BEHIND_WAIT = 10.0


@dataclass
class _Exchange:
    """The one host frame waiting for its answer."""

    address: int
    seq: int
    command: int
    event: threading.Event = field(default_factory=threading.Event)
    reply: p.Message | None = None
    heard: bool = False  # any valid frame from the addressed pad (it is alive)
    rx_at: float = 0.0  # when bytes last came in during this exchange (0: none yet)


PadHandler = Callable[[int, p.Message, float], p.Message | None]


class HostLink:
    """One serial port shared by the pads on it (one on RS-232, up to 32 on an RS-485 bus)."""

    def __init__(self, port: str, baud: int = 9600, on_pad: PadHandler | None = None) -> None:
        self.port_name = port
        self.baud = baud
        self.byte_time = p.byte_seconds(baud)
        self.on_pad = on_pad
        self.on_port: Callable[[bool, str], None] | None = None
        self.framer = self._new_framer()
        self.seen = p.DuplicateFilter()
        self.seq: dict[int, int] = {}
        self.recent: dict[int, deque[int]] = {}  # host SEQs lately sent per pad: late answers to them
        self.exchange: _Exchange | None = None
        self.versions: dict[int, int] = {}  # protocol version of each identified pad (1 until then)
        # version 2: the SEQ of a pad's RATING/KEY taken in answer to a poll, acknowledged by the
        # pad's next poll (POLL_ACK) instead of an ACK of its own (PROTOCOL.md section 11)
        self.owed: dict[int, int] = {}
        self.last_from = 0  # the pad heard last: its version sets the turn-around
        self.tx_end = 0.0  # when the last byte of the host's last frame leaves the line
        self.lock = threading.Lock()
        self.write_lock = threading.Lock()
        self.port: Any = None
        self.open_error = ""
        self.last_rx = 0.0
        self.handling = False  # the reader is taking bytes in or handling the frames in them
        self.sent: Counter[int] = Counter()  # frames written, by command byte (benchmarks count them)
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _new_framer(self) -> p.Framer:
        return p.Framer(timeout=p.frame_timeout(self.baud), byte_time=self.byte_time)

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
            # a short read timeout: the frame timeout is checked often enough to catch every gap
            self.port = serial.Serial(self.port_name, self.baud, timeout=READ_TIMEOUT, write_timeout=2)
        except (serial.SerialException, OSError) as error:
            message = str(error)
            if message != self.open_error:  # once per distinct error, not every second
                log.warning("cannot open serial port %s: %s", self.port_name, error)
                self.open_error = message
                if self.on_port:
                    reason = getattr(error, "strerror", None) or message
                    self.on_port(False, f"cannot open {self.port_name}: {reason}")
            return False
        self.open_error = ""
        self.framer = self._new_framer()
        self.connected.set()
        log.info("serial port %s open at %d baud", self.port_name, self.baud)
        if self.on_port:
            self.on_port(True, "")
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
            self.on_port(False, "serial port gone")

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.port is None and not self._open():
                self._stop.wait(1.0)
                continue
            try:
                data = self.port.read(1)  # blocks a few byte times at most
                if data:
                    waiting = self.port.in_waiting
                    if waiting:
                        data += self.port.read(waiting)
            except (serial.SerialException, OSError, TypeError, AttributeError) as error:
                log.warning("serial port %s lost: %s; reopening", self.port_name, error)
                self._close()
                continue
            now = time.monotonic()
            self.handling = True  # until its frames are handled (a rating made durable, then ACKed)
            if data:
                self.last_rx = now
                exchange = self.exchange
                if exchange is not None:
                    exchange.rx_at = now
                frames = self.framer.feed(data, now)
            else:
                frames = self.framer.quiet(now)
            for frame in frames:
                self._dispatch(frame, now)
            self.handling = False

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

    def _answer(self, frame: p.Frame, message: p.Message) -> None:
        self._write(p.encode(frame.address, frame.seq, message))

    def _dispatch(self, frame: p.Frame, arrived: float) -> None:
        exchange = self.exchange
        self.last_from = frame.address
        mine = exchange is not None and exchange.address == frame.address
        if mine and exchange is not None:
            exchange.heard = True
        try:
            message = p.decode(frame)
        except p.UnknownCommand as error:
            log.info("pad %d sent an unknown command: %s", frame.address, error)
            if frame.command not in (p.Command.ACK, p.Command.NAK):
                self._answer(frame, p.Nak(p.NakReason.UNKNOWN_COMMAND))
            return
        except p.ProtocolError as error:
            log.info("pad %d sent an invalid frame: %s", frame.address, error)
            if frame.command >= 0x80:
                self._answer(frame, p.Nak(p.NakReason.BAD_PAYLOAD))
            return
        if isinstance(message, p.Ack | p.Nak | p.Identity) or frame.command < 0x80:
            if mine and exchange is not None and frame.seq == exchange.seq:
                self._wake(exchange, message)
            return
        if isinstance(message, p.Status):
            if mine and exchange is not None and frame.seq == exchange.seq:
                self._wake(exchange, message)  # the answer to a HEARTBEAT: not acknowledged
                return
            if frame.seq in self.recent.get(frame.address, ()):
                return  # a late answer to an earlier poll: stale, neither news nor to be ACKed
        if frame.seq == 0:
            self._answer(frame, p.Nak(p.NakReason.BAD_PAYLOAD))  # version 1 never sends SEQ 0
            return
        # a pad's own frame: act once (make it durable first), then ACK every copy; ratings are
        # idempotent by evaluation id downstream, so a pad rebooted onto an old SEQ loses none
        answer: p.Message | None = p.Ack()
        if isinstance(message, p.Rating | p.ShortRating) or not self.seen.is_duplicate(frame):
            try:
                answer = self.on_pad(frame.address, message, arrived) if self.on_pad else p.Ack()
            except Exception:
                log.exception("handling %r from pad %d failed; not acknowledged", message, frame.address)
                self.seen.forget(frame.address)  # let the retransmission try again
                return
        polled = mine and exchange is not None and exchange.command in POLLS
        if polled and isinstance(answer, p.Ack) and self.versions.get(frame.address, 1) >= p.PROTOCOL_V2:
            self.owed[frame.address] = frame.seq  # version 2: the pad's next poll acknowledges it
        elif answer is not None:
            self._answer(frame, answer)
        if polled and exchange is not None:
            self._wake(exchange, message)  # a RATING or KEY answering a poll is the poll's answer

    def _unread(self) -> int:
        """Bytes the driver holds that the reader has not taken yet (a late reader is not silence)."""
        port = self.port
        try:
            return int(port.in_waiting) if port is not None else 0
        except (serial.SerialException, OSError, TypeError, AttributeError):
            return 0

    @staticmethod
    def _wake(exchange: _Exchange, message: p.Message) -> None:
        exchange.reply = message
        exchange.event.set()

    def new_seq(self, address: int) -> int:
        """The host's next SEQ for this pad (1..255)."""
        with self.lock:
            seq = self.seq[address] = p.next_seq(self.seq.get(address, 0))
            return seq

    def poll(self, address: int) -> p.Message:
        """The poll for a pad: HEARTBEAT, or (version 2) POLL_ACK carrying the acknowledgement it is owed."""
        owed = self.owed.get(address)
        return p.PollAck(owed) if owed else p.Heartbeat()

    def _turnaround(self) -> None:
        """Let the bus go quiet before driving it: our own last frame has left the wire, and the last
        pad heard had the turn-around its version asks for to release its driver (RS-485)."""
        turn = p.TURNAROUND_BYTES.get(self.versions.get(self.last_from, 1), TURNAROUND_BYTES)
        quiet = max(self.last_rx + turn * self.byte_time, self.tx_end) - time.monotonic()
        if quiet > 0:
            time.sleep(quiet)

    def _remember(self, address: int, seq: int) -> None:
        recent = self.recent.setdefault(address, deque(maxlen=4))
        if seq not in recent:
            recent.append(seq)

    def send(self, address: int, seq: int, message: p.Message) -> bool:
        """Send a frame that is not answered (version 2's ASK_RATING); whether it went out.

        The line stays the host's: the next frame follows as soon as this one's last byte has left.
        """
        if not self.connected.is_set():
            return False
        data = p.encode(address, seq, message)
        self._remember(address, seq)
        self._turnaround()
        if not self._write(data):
            return False
        self.sent[int(p.command_of(message))] += 1
        self.tx_end = time.monotonic() + len(data) * self.byte_time
        return True

    def transact(self, address: int, seq: int, message: p.Message) -> tuple[p.Message | None, bool]:
        """Send one frame and wait for its answer: (the answer or None, whether the pad was heard at all).

        One attempt only: the caller (the bus master) decides when to retransmit with the same SEQ.
        """
        if not self.connected.is_set():
            return None, False
        data = p.encode(address, seq, message)
        exchange = _Exchange(address, seq, int(p.command_of(message)))
        self._remember(address, seq)
        if isinstance(message, p.Identify):
            self.seen.forget(address)  # a new session: the pad's SEQs start afresh
            self.owed.pop(address, None)  # and a rating it still holds is answered afresh
        self._turnaround()
        self.exchange = exchange
        try:
            if not self._write(data):
                return None, False
            self.sent[exchange.command] += 1
            written = time.monotonic()
            sent = self.tx_end = written + len(data) * self.byte_time  # the last byte leaves the wire
            deadline = sent + REPLY_WAIT
            silence = p.frame_timeout(self.baud)
            # the longest answer starting at the end of the reply wait: a babbling line cannot hold us
            latest = deadline + (p.HEADER_SIZE + p.MAX_PAYLOAD + p.CRC_SIZE) * self.byte_time + silence
            while not exchange.event.is_set():
                now = time.monotonic()
                rx_at = exchange.rx_at if exchange.rx_at >= written else 0.0  # not the last one's
                if rx_at:
                    if now - rx_at > silence and not self.handling and not self._unread():
                        # bytes came but no valid frame, then the frame timeout's silence: the pad
                        # has had its say (one answer, no gap inside a frame), so the reply wait's
                        # rest would be dead bus time (PROTOCOL.md section 5). A valid frame still
                        # being handled (a rating made durable before its ACK) is waited for.
                        break
                    # an answer under way (bytes still arriving) gets the time to finish
                    deadline = min(max(deadline, rx_at + silence + 0.01), latest)
                if now >= deadline:
                    if (self.handling or self._unread()) and now - written < BEHIND_WAIT:
                        # the reader is behind: a frame is being handled (a rating made durable on a
                        # slow disk) or bytes wait unread in the driver. The answer may be among them,
                        # and counting the pads silent meanwhile would report them all offline.
                        exchange.event.wait(0.002)
                        continue
                    break
                until = deadline if not rx_at else min(deadline, rx_at + silence + 0.001)
                exchange.event.wait(max(0.0005, min(until - now, 0.01)))
            answered = isinstance(exchange.reply, p.Status)
            if isinstance(message, p.PollAck) and answered and self.owed.get(address) == message.seq:
                del self.owed[address]  # it answered the poll that carried the ACK: the rating is dropped
            return exchange.reply, exchange.heard or exchange.reply is not None
        finally:
            self.exchange = None
