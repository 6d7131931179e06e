"""The bus master: who is addressed when on one serial line (PROTOCOL.md sections 6, 7 and 9).

On RS-485 the pads may only speak when spoken to, so the master polls them round-robin without a
pause: the next exchange starts as soon as the last one ended (plus the turn-around), and pads with
a question on screen are served first (the others then every 2 s). On RS-232 a pad sends its
ratings by itself and is polled once a second. Every pad is identified before it is given anything
else, at start and each time it comes back; a pad of another protocol version is not driven. What
to send a ready pad is the driver's (the bridge's) business: the master asks it for the next
command at the pad's turn and retransmits that command with the same SEQ at the following turns
until it is answered.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from evaluator_device import protocol as p
from evaluator_device.link import HostLink

log = logging.getLogger(__name__)

RS232_POLL_SECONDS = 1.0  # heartbeat period of a pad that sends by itself
# While pads have a question on screen the bus is theirs: every other RS-485 pad is polled only this
# often (a command for it still goes out at once). 32 pads at 9600 baud give ~40 exchanges a second;
# spending them on the pads a person is about to press halves the wait for a rating.
IDLE_POLL_SECONDS = 2.0
SILENT_POLL_SECONDS = 1.0  # how often a pad that is offline (or not yet heard) is called
UNSUPPORTED_POLL_SECONDS = 5.0  # how often a pad of another version is asked who it is again
# The one offline rule: no valid frame from the pad for OFFLINE_SECONDS while at least
# OFFLINE_MISSES frames addressed to it in a row went unanswered. On a noisy line (1 % of bytes
# corrupted) about one exchange in four fails, so 3 in a row happen every few hundred polls; 8 in a
# row about once in 65 000, while a pad really gone is still noticed within a few seconds.
OFFLINE_SECONDS = 3.0
OFFLINE_MISSES = 8
# A failed poll of a pad with a question on screen is repeated at once, up to this many times in a
# row. With 1 % of bytes corrupted a rating's exchange fails about one time in four, so two repeats
# bring all but ~1.5 % of ratings in without waiting a cycle of the other pads.
REPOLLS = 2


class Line(StrEnum):
    """How a pad is wired: it sends only when polled (RS-485 bus) or by itself too (RS-232)."""

    RS485 = "rs485"
    RS232 = "rs232"


class PadPhase(StrEnum):
    """Where a pad is in the host's state machine (PROTOCOL.md section 9, host diagram)."""

    NEW = "new"  # not identified yet: only IDENTIFY is sent
    READY = "ready"  # identified, version 1 or 2: driven at its version
    OFFLINE = "offline"  # silent by the offline rule: IDENTIFY once a second
    UNSUPPORTED = "unsupported"  # another protocol version: reported, not driven


class Driver(Protocol):
    """What the master asks of the bridge (all calls come on the master's thread)."""

    def command_for(self, address: int) -> p.Message | None:
        """The next command this ready pad should get (not consumed until `command_done`)."""

    def command_done(self, address: int, message: p.Message, reply: p.Message) -> None:
        """The pad answered a command (ACK, or NAK other than busy)."""

    def polled(self, address: int, reply: p.Message) -> None:
        """The answer to a HEARTBEAT: STATUS, or the RATING/KEY the pad had waiting."""

    def identified(self, address: int, identity: p.Identity) -> bool:
        """The pad said who it is; False when it cannot be driven (another version)."""

    def lost(self, address: int) -> None:
        """The pad went offline by the one rule."""

    def priority(self, address: int) -> bool:
        """Whether the pad has a question on screen (it is served before the others)."""


@dataclass
class Slot:
    """The master's view of one pad."""

    address: int
    line: Line
    phase: PadPhase = PadPhase.NEW
    inflight: tuple[int, p.Message] | None = None  # (SEQ, command) until answered
    last_heard: float = 0.0
    misses: int = 0
    due: float = 0.0
    polls: int = 0
    last_turn: float = 0.0
    again: bool = False  # its poll went unanswered while it had a question on screen: poll it next
    version: int = p.PROTOCOL_VERSION  # as its IDENTITY said (version 2: PROTOCOL.md section 11)


