"""The host's end of the line over a real pseudo-terminal, against a pad scripted byte by byte.

No server: the host link alone (PROTOCOL.md section 5's reply wait) on one pty, the other end read
and written by the test the way a vendor's pad would.
"""

from __future__ import annotations

import os
import threading
import time
import tty
from collections.abc import Callable, Iterator

import pytest

from evaluator_device import link as link_module
from evaluator_device import protocol as p
from evaluator_device.link import HostLink
from evaluator_device.master import BusMaster, Line
from tests.evaluator.test_end_to_end import wait_for

Answer = Callable[[p.Frame], None]


class ScriptedPad:
    """The pad's side of a pty: every frame the host sends is handed to ``answer``."""

    def __init__(self) -> None:
        self.fd, slave = os.openpty()
        tty.setraw(self.fd)
        tty.setraw(slave)
        self.slave = slave
        self.port = os.ttyname(slave)
        self.answer: Answer = lambda frame: None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        framer = p.Framer()
        while not self._stop.is_set():
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                return
            for frame in framer.feed(data):
                self.answer(frame)

    def write(self, data: bytes) -> None:
        os.write(self.fd, data)

    def close(self) -> None:
        self._stop.set()
        for fd in (self.fd, self.slave):
            os.close(fd)


@pytest.fixture(scope="module")
def line() -> Iterator[tuple[HostLink, ScriptedPad]]:
    pad = ScriptedPad()
    link = HostLink(pad.port, 9600)
    link.start()
    assert link.connected.wait(10)
    yield link, pad
    link.stop()
    pad.close()


def poll(link: HostLink) -> p.Message | None:
    reply, _ = link.transact(1, link.new_seq(1), p.Heartbeat())
    return reply


def test_a_garbled_answer_ends_the_exchange_after_the_frame_timeouts_silence(
    line: tuple[HostLink, ScriptedPad],
) -> None:
    link, pad = line
    late = 0.045  # after the garbled answer: past the frame timeout (20.8 ms), inside the reply wait (75 ms)

    def garbled_then_valid(frame: p.Frame) -> None:
        status = bytearray(p.encode(1, frame.seq, p.Status(p.StatusFlag.ONLINE)))
        status[-1] ^= 0x55  # the CRC does not check: the answer is garbage
        pad.write(bytes(status))
        time.sleep(late)
        pad.write(p.encode(1, frame.seq, p.Status(p.StatusFlag.ONLINE)))

    pad.answer = garbled_then_valid
    # the pad has had its say once the garbage was followed by the frame timeout's silence: what comes
    # after is no answer to this poll (a reader starved for the whole 45 ms on a loaded machine hears
    # both at once and cannot tell, so two of three suffice)
    replies = [poll(link) for _ in range(3)]
    assert sum(reply is None for reply in replies) >= 2, replies

    def slow_but_valid(frame: p.Frame) -> None:
        time.sleep(0.030)  # a compliant pad may take up to 50 ms to start its answer
        pad.write(p.encode(1, frame.seq, p.Status(p.StatusFlag.ONLINE)))

    pad.answer = slow_but_valid
    assert wait_for(lambda: isinstance(poll(link), p.Status), 10)  # a silent line still gets the wait


class AskingPads:
    """The bus master's driver for pads that all have a question on screen and nothing to send."""

    def command_for(self, address: int) -> p.Message | None:
        return None

    def command_done(self, address: int, message: p.Message, reply: p.Message) -> None:
        pass

    def polled(self, address: int, reply: p.Message) -> None:
        pass

    def identified(self, address: int, identity: p.Identity) -> bool:
        return True

    def lost(self, address: int) -> None:
        pass

    def priority(self, address: int) -> bool:
        return True


