"""HallQ evaluator-pad protocol v1: frames, CRC-16/MODBUS, messages and a resynchronising framer (pure).

One frame on the wire (PROTOCOL.md is the full specification)::

    +------+------+------+-----+-----+-----+-----------------+--------+--------+
    | 0xA5 | 0x5A | ADDR | SEQ | CMD | LEN | PAYLOAD (LEN B) | CRC lo | CRC hi |
    +------+------+------+-----+-----+-----+-----------------+--------+--------+
      start of frame   1 B   1 B   1 B   1 B   0..200 bytes     CRC-16/MODBUS over
                                                                ADDR..PAYLOAD, low byte first

    ADDR  pad address 1..247 (the pad's own address in both directions; 0 = broadcast, host only)
    SEQ   1..255 per sender and pad, wraps 255 → 1; a reply/ACK repeats the SEQ it answers
    CMD   0x01..0x3F host → pad, 0x80..0xBF pad → host, 0x06 ACK / 0x15 NAK either way
    Integers are big-endian; text is one length byte + UTF-8 (at most 60 bytes).

No I/O here: `Framer.feed` takes bytes and returns checked frames, `decode` turns a frame into a
message or raises `ProtocolError`, `encode` does the reverse.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag
from typing import Final

from queue_server.domain.rating import BAD_LEVELS, KEY_LEVELS, EvaluationLevel
from queue_server.domain.rating import LEVEL_NAMES as LEVEL_NAMES

# The pad rates on the domain's one scale; its level byte is `EvaluationLevel.key` (PROTOCOL.md).
Level = EvaluationLevel

PROTOCOL_VERSION: Final = 1
# Version 2 (PROTOCOL.md section 11) keeps the frame and adds POLL_ACK: on an RS-485 bus a pad's
# RATING/KEY answering a poll is acknowledged by the host's next poll of that pad instead of an
# ACK of its own, and ASK_RATING is not answered. The host drives each pad at the version it reports.
PROTOCOL_V2: Final = 2
SUPPORTED_VERSIONS: Final = (PROTOCOL_VERSION, PROTOCOL_V2)
SOF: Final = b"\xa5\x5a"
HEADER_SIZE: Final = 6  # SOF(2) ADDR SEQ CMD LEN
CRC_SIZE: Final = 2
MAX_PAYLOAD: Final = 200
MAX_TEXT: Final = 60
MAX_REASONS: Final = 8
BROADCAST: Final = 0
MAX_ADDRESS: Final = 247
BAUD_RATES: Final = (9600, 19200, 38400, 57600, 115200)
# A rating's `age`: 0xFFFFFFFF means "unknown" (the pad lost power and could not keep counting);
# any other value above MAX_AGE_MS is refused (NAK 2) so a wild counter can never date a press.
AGE_UNKNOWN: Final = 0xFFFFFFFF
MAX_AGE_MS: Final = 24 * 3600 * 1000
# Version 2's SHORT_RATING carries the age in 16 bits; an older (or unknown) age goes as a RATING.
SHORT_AGE_MAX_MS: Final = 0xFFFE
REPLY_TIMEOUT_S: Final = 0.050  # a receiver starts its answer within this after the frame's last byte
MIN_FRAME_TIMEOUT_S: Final = 0.020  # USB adapters deliver in chunks: never below 20 ms
# Silence on an RS-485 bus after a pad's last byte before the host drives the line again: version 1
# gives a pad 3.5 byte times to release its driver, version 2 promises to release it within one.
TURNAROUND_BYTES: Final[dict[int, float]] = {PROTOCOL_VERSION: 3.5, PROTOCOL_V2: 2.0}


def byte_seconds(baud: int) -> float:
    """One 8N1 byte on the line (10 bits)."""
    return 10.0 / baud


def frame_timeout(baud: int) -> float:
    """Silence inside a frame after which the partial frame is abandoned: 20 byte times, at least 20 ms."""
    return max(20 * byte_seconds(baud), MIN_FRAME_TIMEOUT_S)


class ProtocolError(ValueError):
    """A frame or payload that breaks the protocol (the receiver answers NAK or drops it)."""


class UnknownCommand(ProtocolError):
    """A command byte this version does not know (answered NAK 1, not NAK 2)."""


class Command(IntEnum):
    """Command bytes: host → pad below 0x40, pad → host from 0x80."""

    ACK = 0x06
    NAK = 0x15
    IDENTIFY = 0x01
    SHOW_IDLE = 0x02
    SHOW_PAUSED = 0x03
    ASK_RATING = 0x04
    CANCEL = 0x05
    HEARTBEAT = 0x07
    POLL_ACK = 0x08  # version 2 only
    IDENTITY = 0x81
    RATING = 0x82
    KEY = 0x83
    STATUS = 0x84
    SHORT_RATING = 0x86  # version 2 only


class NakReason(IntEnum):
    """Why a frame with a good CRC was refused."""

    UNKNOWN_COMMAND = 1
    BAD_PAYLOAD = 2
    BUSY = 3
    NOT_ASKED = 4


class StatusFlag(IntFlag):
    """Pad status bits."""

    ONLINE = 0x01
    TAMPER = 0x02
    LOW_POWER = 0x04
    RATING_PENDING = 0x08
    ASKING = 0x10


class Reason(IntEnum):
    """Reason keys a rater may pick after 不满意/非常不满意 (printed on the pad's second screen)."""

    ATTITUDE = 1
    SLOW = 2
    NOT_TOLD_AT_ONCE = 3
    UNCLEAR_RULES = 4
    LONG_WAIT = 5
    RESULT = 6
    ENVIRONMENT = 7
    OTHER = 8


REASON_KEYS: Final[dict[Reason, str]] = {
    Reason.ATTITUDE: "attitude",
    Reason.SLOW: "slow",
    Reason.NOT_TOLD_AT_ONCE: "not_told_at_once",
    Reason.UNCLEAR_RULES: "unclear_rules",
    Reason.LONG_WAIT: "long_wait",
    Reason.RESULT: "result",
    Reason.ENVIRONMENT: "environment",
    Reason.OTHER: "other",
}


# The longest payload each known command can have (text fields at their 60-byte maximum). A header
# announcing more is a corrupted one: rejected at once, so one damaged LEN byte does not make the
# receiver swallow the next frames on a busy bus while it waits for bytes that never belonged to it.
MAX_LEN: Final[dict[int, int]] = {
    Command.ACK: 0,
    Command.NAK: 1,
    Command.IDENTIFY: 0,
    Command.HEARTBEAT: 0,
    Command.POLL_ACK: 1,
    Command.SHOW_IDLE: 3 * (1 + MAX_TEXT) + 4,
    Command.SHOW_PAUSED: 2 * (1 + MAX_TEXT),
    Command.ASK_RATING: 4 + 1 + MAX_TEXT + 2,
    Command.CANCEL: 4,
    Command.IDENTITY: MAX_PAYLOAD,
    Command.RATING: 4 + 1 + 1 + MAX_REASONS + 4,
    Command.KEY: 1,
    Command.STATUS: 1,
    Command.SHORT_RATING: 2 + 1 + 1 + MAX_REASONS + 2,
}


def crc16_modbus(data: bytes) -> int:
    """CRC-16/MODBUS: poly 0x8005 reflected (0xA001), init 0xFFFF, no final xor."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


@dataclass(frozen=True, slots=True)
class Frame:
    """One checked frame: address, sequence, command byte and raw payload."""

    address: int
    seq: int
    command: int
    payload: bytes = b""

    def to_bytes(self) -> bytes:
        """The frame's bytes on the wire, CRC included."""
        if not 0 <= self.address <= MAX_ADDRESS:
            raise ProtocolError(f"address {self.address} out of range")
        if not 0 <= self.seq <= 255 or not 0 <= self.command <= 255:
            raise ProtocolError("seq and command are single bytes")
        if len(self.payload) > MAX_PAYLOAD:
            raise ProtocolError(f"payload of {len(self.payload)} bytes exceeds {MAX_PAYLOAD}")
        body = bytes((self.address, self.seq, self.command, len(self.payload))) + self.payload
        return SOF + body + struct.pack("<H", crc16_modbus(body))


@dataclass(slots=True)
class FramerStats:
    """Line-error counters kept by a framer."""

    frames: int = 0
    crc_errors: int = 0
    skipped_bytes: int = 0
    timeouts: int = 0


@dataclass(slots=True)
class Framer:
    """Bytes in, checked frames out; resynchronises on the next start-of-frame after garbage or a bad CRC."""

    buffer: bytearray = field(default_factory=bytearray)
    stats: FramerStats = field(default_factory=FramerStats)
    timeout: float = 0.0  # frame timeout in seconds (0: the caller handles silence itself)
    byte_time: float = 0.0
    last: float = 0.0  # when the last byte was received

    def feed(self, data: bytes, now: float | None = None) -> list[Frame]:
        """Append received bytes (read at ``now``) and return every complete frame whose CRC checks.

        With a ``timeout`` and ``now``, a partial frame followed by more silence than the timeout is
        abandoned before the new bytes join it. The silence is measured as the time since the last
        read less the new bytes' own time on the line, so a reader that was late (bytes piled up in
        the driver) never mistakes a continuous frame for a broken one.
        """
        frames: list[Frame] = []
        if now is not None and self.timeout:
            if self.buffer and now - self.last - len(data) * self.byte_time > self.timeout:
                frames += self.expire()
            self.last = now
        self.buffer.extend(data)
        return frames + self._scan()

    def quiet(self, now: float) -> list[Frame]:
        """No bytes came: abandon a partial frame once the line has been silent past the timeout."""
        if self.buffer and self.timeout and now - self.last > self.timeout:
            return self.expire()
        return []

    def expire(self) -> list[Frame]:
        """The frame timeout ran out inside a frame: count it and rescan what followed its start."""
        self.stats.timeouts += 1
        return self.silence()

    def _scan(self) -> list[Frame]:
        frames: list[Frame] = []
        while True:
            start = self.buffer.find(SOF)
            if start < 0:
                keep = 1 if self.buffer[-1:] == SOF[:1] else 0
                self.stats.skipped_bytes += len(self.buffer) - keep
                del self.buffer[: len(self.buffer) - keep]
                return frames
            if start:
                self.stats.skipped_bytes += start
                del self.buffer[:start]
            if len(self.buffer) < HEADER_SIZE:
                return frames
            length = self.buffer[5]
            address = self.buffer[2]
            if length > MAX_LEN.get(self.buffer[4], MAX_PAYLOAD) or address > MAX_ADDRESS:
                self._skip_start()
                continue
            total = HEADER_SIZE + length + CRC_SIZE
            if len(self.buffer) < total:
                return frames
            body = bytes(self.buffer[2 : HEADER_SIZE + length])
            (crc,) = struct.unpack_from("<H", self.buffer, HEADER_SIZE + length)
            if crc != crc16_modbus(body):
                self.stats.crc_errors += 1
                self._skip_start()
                continue
            del self.buffer[:total]
            self.stats.frames += 1
            frames.append(Frame(body[0], body[1], body[2], body[4:]))

    def silence(self) -> list[Frame]:
        """The line went quiet mid-frame (frame timeout): give up that start and rescan what followed it."""
        frames: list[Frame] = []
        while self.buffer:
            self._skip_start()
            frames += self._scan()
        return frames

    def _skip_start(self) -> None:
        """Discard one byte so the search restarts inside what looked like a frame."""
        self.stats.skipped_bytes += 1
        del self.buffer[:1]


# --- messages ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ack:
    """Positive acknowledgement of the frame with the same SEQ."""


@dataclass(frozen=True, slots=True)
class Nak:
    """Refusal of the frame with the same SEQ (its CRC was good)."""

    reason: NakReason


@dataclass(frozen=True, slots=True)
class Identify:
    """Host asks the pad who it is; the pad answers IDENTITY with the same SEQ."""


@dataclass(frozen=True, slots=True)
class ShowIdle:
    """Idle screen: window, clerk name and staff number, optional photo id (0 = none)."""

    window: str
    clerk_name: str
    staff_no: str
    photo_id: int = 0


@dataclass(frozen=True, slots=True)
class ShowPaused:
    """Paused screen with a short text (e.g. 暂停服务)."""

    window: str
    text: str


@dataclass(frozen=True, slots=True)
class AskRating:
    """Ask for a rating of one evaluation; the pad gives up after `timeout_s` seconds."""

    evaluation_id: int
    ticket_number: str
    timeout_s: int


@dataclass(frozen=True, slots=True)
class Cancel:
    """Withdraw the question for one evaluation (0 = whatever is shown)."""

    evaluation_id: int


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Host is alive; the pad answers STATUS (or its oldest unacknowledged RATING) with the same SEQ."""


@dataclass(frozen=True, slots=True)
class PollAck:
    """Version 2: a HEARTBEAT that also acknowledges the pad's RATING/KEY with SEQ ``seq`` (1..255)."""

    seq: int


@dataclass(frozen=True, slots=True)
class Identity:
    """Pad's answer to IDENTIFY."""

    protocol_version: int
    vendor: str
    model: str
    firmware: str
    serial_no: str


@dataclass(frozen=True, slots=True)
class Rating:
    """A rater's choice; `age_ms` is how long ago the key was pressed when this copy was sent."""

    evaluation_id: int
    level: Level
    reasons: tuple[Reason, ...] = ()
    age_ms: int = 0


@dataclass(frozen=True, slots=True)
class ShortRating:
    """Version 2's RATING on RS-485: the evaluation id's low 16 bits (the host knows the question it
    asked that pad) and an age of at most ``SHORT_AGE_MAX_MS``; four bytes shorter on the line."""

    evaluation_low: int
    level: Level
    reasons: tuple[Reason, ...] = ()
    age_ms: int = 0


@dataclass(frozen=True, slots=True)
class KeyEvent:
    """A key press outside a rating (key 1..5 levels, 6..13 reasons, 14 confirm, 15 call clerk)."""

    key: int


@dataclass(frozen=True, slots=True)
class Status:
    """Pad status flags."""

    flags: StatusFlag


Message = (
    Ack
    | Nak
    | Identify
    | ShowIdle
    | ShowPaused
    | AskRating
    | Cancel
    | Heartbeat
    | PollAck
    | Identity
    | Rating
    | ShortRating
    | KeyEvent
    | Status
)


def _text(value: str) -> bytes:
    """Length-prefixed UTF-8."""
    raw = value.encode("utf-8")
    if len(raw) > MAX_TEXT:
        raise ProtocolError(f"text of {len(raw)} bytes exceeds {MAX_TEXT}")
    return bytes((len(raw),)) + raw


class _Reader:
    """Cursor over a payload that raises ProtocolError on any short or malformed field."""

    def __init__(self, payload: bytes) -> None:
        self.data = payload
        self.pos = 0

    def take(self, n: int) -> bytes:
        """The next n bytes."""
        if self.pos + n > len(self.data):
            raise ProtocolError("payload too short")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def u8(self) -> int:
        """One unsigned byte."""
        return self.take(1)[0]

    def u16(self) -> int:
        """Big-endian unsigned 16 bits."""
        value: int = struct.unpack(">H", self.take(2))[0]
        return value

    def u32(self) -> int:
        """Big-endian unsigned 32 bits."""
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def text(self) -> str:
        """Length-prefixed UTF-8."""
        n = self.u8()
        if n > MAX_TEXT:
            raise ProtocolError("text too long")
        try:
            return self.take(n).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError("text is not UTF-8") from exc

    def end(self) -> None:
        """Refuse trailing bytes."""
        if self.pos != len(self.data):
            raise ProtocolError("trailing bytes in payload")


def _u32(value: int) -> bytes:
    """Big-endian u32, range-checked."""
    if not 0 <= value <= 0xFFFFFFFF:
        raise ProtocolError(f"{value} does not fit 32 bits")
    return struct.pack(">I", value)


def _u16(value: int) -> bytes:
    """Big-endian u16, range-checked."""
    if not 0 <= value <= 0xFFFF:
        raise ProtocolError(f"{value} does not fit 16 bits")
    return struct.pack(">H", value)


def command_of(message: Message) -> Command:
    """The command byte a message travels under."""
    return _COMMANDS[type(message)]


def payload_of(message: Message) -> bytes:
    """The payload bytes of a message."""
    match message:
        case Ack() | Identify() | Heartbeat():
            return b""
        case Nak(reason=reason):
            return bytes((int(reason),))
        case ShowIdle(window=w, clerk_name=name, staff_no=no, photo_id=photo):
            return _text(w) + _text(name) + _text(no) + _u32(photo)
        case ShowPaused(window=w, text=text):
            return _text(w) + _text(text)
        case AskRating(evaluation_id=eid, ticket_number=number, timeout_s=timeout):
            if eid == 0:
                raise ProtocolError("evaluation id 0 is reserved")
            return _u32(eid) + _text(number) + _u16(timeout)
        case Cancel(evaluation_id=eid):
            return _u32(eid)
        case PollAck(seq=seq):
            if not 1 <= seq <= 255:
                raise ProtocolError("POLL_ACK acknowledges a SEQ of 1..255")
            return bytes((seq,))
        case Identity(protocol_version=v, vendor=vendor, model=model, firmware=fw, serial_no=sn):
            return bytes((v,)) + _text(vendor) + _text(model) + _text(fw) + _text(sn)
        case Rating(evaluation_id=eid, level=level, reasons=reasons, age_ms=age):
            _check_rating(eid, level.key, reasons)
            return _u32(eid) + bytes((level.key, len(reasons))) + bytes(int(r) for r in reasons) + _u32(age)
        case ShortRating(evaluation_low=low, level=level, reasons=reasons, age_ms=age):
            _check_rating(low, level.key, reasons)
            if age > SHORT_AGE_MAX_MS:
                raise ProtocolError(f"a short rating's age is at most {SHORT_AGE_MAX_MS} ms")
            return _u16(low) + bytes((level.key, len(reasons))) + bytes(int(r) for r in reasons) + _u16(age)
        case KeyEvent(key=key):
            if not 1 <= key <= 255:
                raise ProtocolError("key code out of range")
            return bytes((key,))
        case Status(flags=flags):
            return bytes((int(flags) & 0xFF,))
    raise ProtocolError(f"not a message: {message!r}")


def _reasons(r: _Reader) -> tuple[int, ...]:
    """A rating's reason count and its reason bytes."""
    count = r.u8()
    if count > MAX_REASONS:
        raise ProtocolError("too many reasons")
    return tuple(r.take(count))


def _check_rating(evaluation_id: int, level: int, reasons: tuple[int, ...]) -> None:
    """The rules every rating obeys, on both sides."""
    if evaluation_id == 0:
        raise ProtocolError("evaluation id 0 is reserved")
    if level not in KEY_LEVELS:
        raise ProtocolError(f"level {level} is not 1..5")
    if len(reasons) > MAX_REASONS or len(set(reasons)) != len(reasons):
        raise ProtocolError("reasons must be distinct and at most 8")
    if reasons and KEY_LEVELS[level] not in BAD_LEVELS:
        raise ProtocolError("reasons only follow 不满意 or 非常不满意")
    if any(r not in Reason._value2member_map_ for r in reasons):
        raise ProtocolError("unknown reason key")


def encode(address: int, seq: int, message: Message) -> bytes:
    """A message as the bytes of one frame."""
    return Frame(address, seq, int(command_of(message)), payload_of(message)).to_bytes()


def decode(frame: Frame) -> Message:
    """The message inside a checked frame, or ProtocolError if the payload breaks the rules."""
    r = _Reader(frame.payload)
    message: Message
    match frame.command:
        case Command.ACK:
            message = Ack()
        case Command.NAK:
            code = r.u8()
            if code not in NakReason._value2member_map_:
                raise ProtocolError("unknown NAK reason")
            message = Nak(NakReason(code))
        case Command.IDENTIFY:
            message = Identify()
        case Command.HEARTBEAT:
            message = Heartbeat()
        case Command.POLL_ACK:
            seq = r.u8()
            if seq == 0:
                raise ProtocolError("POLL_ACK acknowledges a SEQ of 1..255")
            message = PollAck(seq)
        case Command.SHOW_IDLE:
            message = ShowIdle(r.text(), r.text(), r.text(), r.u32())
        case Command.SHOW_PAUSED:
            message = ShowPaused(r.text(), r.text())
        case Command.ASK_RATING:
            eid, number, timeout = r.u32(), r.text(), r.u16()
            if eid == 0:
                raise ProtocolError("evaluation id 0 is reserved")
            message = AskRating(eid, number, timeout)
        case Command.CANCEL:
            message = Cancel(r.u32())
        case Command.IDENTITY:
            message = Identity(r.u8(), r.text(), r.text(), r.text(), r.text())
        case Command.RATING:
            eid, level, raw = r.u32(), r.u8(), _reasons(r)
            age = r.u32()
            _check_rating(eid, level, raw)
            message = Rating(eid, Level.of_key(level), tuple(Reason(x) for x in raw), age)
        case Command.SHORT_RATING:
            low, level, raw = r.u16(), r.u8(), _reasons(r)
            age = r.u16()
            _check_rating(low, level, raw)
            if age > SHORT_AGE_MAX_MS:
                raise ProtocolError(f"a short rating's age is at most {SHORT_AGE_MAX_MS} ms")
            message = ShortRating(low, Level.of_key(level), tuple(Reason(x) for x in raw), age)
        case Command.KEY:
            key = r.u8()
            if key == 0:
                raise ProtocolError("key code 0 is reserved")
            message = KeyEvent(key)
        case Command.STATUS:
            flags = r.u8()
            if flags & ~0x1F:
                raise ProtocolError("reserved status bits set")
            message = Status(StatusFlag(flags))
        case _:
            raise UnknownCommand(f"unknown command 0x{frame.command:02X}")
    r.end()
    return message


_COMMANDS: Final[dict[type, Command]] = {
    Ack: Command.ACK,
    Nak: Command.NAK,
    Identify: Command.IDENTIFY,
    ShowIdle: Command.SHOW_IDLE,
    ShowPaused: Command.SHOW_PAUSED,
    AskRating: Command.ASK_RATING,
    Cancel: Command.CANCEL,
    Heartbeat: Command.HEARTBEAT,
    PollAck: Command.POLL_ACK,
    Identity: Command.IDENTITY,
    Rating: Command.RATING,
    ShortRating: Command.SHORT_RATING,
    KeyEvent: Command.KEY,
    Status: Command.STATUS,
}


def next_seq(seq: int) -> int:
    """The sequence number after `seq` (1..255, wrapping past 0)."""
    return seq % 255 + 1


@dataclass(slots=True)
class DuplicateFilter:
    """Receiver-side duplicate suppression: a frame repeating the last (address, SEQ, CMD) is re-ACKed only.

    A retransmission keeps its SEQ but may refresh fields such as a rating's `age_ms`, so the payload
    is not compared.
    """

    last: dict[int, tuple[int, int]] = field(default_factory=dict)

    def forget(self, address: int) -> None:
        """IDENTIFY/IDENTITY starts a session afresh: nothing from before counts as a duplicate."""
        self.last.pop(address, None)

    def is_duplicate(self, frame: Frame) -> bool:
        """True when this frame is a retransmission of the last one accepted from its address."""
        key = (frame.seq, frame.command)
        if self.last.get(frame.address) == key:
            return True
        self.last[frame.address] = key
        return False


def backoff_ms(attempt: int, base_ms: int = 200, cap_ms: int = 3200) -> int:
    """Retransmission delay after `attempt` unanswered sends (200, 400, 800 … capped)."""
    return int(min(cap_ms, base_ms * 2 ** max(0, attempt)))
