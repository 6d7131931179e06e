"""The resident ID card reader's SAM interface (GA 467): frames, checksum, status words and the
card's text block — pure bytes in, values out (see kiosk/IDCARD.md for the sources).

Terminal → reader::

    AA AA AA 96 69 | LEN (2, big-endian) | CMD | PARA | data… | XOR
                     LEN counts CMD … XOR;  XOR = LEN₁ ^ LEN₂ ^ CMD ^ PARA ^ data…

Reader → terminal::

    AA AA AA 96 69 | LEN (2) | SW1 SW2 SW3 | data… | XOR       (LEN counts SW1 … XOR)

Read text and photo (30 01) answers SW 00 00 90, then the text length (2, = 256), the photo length
(2, = 1024), 256 bytes of UCS-2LE text in fixed fields, 1,024 bytes of licensed-format photo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
MAX_LENGTH = 0x0F00  # longer than any reply (text + photo + fingerprints): a garbled length
TEXT_SIZE, PHOTO_SIZE = 256, 1024
# (name, bytes) of the text block, in order (GA/T 490 machine-readable text file)
TEXT_FIELDS = (
    ("name", 30),
    ("sex", 2),
    ("nation", 4),
    ("birth", 16),
    ("address", 70),
    ("id_number", 36),
    ("authority", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("reserved", 36),
)
SEXES = {"0": "unknown", "1": "male", "2": "female", "9": "unspecified"}  # GB/T 2261.1


class Command(IntEnum):
    """Commands (CMD << 8 | PARA) the kiosk sends."""

    RESET_SAM = 0x10FF
    SAM_STATUS = 0x11FF
    FIND_CARD = 0x2001
    SELECT_CARD = 0x2002
    READ_TEXT_PHOTO = 0x3001


class Status(IntEnum):
    """SW3 values a reader answers with."""

    OK = 0x90
    FOUND = 0x9F
    CHECKSUM_ERROR = 0x10
    LENGTH_ERROR = 0x11
    COMMAND_ERROR = 0x21
    READ_FAILED = 0x41
    NO_CARD = 0x80
    SELECT_FAILED = 0x81
    SAM_FAULT = 0x60


class FrameError(ValueError):
    """Bytes that are not a well-formed frame (bad checksum, impossible length)."""


@dataclass(frozen=True)
class Reply:
    """One reply frame from the reader."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes

    @property
    def ok(self) -> bool:
        """Whether the reader reports success (SW1 SW2 00 00, SW3 90 or 9F)."""
        return self.sw1 == 0 and self.sw2 == 0 and self.sw3 in (Status.OK, Status.FOUND)


@dataclass(frozen=True)
class CardText:
    """What the card's text block says (nothing of it is logged or kept by the kiosk)."""

    name: str
    sex: str
    nation: str
    birth: str
    address: str
    id_number: str
    authority: str
    valid_from: str
    valid_to: str  # YYYYMMDD, or 长期 (no end)

    def expired(self, today: date) -> bool:
        """Whether the card's validity ended before ``today`` (a 长期 card never expires)."""
        if not re.fullmatch(r"\d{8}", self.valid_to):
            return False
        end = date(int(self.valid_to[:4]), int(self.valid_to[4:6]), int(self.valid_to[6:]))
        return end < today

    @property
    def masked_name(self) -> str:
        """The name as the screen may show it: the first character, the rest starred (张*, 欧阳**)."""
        return self.name[:1] + "*" * max(1, len(self.name) - 1) if self.name else ""

    def __repr__(self) -> str:
        return f"CardText(name={self.masked_name!r}, id_number='{self.id_number[:3]}…{self.id_number[-2:]}')"


def checksum(body: bytes) -> int:
    """XOR of every byte after the preamble, before the checksum itself."""
    value = 0
    for byte in body:
        value ^= byte
    return value


def command_frame(command: Command, data: bytes = b"") -> bytes:
    """A complete command frame."""
    body = (len(data) + 3).to_bytes(2, "big") + command.value.to_bytes(2, "big") + data
    return PREAMBLE + body + bytes([checksum(body)])


