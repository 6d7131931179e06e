"""The pad protocol codec: known bytes, round trips, and fuzzing (any stream → valid frames or nothing)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluator_device.protocol import (
    REASON_KEYS,
    SOF,
    Ack,
    AskRating,
    Cancel,
    DuplicateFilter,
    Frame,
    Framer,
    Heartbeat,
    Identify,
    Identity,
    KeyEvent,
    Level,
    Message,
    Nak,
    NakReason,
    ProtocolError,
    Rating,
    Reason,
    ShowIdle,
    ShowPaused,
    Status,
    StatusFlag,
    UnknownCommand,
    backoff_ms,
    crc16_modbus,
    decode,
    encode,
    frame_timeout,
    next_seq,
)
from queue_server.contract import EVALUATION_REASONS


def test_crc16_modbus_check_value() -> None:
    assert crc16_modbus(b"123456789") == 0x4B37


def test_the_spec_examples_are_byte_exact() -> None:
    examples: list[tuple[Message, str]] = [
        (Heartbeat(), "a5 5a 01 01 07 00 52 28"),
        (Status(StatusFlag.ONLINE), "a5 5a 01 01 84 01 01 98 45"),
        (
            ShowIdle("3", "王芳", "A0317", 0),
            "a5 5a 01 03 02 13 01 33 06 e7 8e 8b e8 8a b3 05 41 30 33 31 37 00 00 00 00 01 0b",
        ),
        (AskRating(42, "A017", 60), "a5 5a 01 05 04 0b 00 00 00 2a 04 41 30 31 37 00 3c 58 74"),
        (Rating(42, Level.SATISFIED, (), 120), "a5 5a 01 07 82 0a 00 00 00 2a 02 00 00 00 00 78 f0 e4"),
        (Ack(), "a5 5a 01 07 06 00 b3 b9"),
        (
            Rating(43, Level.DISSATISFIED, (Reason.ATTITUDE, Reason.LONG_WAIT), 850),
            "a5 5a 01 08 82 0c 00 00 00 2b 04 02 01 05 00 00 03 52 60 36",
        ),
    ]
    seqs = [1, 1, 3, 5, 7, 7, 8]
    for seq, (message, wire) in zip(seqs, examples, strict=True):
        assert encode(1, seq, message).hex(" ") == wire
        assert decode(Framer().feed(bytes.fromhex(wire))[0]) == message


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=15)
bad_levels = st.sampled_from([Level.DISSATISFIED, Level.VERY_DISSATISFIED])
ratings = st.one_of(
    st.builds(
        Rating,
        st.integers(1, 2**32 - 1),
        st.sampled_from([Level.VERY_SATISFIED, Level.SATISFIED, Level.BASICALLY_SATISFIED]),
        st.just(()),
        st.integers(0, 2**32 - 1),
    ),
    st.builds(
        Rating,
        st.integers(1, 2**32 - 1),
        bad_levels,
        st.lists(st.sampled_from(list(Reason)), unique=True, max_size=8).map(tuple),
        st.integers(0, 2**32 - 1),
    ),
)
messages: st.SearchStrategy[Message] = st.one_of(
    st.just(Ack()),
    st.builds(Nak, st.sampled_from(list(NakReason))),
    st.just(Identify()),
    st.just(Heartbeat()),
    st.builds(ShowIdle, text, text, text, st.integers(0, 2**32 - 1)),
    st.builds(ShowPaused, text, text),
    st.builds(AskRating, st.integers(1, 2**32 - 1), text, st.integers(0, 0xFFFF)),
    st.builds(Cancel, st.integers(0, 2**32 - 1)),
    st.builds(Identity, st.integers(0, 255), text, text, text, text),
    ratings,
    st.builds(KeyEvent, st.integers(1, 255)),
    st.builds(Status, st.integers(0, 0x1F).map(StatusFlag)),
)


@given(st.integers(0, 247), st.integers(0, 255), messages)
def test_every_message_round_trips(address: int, seq: int, message: Message) -> None:
    frames = Framer().feed(encode(address, seq, message))
    assert len(frames) == 1
    assert (frames[0].address, frames[0].seq) == (address, seq)
    assert decode(frames[0]) == message


@settings(max_examples=300)
@given(st.binary(max_size=400))
def test_any_byte_stream_yields_only_checked_frames_or_refusals(stream: bytes) -> None:
    framer = Framer()
    cut = len(stream) // 2
    for frame in framer.feed(stream[:cut]) + framer.feed(stream[cut:]):
        assert crc16_modbus(frame.to_bytes()[2:]) == 0  # a good CRC leaves a zero residue
        try:
            message = decode(frame)
        except ProtocolError:
            continue
        assert encode(frame.address, frame.seq, message) == frame.to_bytes()


@given(st.lists(st.tuples(st.binary(max_size=30), messages), min_size=1, max_size=6), st.integers(1, 7))
def test_frames_inside_garbage_are_all_recovered(parts: list[tuple[bytes, Message]], chunk: int) -> None:
    stream = b"".join(junk.replace(SOF, b"") + encode(5, i + 1, m) for i, (junk, m) in enumerate(parts))
    framer = Framer()
    got: list[Frame] = []
    for i in range(0, len(stream), chunk):
        got += framer.feed(stream[i : i + chunk])
    # garbage may start a false frame that swallows a real one only if its CRC matched; never here
    assert [decode(f) for f in got if f.address == 5] == [m for _, m in parts]


@settings(max_examples=500)
@given(ratings, st.data())
def test_a_corrupted_rating_is_never_read_as_another_rating(rating: Rating, data: st.DataObject) -> None:
    wire = bytearray(encode(3, 9, rating))
    # a burst of up to 16 bits anywhere after the start-of-frame (CRC-16 catches every such burst)
    bit = data.draw(st.integers(16, len(wire) * 8 - 1))
    width = data.draw(st.integers(1, min(16, len(wire) * 8 - bit)))
    pattern = data.draw(st.integers(1, 2**width - 1)) | 1
    for k in range(width):
        if pattern >> k & 1:
            wire[(bit + k) // 8] ^= 1 << ((bit + k) % 8)
    tail = encode(3, 10, Heartbeat())
    framer = Framer()
    frames = framer.feed(bytes(wire) + tail)
    frames += framer.silence()  # a corrupted LEN leaves the framer waiting until the line goes quiet
    assert frames[-1:] == [Frame(3, 10, 0x07)]
    for frame in frames[:-1]:
        assert decode(frame) == rating  # only when the burst missed every checked byte


def test_random_line_noise_never_changes_a_rating() -> None:
    rng = random.Random(7)
    framer = Framer()
    sent: list[Rating] = []
    got: list[Rating] = []
    for i in range(2000):
        rating = Rating(i + 1, Level.of_key(rng.randint(1, 3)), (), rng.randint(0, 5000))
        sent.append(rating)
        wire = bytearray(encode(1, next_seq(i), rating))
        for j in range(len(wire)):
            if rng.random() < 0.01:
                wire[j] = rng.randrange(256)
        for frame in framer.feed(bytes(wire)):
            message = decode(frame)
            assert isinstance(message, Rating)
            got.append(message)
    assert set(got) <= set(sent)
    assert len(got) > 1500
    assert framer.stats.crc_errors > 0


def test_invalid_payloads_are_refused() -> None:
    for frame in [
        Frame(1, 1, 0x82, bytes.fromhex("0000002a060000000000")),  # level 6
        Frame(1, 1, 0x82, bytes.fromhex("0000002a02010100000000")),  # reason after 满意
        Frame(1, 1, 0x82, bytes.fromhex("00000000020000000000")),  # evaluation 0
        Frame(1, 1, 0x07, b"\x00"),  # trailing byte
        Frame(1, 1, 0x42, b""),  # unknown command
        Frame(1, 1, 0x04, bytes.fromhex("0000000102ffff0000")),  # bad UTF-8
    ]:
        try:
            decode(frame)
        except ProtocolError:
            continue
        raise AssertionError(f"accepted {frame}")


def test_duplicates_by_sequence_and_backoff() -> None:
    seen = DuplicateFilter()
    first = Frame(2, 5, 0x82, b"a")
    assert not seen.is_duplicate(first)
    assert seen.is_duplicate(Frame(2, 5, 0x82, b"b"))  # same SEQ, refreshed age: still the same rating
    assert not seen.is_duplicate(Frame(2, 6, 0x82, b"a"))
    assert not seen.is_duplicate(Frame(3, 5, 0x82, b"a"))
    assert next_seq(255) == 1 and next_seq(1) == 2
    assert [backoff_ms(i) for i in range(6)] == [200, 400, 800, 1600, 3200, 3200]


def test_a_frame_with_silence_inside_it_is_abandoned_at_the_frame_timeout() -> None:
    wire = encode(1, 7, Rating(42, Level.SATISFIED, (), 120))
    byte = 10 / 9600
    framer = Framer(timeout=frame_timeout(9600), byte_time=byte)
    assert framer.feed(wire[:9], now=0.0) == []
    assert framer.feed(wire[9:], now=0.040) == []  # 40 ms of silence inside: not a frame
    assert framer.stats.timeouts == 1
    # the same bytes read late in one go (the reader was busy) are one frame: their own line time
    # accounts for the wait
    late = Framer(timeout=frame_timeout(9600), byte_time=byte)
    assert late.feed(wire[:3], now=0.0) == []
    assert len(late.feed(wire[3:], now=len(wire) * byte + 0.015)) == 1
    quiet = Framer(timeout=frame_timeout(9600), byte_time=byte)
    quiet.feed(wire[:9], now=0.0)
    assert quiet.quiet(0.010) == [] and quiet.buffer
    assert quiet.quiet(0.030) == [] and not quiet.buffer
    assert frame_timeout(9600) == pytest.approx(20 * byte) and frame_timeout(115200) == 0.020


def test_an_unknown_command_is_told_apart_from_a_bad_payload() -> None:
    with pytest.raises(UnknownCommand):
        decode(Frame(1, 1, 0x85, b""))
    with pytest.raises(ProtocolError) as bad:
        decode(Frame(1, 1, 0x82, b"\x00"))
    assert not isinstance(bad.value, UnknownCommand)


def test_every_reason_key_names_one_reason_of_the_contract() -> None:
    assert set(REASON_KEYS) == set(Reason)
    assert sorted(REASON_KEYS.values()) == sorted(EVALUATION_REASONS)
