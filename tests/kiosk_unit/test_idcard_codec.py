"""The ID card reader's frames (GA 467 SAM interface) and the card's text block, byte for byte."""

from __future__ import annotations

from datetime import date

import pytest

from hardware_mocks.idcard_reader import sample_card
from kiosk.idcard_codec import (
    PHOTO_SIZE,
    TEXT_SIZE,
    Command,
    FrameError,
    Framer,
    Status,
    card_from_read,
    command_frame,
    decode_text,
    encode_text,
    parse_reply,
    read_reply_data,
    reply_frame,
)


def test_command_frames_match_the_published_examples() -> None:
    # find card, select card, read text and photo, SAM status: as the readers' manuals print them
    assert command_frame(Command.FIND_CARD).hex(" ") == "aa aa aa 96 69 00 03 20 01 22"
    assert command_frame(Command.SELECT_CARD).hex(" ") == "aa aa aa 96 69 00 03 20 02 21"
    assert command_frame(Command.READ_TEXT_PHOTO).hex(" ") == "aa aa aa 96 69 00 03 30 01 32"
    assert command_frame(Command.SAM_STATUS).hex(" ") == "aa aa aa 96 69 00 03 11 ff ed"


def test_replies_match_the_published_examples() -> None:
    assert reply_frame(Status.NO_CARD).hex(" ") == "aa aa aa 96 69 00 04 00 00 80 84"
    assert reply_frame(Status.FOUND, bytes(4)).hex(" ") == "aa aa aa 96 69 00 08 00 00 9f 00 00 00 00 97"
    read = reply_frame(Status.OK, read_reply_data(bytes(TEXT_SIZE)))
    assert read[:14].hex(" ") == "aa aa aa 96 69 05 08 00 00 90 01 00 04 00"
    assert len(read) == 7 + 0x508


def test_the_framer_skips_noise_finds_split_frames_and_refuses_bad_checksums() -> None:
    framer = Framer()
    frame = reply_frame(Status.FOUND, bytes(4))
    assert framer.feed(b"\x00\xff" + frame[:6]) == []
    body = framer.feed(frame[6:])[0]
    reply = parse_reply(body)
    assert reply.ok and reply.sw3 == Status.FOUND
    broken = bytearray(reply_frame(Status.OK))
    broken[-1] ^= 0xFF
    with pytest.raises(FrameError):
        framer.feed(bytes(broken))
    assert parse_reply(framer.feed(reply_frame(Status.NO_CARD))[0]).sw3 == Status.NO_CARD  # carries on


def test_an_impossible_length_is_garbage_not_a_wait_forever() -> None:
    with pytest.raises(FrameError):
        Framer().feed(b"\xaa\xaa\xaa\x96\x69\xff\xff")


def test_the_text_block_has_its_fixed_fields_in_ucs2() -> None:
    card = sample_card()
    block = encode_text(card)
    assert len(block) == TEXT_SIZE
    assert block[:6].decode("utf-16-le") == "张三丰"
    assert block[30:32].decode("utf-16-le") == "1"  # sex code (GB/T 2261.1)
    assert block[122:158].decode("utf-16-le") == "11010519491231002X"  # ID number at byte 122
    assert decode_text(block) == card
    reply = parse_reply(Framer().feed(reply_frame(Status.OK, read_reply_data(block, bytes(PHOTO_SIZE))))[0])
    assert card_from_read(reply).id_number == "11010519491231002X"


def test_validity_against_today() -> None:
    assert not sample_card(valid_to="长期").expired(date(2090, 1, 1))
    assert not sample_card(valid_to="20261206").expired(date(2026, 12, 6))  # valid through its last day
    assert sample_card(valid_to="20261205").expired(date(2026, 12, 6))


def test_the_name_is_shown_masked_and_the_card_never_prints_in_full() -> None:
    card = sample_card()
    assert card.masked_name == "张**"
    assert sample_card(name="李四").masked_name == "李*"
    assert "三丰" not in repr(card) and "19491231002" not in repr(card)