class BusMaster:
    """One thread that owns the line: identify, poll, command, and decide who is offline."""

    def __init__(self, link: HostLink, pads: dict[int, Line], driver: Driver) -> None:
        self.link = link
        self.driver = driver
        now = time.monotonic()
        self.slots = {address: Slot(address, line, last_heard=now) for address, line in pads.items()}
        self.order = sorted(self.slots)
        self._next = 0
        self._next_priority = 0
        self._wake = threading.Event()
        self.exchanges = 0
        self.unanswered = 0  # exchanges the pad did not answer within the reply wait

    def wake(self) -> None:
        """Something new to send: an RS-232 pad need not wait for its next heartbeat."""
        self._wake.set()

    def run(self, stop: threading.Event) -> None:
        """Serve the pads until ``stop`` is set."""
        while not stop.is_set():
            if not self.link.connected.wait(0.2):
                continue
            slot = self._pick(time.monotonic())
            if slot is None:
                self._wake.wait(self._idle_wait())
                self._wake.clear()
                continue
            try:
                self._serve(slot)
            except Exception:  # a driver bug must not stop the bus
                log.exception("serving pad %d failed", slot.address)
                time.sleep(0.05)

    # ------------------------------------------------------------------ scheduling

    def _due(self, slot: Slot, now: float, busy: bool) -> bool:
        """Whether the pad should have a turn now; ``busy``: other pads have questions on screen."""
        if slot.phase is not PadPhase.READY:
            return now >= slot.due
        if slot.inflight is not None:
            return True
        if slot.line is Line.RS485:
            if not busy or now - slot.last_turn >= IDLE_POLL_SECONDS:
                return True
        elif now >= slot.due:
            return True
        return self.driver.command_for(slot.address) is not None

    def _pick(self, now: float) -> Slot | None:
        """The next pad to serve.

        With no question on screen anywhere: plain round-robin over the pads that are due. Otherwise
        the pads with a question on screen are polled round-robin, and another pad only when it has
        a command waiting or its last turn is ``IDLE_POLL_SECONDS`` old.
        """
        for slot in self.slots.values():
            if slot.again:
                # a failed poll of a pad with a question on screen is repeated at once: the rating it
                # may have sent (garbled or lost) would otherwise wait a whole cycle of the others
                slot.again = False
                if slot.phase is PadPhase.READY:
                    return slot
        asking = {a for a, s in self.slots.items() if s.phase is PadPhase.READY and self.driver.priority(a)}
        if not asking:
            return self._round(now, lambda s: self._due(s, now, busy=False), priority=False)
        idle = self._round(
            now, lambda s: s.address not in asking and self._due(s, now, busy=True), priority=False
        )
        if idle is not None:
            return idle
        return self._round(
            now, lambda s: s.address in asking and self._due(s, now, busy=False), priority=True
        )

    def _round(self, now: float, wanted: Callable[[Slot], bool], priority: bool) -> Slot | None:
        count = len(self.order)
        start = self._next_priority if priority else self._next
        for i in range(count):
            index = (start + i) % count
            slot = self.slots[self.order[index]]
            if wanted(slot):
                if priority:
                    self._next_priority = index + 1
                else:
                    self._next = index + 1
                return slot
        return None

    def _idle_wait(self) -> float:
        now = time.monotonic()
        soonest = min((s.due for s in self.slots.values()), default=now + 0.05)
        return max(0.002, min(0.05, soonest - now))

    # ------------------------------------------------------------------ one turn

    def _serve(self, slot: Slot) -> None:
        self.exchanges += 1
        slot.last_turn = time.monotonic()
        if slot.phase is not PadPhase.READY:
            self._identify(slot)
            return
        if slot.inflight is None:
            command = self.driver.command_for(slot.address)
            if command is not None:
                slot.inflight = (self.link.new_seq(slot.address), command)
        if slot.inflight is not None:
            seq, command = slot.inflight
            if slot.version >= p.PROTOCOL_V2 and isinstance(command, p.AskRating):
                # version 2: a question is not answered; the pad's STATUS at its next poll shows it
                # (bit 4), or shows it lost, and the driver asks again (PROTOCOL.md section 11)
                if self.link.send(slot.address, seq, command):
                    slot.inflight = None
                    self.driver.command_done(slot.address, command, p.Ack())
                return
            reply, heard = self.link.transact(slot.address, seq, command)
            self._count(slot, heard)
            if isinstance(reply, p.Ack) or (isinstance(reply, p.Nak) and reply.reason != p.NakReason.BUSY):
                slot.inflight = None
                self.driver.command_done(slot.address, command, reply)
            return  # unanswered or busy: the same frame again at the pad's next turn
        poll = self.link.poll(slot.address)  # version 2: it may carry the ACK of the pad's last rating
        reply, heard = self.link.transact(slot.address, self.link.new_seq(slot.address), poll)
        slot.polls += 1
        slot.due = time.monotonic() + RS232_POLL_SECONDS
        self._count(slot, heard)
        if reply is not None:
            self.driver.polled(slot.address, reply)
        elif slot.misses <= REPOLLS and slot.line is Line.RS485 and self.driver.priority(slot.address):
            slot.again = True  # a few times only: a pad that stays silent waits for its turn again

    def _identify(self, slot: Slot) -> None:
        reply, heard = self.link.transact(slot.address, self.link.new_seq(slot.address), p.Identify())
        now = time.monotonic()
        if not isinstance(reply, p.Identity):
            self._count(slot, heard)
            slot.due = now + (SILENT_POLL_SECONDS if slot.phase is PadPhase.OFFLINE else 0.2)
            if slot.phase is PadPhase.UNSUPPORTED:
                slot.due = now + UNSUPPORTED_POLL_SECONDS
            return
        self._count(slot, True)
        slot.inflight = None
        if self.driver.identified(slot.address, reply):
            slot.phase, slot.due = PadPhase.READY, now
            slot.version = reply.protocol_version
            # on RS-232 a rating answering a poll cannot be told from one the pad sent by itself:
            # the link ACKs every rating there at once, as version 1 does
            self.link.versions[slot.address] = slot.version if slot.line is Line.RS485 else 1
        else:
            slot.phase, slot.due = PadPhase.UNSUPPORTED, now + UNSUPPORTED_POLL_SECONDS

    def _count(self, slot: Slot, heard: bool) -> None:
        """Apply the offline rule after an exchange."""
        now = time.monotonic()
        if heard:
            slot.last_heard, slot.misses = now, 0
            return
        slot.misses += 1
        self.unanswered += 1
        log.debug("pad %d: %d unanswered, heard %.2f s ago", slot.address, slot.misses, now - slot.last_heard)
        if (
            slot.phase is not PadPhase.OFFLINE
            and slot.misses >= OFFLINE_MISSES
            and now - slot.last_heard >= OFFLINE_SECONDS
        ):
            slot.phase, slot.inflight, slot.due = PadPhase.OFFLINE, None, now + SILENT_POLL_SECONDS
            self.driver.lost(slot.address)
