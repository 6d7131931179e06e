"""The kiosk's reader link against the emulated reader on a real pseudo-terminal: cards, no card,
and every fault said plainly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hardware_mocks.idcard_reader import EmulatedReader, Fault, sample_card
from kiosk.idcard_reader import CardReader, CardWatch, ReaderError, Trouble


@pytest.fixture
def emulator() -> Iterator[EmulatedReader]:
    reader = EmulatedReader()
    reader.open_pty()
    reader.start()
    yield reader
    reader.stop()


@pytest.fixture
def reader(emulator: EmulatedReader) -> Iterator[CardReader]:
    link = CardReader(f"serial://{emulator.port}?baudrate=115200", timeout=0.5)
    yield link
    link.close()


def test_no_card_then_a_card(emulator: EmulatedReader, reader: CardReader) -> None:
    assert reader.read() is None
    emulator.put(sample_card(id_number="440524188001010014"))
    card = reader.read()
    assert card is not None and card.id_number == "440524188001010014" and card.masked_name == "张**"
    assert emulator.counters.reads == 1


@pytest.mark.parametrize(
    ("fault", "trouble"),
    [
        (Fault.GARBAGE, Trouble.GARBAGE),
        (Fault.SILENT, Trouble.SILENT),
        (Fault.READ_FAILS, Trouble.READ_FAILED),
    ],
)
def test_faults_are_told_apart(
    emulator: EmulatedReader, reader: CardReader, fault: Fault, trouble: Trouble
) -> None:
    emulator.put(sample_card())
    emulator.set_fault(fault)
    with pytest.raises(ReaderError) as raised:
        reader.read()
    assert raised.value.trouble == trouble
    emulator.set_fault(Fault.NONE)
    assert reader.read() is not None  # the line recovers by itself


def test_a_missing_reader() -> None:
    with pytest.raises(ReaderError) as raised:
        CardReader("serial:///dev/does-not-exist?baudrate=115200").read()
    assert raised.value.trouble == Trouble.MISSING


def test_the_watch_reports_a_card_once_until_it_is_taken_off(
    emulator: EmulatedReader, reader: CardReader
) -> None:
    cards, troubles = [], []
    watch = CardWatch(reader, wanted=lambda: True, on_card=cards.append, on_trouble=troubles.append)
    watch.poll()
    emulator.put(sample_card())
    watch.poll()
    watch.poll()
    assert len(cards) == 1
    emulator.remove()
    watch.poll()
    emulator.put(sample_card())
    watch.poll()
    assert len(cards) == 2
    emulator.set_fault(Fault.SILENT)
    watch.poll()
    watch.poll()
    emulator.set_fault(Fault.NONE)
    watch.poll()
    assert troubles == [Trouble.SILENT, None]


def test_the_prompt_commands(emulator: EmulatedReader) -> None:
    emulator.command("put 440524188001010014 20301231 李四")
    assert emulator.card is not None and emulator.card.name == "李四"
    emulator.command("expired")
    assert emulator.card is not None and emulator.card.valid_to == "20200101"
    emulator.command("remove")
    assert emulator.card is None
    emulator.command("fault silent")
    assert emulator.fault == Fault.SILENT
    with pytest.raises(ValueError):
        emulator.command("shake")
