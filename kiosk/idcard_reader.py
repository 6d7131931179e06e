"""The ID card reader on its serial line (or USB-CDC): one question at a time, and a watcher that
looks for a card while the kiosk wants one.

Line errors (no reader, no answer, garbage) are kept apart from what the reader reports (no card,
a card it could not read); the kiosk shows each plainly. Nothing of a card is logged.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kiosk.idcard_codec import (
    CardText,
    Command,
    FrameError,
    Framer,
    Reply,
    Status,
    card_from_read,
    command_frame,
    parse_reply,
)

log = logging.getLogger(__name__)

DEFAULT_BAUD = 115200


class Trouble(StrEnum):
    """Why no card could be read (each has a message for the citizen: kiosk.card.<value>)."""

    MISSING = "missing"  # the port cannot be opened: unplugged, wrong path
    SILENT = "silent"  # no answer in time
    GARBAGE = "garbage"  # bytes that are not frames, or frames that do not check
    READ_FAILED = "read_failed"  # the reader saw a card but could not read it (moved too soon, damaged)
    EXPIRED = "expired"  # the card's validity has ended (found by the kiosk, not the reader)


class ReaderError(Exception):
    """The reader could not give a card's text."""

    def __init__(self, trouble: Trouble, detail: str = "") -> None:
        super().__init__(f"{trouble.value}: {detail}")
        self.trouble = trouble
        self.detail = detail


def serial_target(url: str) -> tuple[str, int]:
    """(device path, baud) from ``serial:///dev/ttyUSB0?baudrate=115200``."""
    parts = urlsplit(url)
    baud = parse_qs(parts.query).get("baudrate", [str(DEFAULT_BAUD)])[-1]
    return parts.path, int(baud)


class CardReader:
    """One reader: ``read()`` gives the card on it, None when there is none."""

    def __init__(self, url: str, timeout: float = 1.0) -> None:
        self.path, self.baud = serial_target(url)
        self.timeout = timeout
        self._port: Any = None
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the port (it is reopened on the next question)."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._port is not None:
            with contextlib.suppress(OSError):
                self._port.close()
            self._port = None

    def read(self) -> CardText | None:
        """Find, select and read the card on the reader (None: no card)."""
        with self._lock:
            found = self._ask(Command.FIND_CARD)
            if found.sw3 == Status.NO_CARD:
                return None
            if not found.ok:
                raise ReaderError(Trouble.READ_FAILED, f"find: SW3 {found.sw3:02X}")
            selected = self._ask(Command.SELECT_CARD)
            if not selected.ok:
                raise ReaderError(Trouble.READ_FAILED, f"select: SW3 {selected.sw3:02X}")
            answer = self._ask(Command.READ_TEXT_PHOTO, wait=self.timeout * 3)
            if not answer.ok:
                raise ReaderError(Trouble.READ_FAILED, f"read: SW3 {answer.sw3:02X}")
            try:
                return card_from_read(answer)
            except FrameError as error:
                raise ReaderError(Trouble.GARBAGE, str(error)) from error

    def _open(self) -> Any:
        if self._port is None:
            import serial

            try:
                self._port = serial.Serial(self.path, self.baud, timeout=0.05)
            except (OSError, serial.SerialException) as error:
                raise ReaderError(Trouble.MISSING, f"{self.path}: {error}") from error
        return self._port

    def _ask(self, command: Command, wait: float | None = None) -> Reply:
        """Send one command, read its one reply (the line is drained first: no stale answers)."""
        port = self._open()
        framer = Framer()
        try:
            port.reset_input_buffer()
            port.write(command_frame(command))
            deadline = time.monotonic() + (wait or self.timeout)
            while time.monotonic() < deadline:
                chunk = port.read(max(1, port.in_waiting))  # what has come, without waiting out the timeout
                if not chunk:
                    continue
                frames = framer.feed(chunk)
                if frames:
                    return parse_reply(frames[0])
        except FrameError as error:
            raise ReaderError(Trouble.GARBAGE, str(error)) from error
        except OSError as error:  # the reader went away (a USB reader pulled out)
            self._close()
            raise ReaderError(Trouble.MISSING, str(error)) from error
        except Exception as error:  # pyserial's SerialException on a vanished device
            if type(error).__name__ != "SerialException":
                raise
            self._close()
            raise ReaderError(Trouble.MISSING, str(error)) from error
        if framer.pending():
            raise ReaderError(Trouble.GARBAGE, f"{framer.pending()} bytes that are not a frame")
        raise ReaderError(Trouble.SILENT, f"no answer to {command.name} in {wait or self.timeout:.1f} s")


class CardWatch:
    """Polls the reader while ``wanted()`` says a screen wants a card; reports each card once.

    ``on_card`` gets a card when it is put on the reader (not again until it is taken off);
    ``on_trouble`` gets a Trouble when reading fails, once per new trouble, and None when it clears.
    Both run on the watcher's thread.
    """

    def __init__(
        self,
        reader: CardReader,
        *,
        wanted: Callable[[], bool],
        on_card: Callable[[CardText], None],
        on_trouble: Callable[[Trouble | None], None],
        interval: float = 0.5,
    ) -> None:
        self.reader = reader
        self.wanted = wanted
        self.on_card = on_card
        self.on_trouble = on_trouble
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._card_on = False
        self._trouble: Trouble | None = None

    def start(self) -> None:
        """Start polling in a thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="card-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling and close the port."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.reader.close()

    @property
    def card_on(self) -> bool:
        """Whether a card already read is still on the reader."""
        return self._card_on

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if self.wanted():
                self.poll()

    def poll(self) -> None:
        """Look for a card once."""
        try:
            card = self.reader.read()
        except ReaderError as error:
            log.info("ID card reader: %s", error.trouble.value)  # never the card's content
            self._report(error.trouble)
            return
        self._report(None)
        if card is None:
            self._card_on = False
        elif not self._card_on:
            self._card_on = True
            self.on_card(card)

    def _report(self, trouble: Trouble | None) -> None:
        if trouble != self._trouble:
            self._trouble = trouble
            self.on_trouble(trouble)
