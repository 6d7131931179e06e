"""An evaluator pad (评价器) on a pseudo-terminal that speaks evaluator_device/PROTOCOL.md.

It paces what it sends at the configured baud rate (10 bits a byte: ~1.04 ms at 9600), keeps every
rating until the host acknowledges it, and can corrupt, drop and delay bytes to test the bridge. On
RS-232 (``line="rs232"``) it sends a rating at once and retransmits with back-off (same SEQ,
refreshed age); on RS-485 (``line="rs485"``) it never speaks unasked and answers the host's poll with
its oldest unacknowledged rating instead of STATUS. Several pads share one pty as a bus (`PadBus`).
Keys are pressed by a script, a test or a person at the terminal.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import select
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, field

from evaluator_device import protocol as p

log = logging.getLogger(__name__)


@dataclass
class Faults:
    """Line trouble to inject: per-byte corruption, per-frame drops and extra delay, both directions."""

    corrupt: float = 0.0
    drop: float = 0.0
    delay_ms: float = 0.0
    seed: int | None = None


@dataclass
class Screen:
    """What the pad shows."""

    mode: str = "blank"  # blank | idle | paused | asking
    window: str = ""
    clerk_name: str = ""
    staff_no: str = ""
    text: str = ""
    asking: p.AskRating | None = None


@dataclass
class _Pending:
    seq: int
    message: p.Rating | p.KeyEvent
    pressed: float
    attempts: int = 0
    next_send: float = 0.0


@dataclass
class PadStats:
    """Counters a test or a benchmark looks at."""

    ratings_pressed: int = 0
    ratings_acked: int = 0
    retransmissions: int = 0
    frames_dropped: int = 0
    bytes_corrupted: int = 0


class EmulatedPad:
    """One pad on the pad side of a pty pair (``open_pty``) or on a given file descriptor."""

    def __init__(
        self,
        address: int = 1,
        baud: int = 9600,
        faults: Faults | None = None,
        serial_no: str = "EMU0001",
        on_screen: Callable[[Screen], None] | None = None,
        line: str = "rs232",
        version: int = p.PROTOCOL_VERSION,
    ) -> None:
        if line not in ("rs232", "rs485"):
            raise ValueError(f"line {line!r}: rs232 or rs485")
        self.address = address
        self.line = line
        self.version = version
        self.byte_time = p.byte_seconds(baud)
        self.faults = faults or Faults()
        self.rng = random.Random(self.faults.seed)
        self.serial_no = serial_no
        self.on_screen = on_screen
        self.screen = Screen()
        self.stats = PadStats()
        self.flags = p.StatusFlag.ONLINE
        self.framer = p.Framer(timeout=p.frame_timeout(baud), byte_time=self.byte_time)
        self.seen = p.DuplicateFilter()
        self.seq = self.rng.randint(1, 255)
        self.pending: list[_Pending] = []
        self.rated: set[int] = set()
        self.commands: list[p.Message] = []  # every command acted on (tests count the questions)
        self.heard: list[tuple[int, int]] = []  # (SEQ, CMD) of every valid frame addressed to this pad
        self.silent = False  # unplugged: hears and says nothing
        self.naks: dict[int, int] = {}  # SEQ → NAK reason the host answered
        self.ask_until = 0.0
        self.lock = threading.RLock()
        self.asked = threading.Condition(self.lock)
        self.fd = -1
        self.slave_fd = -1
        self.write_lock = threading.Lock()  # a bus shares one lock among its pads
        self.port = ""
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ plumbing

    def open_pty(self) -> str:
        """Create a pseudo-terminal pair; returns the host side's path (give it to the bridge)."""
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        self.fd, self.slave_fd = master, slave
        self.port = os.ttyname(slave)
        return self.port

    def start(self, read: bool = True) -> None:
        """Start reading (unless a bus reads for it) and retransmitting."""
        self._stop.clear()
        for target in (self._reader, self._sender) if read else (self._sender,):
            thread = threading.Thread(target=target, name=f"pad-{self.address}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop the threads and close the pty."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads.clear()
        for fd in (self.fd, self.slave_fd):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.fd = self.slave_fd = -1

    def _write(self, data: bytes) -> None:
        """Send bytes paced at the baud rate, with the configured faults."""
        if self.silent:
            return
        if self.faults.drop and self.rng.random() < self.faults.drop:
            self.stats.frames_dropped += 1
            return
        data = self._noise(data)
        if self.faults.delay_ms:
            time.sleep(self.rng.random() * self.faults.delay_ms / 1000)
        # the frame's time on the line first: the host hears it complete when its last byte would land
        with self.write_lock:
            time.sleep(len(data) * self.byte_time)
            with contextlib.suppress(OSError):
                os.write(self.fd, data)

    def _noise(self, data: bytes) -> bytes:
        if not self.faults.corrupt:
            return data
        out = bytearray(data)
        for i in range(len(out)):
            if self.rng.random() < self.faults.corrupt:
                out[i] ^= 1 << self.rng.randrange(8)
                self.stats.bytes_corrupted += 1
        return bytes(out)

    def _reader(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.003)
            now = time.monotonic()
            if not ready:
                self.expire(now)
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                return
            self.receive(data, now)

    def expire(self, now: float) -> None:
        """The line is quiet: a partial frame older than the frame timeout is abandoned."""
        for frame in self.framer.quiet(now):
            self._heard(frame)

    def receive(self, data: bytes, now: float | None = None) -> None:
        """Bytes heard on the line at ``now`` (with the configured faults): act on each frame in them."""
        if self.silent:
            return
        if self.faults.drop and self.rng.random() < self.faults.drop:
            self.stats.frames_dropped += 1
            return
        for frame in self.framer.feed(self._noise(data), time.monotonic() if now is None else now):
            self._heard(frame)

    def _heard(self, frame: p.Frame) -> None:
        if frame.address in (self.address, p.BROADCAST):
            self.heard.append((frame.seq, frame.command))
            # a pty delivers the host's frame at once; on a wire its last byte lands a frame time later
            time.sleep((p.HEADER_SIZE + len(frame.payload) + p.CRC_SIZE) * self.byte_time)
            self._handle(frame)

    # ------------------------------------------------------------------ protocol

    def _reply(self, seq: int, message: p.Message) -> None:
        self._write(p.encode(self.address, seq, message))

    def _handle(self, frame: p.Frame) -> None:
        if frame.address not in (self.address, p.BROADCAST):
            return
        try:
            message = p.decode(frame)
            if isinstance(message, p.PollAck) and self.version < p.PROTOCOL_V2:
                raise p.UnknownCommand("POLL_ACK is a version 2 command")
        except p.UnknownCommand:
            if frame.address == self.address and frame.command < 0x80:
                self._reply(frame.seq, p.Nak(p.NakReason.UNKNOWN_COMMAND))
            return
        except p.ProtocolError:
            # version 2 never answers ASK_RATING, not even a refusal: the question is just not shown
            silent = frame.command == p.Command.ASK_RATING and self.version >= p.PROTOCOL_V2
            if frame.address == self.address and not silent:
                self._reply(frame.seq, p.Nak(p.NakReason.BAD_PAYLOAD))
            return
        if isinstance(message, p.Ack | p.Nak):
            if isinstance(message, p.Nak):
                self.naks[frame.seq] = int(message.reason)
            with self.lock:
                for item in self.pending:
                    if item.seq == frame.seq:
                        if isinstance(message, p.Nak) and message.reason == p.NakReason.BUSY:
                            break  # busy: keep it and send it again later
                        self.pending.remove(item)
                        if isinstance(message, p.Ack) and isinstance(item.message, p.Rating):
                            self.stats.ratings_acked += 1
                        break
            return
        if frame.command >= 0x80:
            return  # another pad's frame heard on the bus
        if frame.seq == 0:
            if frame.address == self.address:
                self._reply(frame.seq, p.Nak(p.NakReason.BAD_PAYLOAD))
            return
        if isinstance(message, p.Identify):
            self.seen.forget(frame.address)  # a new session: the host's SEQs start afresh
        duplicate = self.seen.is_duplicate(frame)
        answer: p.Message = p.Ack()
        if isinstance(message, p.Identify):
            answer = p.Identity(self.version, "HallQ", "EP-5 emulator", "1.0", self.serial_no)
        elif isinstance(message, p.Heartbeat | p.PollAck):
            if isinstance(message, p.PollAck):
                self._acknowledged(message.seq)  # version 2: the poll carries the ACK of our rating
            if frame.address == self.address and self.line == "rs485" and self._answer_poll():
                return
            answer = p.Status(self._flags())
        elif not duplicate:
            self._apply(message)
        if isinstance(message, p.AskRating) and self.version >= p.PROTOCOL_V2:
            return  # version 2: a question is not answered; the next STATUS shows it
        if frame.address == self.address:
            self._reply(frame.seq, answer)

    def _acknowledged(self, seq: int) -> None:
        """Version 2's POLL_ACK: drop the rating or key with that SEQ, if it was sent at least once
        (a stale POLL_ACK after a reboot onto the same SEQ cannot drop a rating never sent)."""
        with self.lock:
            for item in self.pending:
                if item.seq == seq and item.attempts:
                    self.pending.remove(item)
                    if isinstance(item.message, p.Rating):
                        self.stats.ratings_acked += 1
                    return

    def _answer_poll(self) -> bool:
        """RS-485: answer a poll with the oldest rating or key still unacknowledged (its own SEQ)."""
        with self.lock:
            if not self.pending:
                return False
            item = self.pending[0]
            if item.attempts:
                self.stats.retransmissions += 1
            item.attempts += 1
        self._send_pending(item)
        return True

    def _send_pending(self, item: _Pending) -> None:
        message = item.message
        if isinstance(message, p.Rating):
            age = min(int((time.monotonic() - item.pressed) * 1000), p.MAX_AGE_MS)
            low = message.evaluation_id & 0xFFFF
            if self.version >= p.PROTOCOL_V2 and self.line == "rs485" and low and age <= p.SHORT_AGE_MAX_MS:
                # version 2 on RS-485: four bytes shorter (PROTOCOL.md section 11)
                short = p.ShortRating(low, message.level, message.reasons, age)
                self._write(p.encode(self.address, item.seq, short))
                return
            message = p.Rating(message.evaluation_id, message.level, message.reasons, age)
        self._write(p.encode(self.address, item.seq, message))

    def _flags(self) -> p.StatusFlag:
        with self.lock:
            flags = self.flags
            if self.pending:
                flags |= p.StatusFlag.RATING_PENDING
            if self.screen.asking:
                flags |= p.StatusFlag.ASKING
            return flags

    def _apply(self, message: p.Message) -> None:
        with self.lock:
            self.commands.append(message)
            match message:
                case p.ShowIdle(window=w, clerk_name=name, staff_no=no):
                    self.screen.window, self.screen.clerk_name, self.screen.staff_no = w, name, no
                    if not self.screen.asking:
                        self.screen.mode = "idle"
                case p.ShowPaused(window=w, text=text):
                    self.screen.window, self.screen.text = w, text
                    if not self.screen.asking:
                        self.screen.mode = "paused"
                case p.AskRating(evaluation_id=eid):
                    if eid in self.rated:  # a late copy of a question already answered
                        return
                    self.screen.asking = message
                    self.screen.mode = "asking"
                    self.ask_until = time.monotonic() + message.timeout_s
                    self.asked.notify_all()
                case p.Cancel(evaluation_id=eid):
                    if self.screen.asking and eid in (0, self.screen.asking.evaluation_id):
                        self.screen.asking = None
                        self.screen.mode = "idle"
            screen = self.screen
        if self.on_screen:
            self.on_screen(screen)

    def _sender(self) -> None:
        """RS-232: send and retransmit pending ratings and keys until acknowledged (back-off, same SEQ).

        Counted from the end of each copy: 200 ms after the first, then 400, 800, 1600, 3200 ms.
        On RS-485 only the question's timeout is kept here (a pad there speaks only when polled).
        """
        while not self._stop.is_set():
            now = time.monotonic()
            due: list[_Pending] = []
            with self.lock:
                if self.screen.asking and now > self.ask_until:  # the question timed out on screen
                    self.screen.asking = None
                    self.screen.mode = "idle"
                for item in self.pending if self.line == "rs232" else ():
                    if item.next_send <= now:
                        due.append(item)
                        if item.attempts:
                            self.stats.retransmissions += 1
                        item.next_send = now + p.backoff_ms(item.attempts) / 1000
                        item.attempts += 1
            for item in due:
                self._send_pending(item)
                item.next_send = time.monotonic() + p.backoff_ms(item.attempts - 1) / 1000
            time.sleep(0.005 if self.line == "rs232" else 0.2)

    # ------------------------------------------------------------------ the keys

    def wait_asked(self, timeout: float = 10.0) -> p.AskRating | None:
        """Block until the host asks for a rating; the question, or None on timeout."""
        with self.lock:
            self.asked.wait_for(lambda: self.screen.asking is not None, timeout)
            return self.screen.asking

    def press(self, level: int, reasons: tuple[int, ...] = ()) -> int | None:
        """A rater presses a level key (and, for 差评, reason keys then confirm); the evaluation id rated."""
        with self.lock:
            asking = self.screen.asking
            self.seq = p.next_seq(self.seq)
            if asking is None:
                self.pending.append(_Pending(self.seq, p.KeyEvent(level), time.monotonic()))
                return None
            rating = p.Rating(
                asking.evaluation_id,
                p.Level.of_key(level),
                tuple(p.Reason(r) for r in reasons) if level in (4, 5) else (),
            )
            self.pending.append(_Pending(self.seq, rating, time.monotonic()))
            self.stats.ratings_pressed += 1
            self.rated.add(asking.evaluation_id)
            self.screen.asking = None
            self.screen.mode = "idle"
            return asking.evaluation_id

    @property
    def unacknowledged(self) -> int:
        """Ratings and keys still waiting for the host's ACK."""
        with self.lock:
            return len(self.pending)


class PadBus:
    """Several pads on one RS-485 line (one pty): every pad hears every frame and answers its own."""

    def __init__(self, pads: list[EmulatedPad]) -> None:
        self.pads = pads
        self.fd = self.slave_fd = -1
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def open_pty(self) -> str:
        """Create the line; returns the host side's path."""
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        self.fd, self.slave_fd = master, slave
        for pad in self.pads:
            pad.fd, pad.write_lock = master, self.lock
        return os.ttyname(slave)

    def start(self) -> None:
        """Start the pads' senders and the one reader of the line."""
        for pad in self.pads:
            pad.start(read=False)
        self._thread = threading.Thread(target=self._reader, name="pad-bus", daemon=True)
        self._thread.start()

    def _reader(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.003)
            now = time.monotonic()
            if not ready:
                for pad in self.pads:
                    pad.expire(now)
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                return
            for pad in self.pads:
                pad.receive(data, now)

    def stop(self) -> None:
        """Stop the reader and the pads; close the line."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        for pad in self.pads:
            pad.fd = -1
            pad.stop()
        for fd in (self.fd, self.slave_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


@dataclass
class Script:
    """Key presses for ``hallq mock-pad --script``: answer every question with these levels in turn."""

    levels: list[int] = field(default_factory=lambda: [2])
    delay: float = 1.0

    def run(self, pad: EmulatedPad, stop: threading.Event) -> None:
        """Wait for each question and press the next level after ``delay`` seconds."""
        i = 0
        while not stop.is_set():
            if pad.wait_asked(timeout=0.5) is None:
                continue
            time.sleep(self.delay)
            level = self.levels[i % len(self.levels)]
            pad.press(level, (1,) if level >= 4 else ())
            log.info("pad %d pressed %s", pad.address, p.LEVEL_NAMES[p.Level.of_key(level)])
            i += 1
