"""An emulated resident ID card reader (SAM interface, GA 467) on a pseudo-terminal.

It answers the kiosk's frames as a reader does — find card (20 01), select (20 02), read text and
photo (30 01), SAM status (11 FF), reset (10 FF) — for whatever card is on it, and can misbehave:
answer garbage, stay silent, fail to read a card. Cards are put on and taken off by the test, by
``hallq mock-idcard``'s prompt, or by a script (``put …``, ``remove``, ``wait 2``, ``fault garbage``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
import tty
from dataclasses import dataclass, replace
from enum import StrEnum

from kiosk.idcard_codec import (
    CardText,
    Command,
    FrameError,
    Framer,
    Status,
    encode_text,
    parse_command,
    read_reply_data,
    reply_frame,
)

log = logging.getLogger(__name__)

GARBAGE = bytes(range(0x30, 0x70))  # what a reader on the wrong baud rate looks like


class Fault(StrEnum):
    """How the emulated reader misbehaves."""

    NONE = "none"
    GARBAGE = "garbage"  # answers noise instead of frames
    SILENT = "silent"  # answers nothing
    READ_FAILS = "read_fails"  # finds the card but cannot read it (SW3 41)


def sample_card(**changes: str) -> CardText:
    """A made-up card (the ID number has a valid check digit)."""
    card = CardText(
        name="张三丰",
        sex="male",
        nation="01",
        birth="19491231",
        address="明川市滨江区人民路1号",
        id_number="11010519491231002X",
        authority="明川市公安局滨江分局",
        valid_from="20200101",
        valid_to="长期",
    )
    return replace(card, **changes)


@dataclass
class Counters:
    """What the emulator has answered (tests read it)."""

    commands: int = 0
    reads: int = 0
    bad_frames: int = 0


class EmulatedReader:
    """The reader on the device side of a pty pair (``open_pty``)."""

    def __init__(self) -> None:
        self.card: CardText | None = None
        self.fault = Fault.NONE
        self.counters = Counters()
        self.port = ""
        self.fd = self.slave_fd = -1
        self._framer = Framer()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def open_pty(self) -> str:
        """Create the pty pair; returns the path the kiosk opens."""
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        self.fd, self.slave_fd = master, slave
        self.port = os.ttyname(slave)
        return self.port

    def start(self) -> EmulatedReader:
        """Answer frames in a background thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="mock-idcard", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and close the pty."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for fd in (self.fd, self.slave_fd):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.fd = self.slave_fd = -1

    # ------------------------------------------------------------ the card and the faults

    def put(self, card: CardText) -> None:
        """Put a card on the reader."""
        with self._lock:
            self.card = card

    def remove(self) -> None:
        """Take the card off."""
        with self._lock:
            self.card = None

    def set_fault(self, fault: Fault) -> None:
        """Start (or with Fault.NONE, stop) misbehaving."""
        with self._lock:
            self.fault = fault

    def command(self, line: str) -> str:
        """One prompt or script line: put [ID [valid_to [name]]] | remove | fault KIND | expired."""
        words = line.split()
        if not words:
            return ""
        verb, args = words[0], words[1:]
        if verb == "put":
            changes = dict(zip(("id_number", "valid_to", "name"), args, strict=False))
            self.put(sample_card(**changes))
            return "card on the reader"
        if verb == "expired":
            self.put(sample_card(valid_from="20100101", valid_to="20200101"))
            return "expired card on the reader"
        if verb == "remove":
            self.remove()
            return "no card"
        if verb == "fault" and args:
            self.set_fault(Fault(args[0]))
            return f"fault: {args[0]}"
        kinds = "|".join(f.value for f in Fault)
        raise ValueError(f"unknown command {line!r} (put, expired, remove, fault {kinds})")

    # ------------------------------------------------------------ the line

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                return
            self.receive(data)

    def receive(self, data: bytes) -> None:
        """Bytes from the kiosk: answer every complete command frame."""
        while True:
            try:
                frames = self._framer.feed(data)
            except FrameError:
                self.counters.bad_frames += 1
                self._send(reply_frame(Status.CHECKSUM_ERROR))
                data = b""
                continue
            for body in frames:
                self._answer(body)
            return

    def _answer(self, body: bytes) -> None:
        with self._lock:
            card, fault = self.card, self.fault
        self.counters.commands += 1
        if fault == Fault.SILENT:
            return
        if fault == Fault.GARBAGE:
            self._send(GARBAGE)
            return
        try:
            command, _data = parse_command(body)
        except FrameError:
            self._send(reply_frame(Status.LENGTH_ERROR))
            return
        self._send(self._reply(command, card, fault))

    def _reply(self, command: int, card: CardText | None, fault: Fault) -> bytes:
        if command in (Command.RESET_SAM, Command.SAM_STATUS):
            return reply_frame(Status.OK)
        if command == Command.FIND_CARD:
            return reply_frame(Status.FOUND, bytes(4)) if card else reply_frame(Status.NO_CARD)
        if command == Command.SELECT_CARD:
            return reply_frame(Status.OK, bytes(8)) if card else reply_frame(Status.SELECT_FAILED)
        if command == Command.READ_TEXT_PHOTO:
            if card is None or fault == Fault.READ_FAILS:
                return reply_frame(Status.READ_FAILED)
            self.counters.reads += 1
            return reply_frame(Status.OK, read_reply_data(encode_text(card)))
        return reply_frame(Status.COMMAND_ERROR)

    def _send(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.write(self.fd, data)