def reply_frame(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """A complete reply frame (what a reader sends: the emulator uses it)."""
    body = (len(data) + 4).to_bytes(2, "big") + bytes([sw1, sw2, sw3]) + data
    return PREAMBLE + body + bytes([checksum(body)])


class Framer:
    """Finds frames in a byte stream (noise before a preamble is skipped; a bad frame raises once)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return the bodies (LEN … last data byte) of the frames now complete.

        FrameError when a frame's length or checksum is wrong: its bytes are dropped first, so the
        stream can carry on with the next preamble.
        """
        self._buffer += data
        frames: list[bytes] = []
        while True:
            start = self._buffer.find(PREAMBLE)
            if start < 0:
                del self._buffer[: max(0, len(self._buffer) - len(PREAMBLE) + 1)]
                return frames
            del self._buffer[:start]
            if len(self._buffer) < len(PREAMBLE) + 2:
                return frames
            length = int.from_bytes(self._buffer[5:7], "big")
            if not 3 <= length <= MAX_LENGTH:
                del self._buffer[: len(PREAMBLE)]
                raise FrameError(f"impossible frame length {length}")
            end = len(PREAMBLE) + 2 + length
            if len(self._buffer) < end:
                return frames
            body, check = bytes(self._buffer[5 : end - 1]), self._buffer[end - 1]
            del self._buffer[:end]
            if checksum(body) != check:
                raise FrameError("checksum mismatch")
            frames.append(body)

    def pending(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buffer)


def parse_reply(body: bytes) -> Reply:
    """A reply from a frame body (LEN, SW1 SW2 SW3, data)."""
    if len(body) < 5:
        raise FrameError("reply without status words")
    return Reply(body[2], body[3], body[4], body[5:])


def parse_command(body: bytes) -> tuple[int, bytes]:
    """(CMD << 8 | PARA, data) from a command frame body (the emulator's side)."""
    if len(body) < 4:
        raise FrameError("command without CMD and PARA")
    return int.from_bytes(body[2:4], "big"), body[4:]


def encode_text(card: CardText) -> bytes:
    """The 256-byte text block of ``card`` (fields padded with spaces, as cards are)."""
    values = {
        "name": card.name,
        "sex": {v: k for k, v in SEXES.items()}.get(card.sex, card.sex),
        "nation": card.nation,
        "birth": card.birth,
        "address": card.address,
        "id_number": card.id_number,
        "authority": card.authority,
        "valid_from": card.valid_from,
        "valid_to": card.valid_to,
        "reserved": "",
    }
    out = b""
    for name, size in TEXT_FIELDS:
        raw = values[name].encode("utf-16-le")[:size]
        out += raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
    return out


def decode_text(block: bytes) -> CardText:
    """The fields of a 256-byte text block (FrameError when it is not one)."""
    if len(block) != TEXT_SIZE:
        raise FrameError(f"text block of {len(block)} bytes, not {TEXT_SIZE}")
    fields: dict[str, str] = {}
    at = 0
    for name, size in TEXT_FIELDS:
        try:
            fields[name] = block[at : at + size].decode("utf-16-le").strip(" \x00")
        except UnicodeDecodeError as error:
            raise FrameError(f"field {name} is not UCS-2") from error
        at += size
    fields.pop("reserved")
    fields["sex"] = SEXES.get(fields["sex"], fields["sex"])
    return CardText(**fields)


def read_reply_data(text: bytes, photo: bytes = bytes(PHOTO_SIZE)) -> bytes:
    """The data of a successful read reply: text length, photo length, text, photo."""
    return len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text + photo


def card_from_read(reply: Reply) -> CardText:
    """The card's text from a read reply's data (the photo is skipped, never decoded)."""
    data = reply.data
    if len(data) < 4:
        raise FrameError("read reply without lengths")
    text_size = int.from_bytes(data[:2], "big")
    if text_size != TEXT_SIZE or len(data) < 4 + text_size:
        raise FrameError(f"read reply with a {text_size}-byte text block")
    return decode_text(data[4 : 4 + text_size])