def test_a_pad_with_a_question_whose_poll_failed_is_polled_again_at_once(
    line: tuple[HostLink, ScriptedPad], monkeypatch: pytest.MonkeyPatch
) -> None:
    link, pad = line
    # Only the three dropped polls go unanswered: an answer this test's pad thread writes late on a
    # loaded machine (past the protocol's 75 ms) would be a lost poll too, and its own repoll.
    monkeypatch.setattr(link_module, "REPLY_WAIT", 1.0)
    heard: list[tuple[int, int]] = []  # (address, command) of every frame the host sent
    dropped = threading.Event()

    def pads_1_and_2(frame: p.Frame) -> None:
        heard.append((frame.address, frame.command))
        polls = [a for a, cmd in heard if cmd == p.Command.HEARTBEAT]
        if frame.command == p.Command.IDENTIFY:
            pad.write(p.encode(frame.address, frame.seq, p.Identity(1, "V", "M", "1", str(frame.address))))
        elif frame.address == 1 and polls.count(1) in (5, 6, 7):
            dropped.set()  # pad 1's fifth to seventh polls are lost on the line: no answer
        else:
            pad.write(p.encode(frame.address, frame.seq, p.Status(p.StatusFlag.ONLINE | p.StatusFlag.ASKING)))

    pad.answer = pads_1_and_2
    master = BusMaster(link, {1: Line.RS485, 2: Line.RS485}, AskingPads())
    stop = threading.Event()
    thread = threading.Thread(target=master.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: dropped.is_set() and len(heard) >= 24, 20)
    finally:
        stop.set()
        thread.join(timeout=5)
    polls = [address for address, cmd in heard if cmd == p.Command.HEARTBEAT]
    lost = [i for i, address in enumerate(polls) if address == 1][4]
    # round robin 1, 2, 1, 2 …, except that pad 1 is asked again right after its lost answer, twice
    # at most (a pad that stays silent then waits for its turn like the others)
    assert polls[lost - 1 : lost + 5] == [2, 1, 1, 1, 2, 1], polls


class Watching(AskingPads):
    """Pads with a question on screen; which of them the master declared offline."""

    def __init__(self) -> None:
        self.gone: list[int] = []

    def lost(self, address: int) -> None:
        self.gone.append(address)


def test_no_pad_is_reported_offline_while_the_host_is_slow_to_make_a_rating_durable() -> None:
    pad = ScriptedPad()
    handled, rated = threading.Event(), threading.Event()
    polls = [0]

    def stalled_disk(address: int, message: p.Message, arrived: float) -> p.Message | None:
        if isinstance(message, p.Rating):
            time.sleep(4.0)  # the outbox's disk stalls past the offline rule's 3 s
            handled.set()
        return p.Ack()

    def two_pads(frame: p.Frame) -> None:
        if frame.command == p.Command.IDENTIFY:
            pad.write(p.encode(frame.address, frame.seq, p.Identity(1, "V", "M", "1", str(frame.address))))
        elif frame.command == p.Command.HEARTBEAT:
            polls[0] += 1
            if frame.address == 1 and polls[0] >= 6 and not rated.is_set():
                rated.set()  # pad 1's rater pressed: the rating answers the poll
                pad.write(p.encode(1, 50, p.Rating(7, p.Level.SATISFIED, (), 10)))
            else:
                status = p.Status(p.StatusFlag.ONLINE | p.StatusFlag.ASKING)
                pad.write(p.encode(frame.address, frame.seq, status))

    pad.answer = two_pads
    link = HostLink(pad.port, 9600, on_pad=stalled_disk)
    driver = Watching()
    master = BusMaster(link, {1: Line.RS485, 2: Line.RS485}, driver)
    stop = threading.Event()
    link.start()
    thread = threading.Thread(target=master.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert wait_for(handled.is_set, 30)
        after = polls[0]
        assert wait_for(lambda: polls[0] >= after + 10, 30)  # the bus goes on once the rating is safe
    finally:
        stop.set()
        thread.join(timeout=5)
        link.stop()
        pad.close()
    # the pads answered all along; their answers waited behind the rating: nobody went silent
    assert driver.gone == []
