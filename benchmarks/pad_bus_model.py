"""The RS-485 pad bus on paper: what the line alone allows, with no scheduling noise at all.

A discrete-event model of ``benchmarks.evaluator``'s bus set-ups: the same closed loop (a case
concluded at each window, the question asked, the rater thinking 0.5–1.5 × ``--think`` s, pressing,
the next case 0.5–1.5 × ``--gap`` s after the rating was stored) and the bus master's policy of
PROTOCOL.md sections 5–7 (commands first, pads with a question on screen round-robin, the others
every 2 s, a failed poll of an asking pad repeated at once (twice at most), a garbled answer
ending the exchange after the frame timeout), every frame costing exactly its bytes × 10 bits /
baud plus the turn-around and the pad's reaction time. Faults are drawn per byte (corruption) and
per frame (loss) as the emulated pads draw them. The result is the press → heard-on-the-line
latency of a perfect machine; ``benchmarks.evaluator`` on a real (loaded) machine adds its
scheduling delays on top, so the difference between the two is the machine, not the bus.

Version-2 pads (PROTOCOL.md section 11) are modelled too: ASK_RATING goes out unanswered (a lost
one is seen at the pad's next STATUS and asked again), a rating answering a poll is acknowledged
by the pad's next poll (POLL_ACK, one byte longer than a HEARTBEAT) instead of an ACK, the rating
itself is a SHORT_RATING (four bytes shorter), and the turn-around after such a pad's answer is 2
byte times instead of 3.5.

    .venv/bin/python -m benchmarks.pad_bus_model [--ratings 1000] [--think 1] [--gap 1]
"""

from __future__ import annotations

import argparse
import heapq
import os
import random
import sys
from dataclasses import dataclass

from benchmarks.common import percentile
from evaluator_device import protocol as p
from evaluator_device.link import REPLY_WAIT
from evaluator_device.master import IDLE_POLL_SECONDS, REPOLLS

HEARTBEAT, STATUS, ACK = 8, 9, 8
POLL_ACK = HEARTBEAT + 1  # version 2: a HEARTBEAT that also acknowledges the pad's last RATING/KEY
ASK = 8 + 4 + 1 + 4 + 2  # evaluation id, a 4-character ticket number, the timeout
RATING = 8 + 10  # no reasons; one more byte per reason
SHORT_RATING = 8 + 6  # version 2 on RS-485: the id's low 16 bits and a 16-bit age
REACTION = 0.0005  # the emulator's reaction time (PROTOCOL.md: SHOULD be under 2 ms)
ASK_DELAY = 0.030  # conclude → the bridge has the question (HTTP + live stream), measured ~20–40 ms
STORE_DELAY = 0.020  # the rating heard → the server's 201, measured ~10–30 ms


@dataclass
class Faults:
    """Per-byte corruption and per-frame loss, each way."""

    corrupt: float = 0.0
    drop: float = 0.0


@dataclass
class Pad:
    """One pad and its rater."""

    address: int
    asked_at: float | None = None  # the question is ready at the bridge (a command waits)
    asking: bool = False  # the pad acknowledged the question
    pressed_at: float | None = None
    reasons: int = 0
    last_turn: float = 0.0
    again: bool = False  # poll it next: its last poll failed while it had a question on screen
    misses: int = 0  # exchanges in a row without a valid answer
    version: int = 1  # the pad's protocol version (IDENTITY)
    owed_ack: bool = False  # version 2: the host took its rating and acknowledges it in the next poll
    lost_ask: bool = False  # version 2: its unanswered ASK_RATING was lost (its next STATUS shows it)


@dataclass
class Policy:
    """The master's choices the model can switch off, to weigh each."""

    repoll: bool = True  # a failed poll of a pad with a question on screen is repeated at once
    early_end: bool = True  # a garbled answer ends the exchange after the frame timeout
    turnaround_bytes: float | None = None  # None: as each pad's version asks (3.5 or 2 byte times)


class Model:
    """One bus: the master's loop, run against simulated time."""

    def __init__(
        self,
        pads: int,
        baud: int,
        faults: Faults,
        think: float,
        gap: float,
        seed: int,
        policy: Policy,
        v2: int = 0,
    ) -> None:
        self.policy = policy
        self.byte = p.byte_seconds(baud)
        self.silence = p.frame_timeout(baud)
        self.faults = faults
        self.think, self.gap = think, gap
        self.rng = random.Random(seed)
        # the first ``v2`` pads speak version 2 (PROTOCOL.md section 11), the others version 1
        self.pads = [Pad(n + 1, version=2 if n < v2 else 1) for n in range(pads)]
        self.now = 0.0
        self.events: list[tuple[float, int, str]] = []  # (time, pad index, what)
        self.latencies: list[float] = []
        self.rated = 0
        self.exchanges = 0
        self.next_asking = 0
        self.next_idle = 0
        for index in range(pads):
            heapq.heappush(self.events, (self.rng.uniform(0, 1), index, "conclude"))

    def _lost(self, size: int) -> tuple[bool, bool]:
        """(dropped, corrupted) for one frame of ``size`` bytes."""
        if self.rng.random() < self.faults.drop:
            return True, False
        corrupted = any(self.rng.random() < self.faults.corrupt for _ in range(size))
        return False, corrupted

    def _wire(self, size: float) -> float:
        return size * self.byte

    def _events(self) -> None:
        while self.events and self.events[0][0] <= self.now:
            _, index, what = heapq.heappop(self.events)
            pad = self.pads[index]
            if what == "conclude":
                pad.asked_at = self.now + ASK_DELAY
            elif what == "press":
                pad.pressed_at = self.now
                pad.reasons = 1 if self.rng.randint(1, 5) >= 4 else 0

    def _pick(self) -> Pad | None:
        for pad in self.pads:
            if pad.again:
                pad.again = False
                return pad
        count = len(self.pads)
        asking = [pad for pad in self.pads if pad.asking]
        for i in range(count):  # commands first, then idle pads whose turn is due
            pad = self.pads[(self.next_idle + i) % count]
            command = pad.asked_at is not None and pad.asked_at <= self.now and not pad.asking
            due = not asking or self.now - pad.last_turn >= IDLE_POLL_SECONDS
            if not pad.asking and (command or due):
                self.next_idle = (self.next_idle + i + 1) % count
                return pad
        for i in range(count):
            pad = self.pads[(self.next_asking + i) % count]
            if pad.asking:
                self.next_asking = (self.next_asking + i + 1) % count
                return pad
        return None

    def _exchange(self, pad: Pad) -> None:
        self.exchanges += 1
        pad.last_turn = self.now
        turn = self.policy.turnaround_bytes
        turnaround = (p.TURNAROUND_BYTES[pad.version] if turn is None else turn) * self.byte
        command = pad.asked_at is not None and pad.asked_at <= self.now and not pad.asking
        if command and pad.version >= 2:
            self._ask_unanswered(pad)
            return
        sent = ASK if command else (POLL_ACK if pad.owed_ack else HEARTBEAT)
        self.now += self._wire(sent)
        dropped, corrupted = self._lost(sent)
        if dropped or corrupted:  # the pad heard nothing it could trust: silence
            self.now += REPLY_WAIT + turnaround
            self._missed(pad, command)
            return
        pending = pad.pressed_at is not None
        rating = SHORT_RATING if pad.version >= 2 else RATING
        size = ACK if command else (rating + pad.reasons if pending else STATUS)
        self.now += REACTION + self._wire(size)
        dropped, corrupted = self._lost(size)
        if dropped:
            self.now += REPLY_WAIT - REACTION - self._wire(size) + turnaround
            self._missed(pad, command)
            return
        if corrupted:
            if self.policy.early_end:  # the garbled answer ends at the frame timeout's silence
                self.now += self.silence + turnaround
            else:
                self.now += max(REPLY_WAIT - REACTION - self._wire(size), self.silence) + turnaround
            self._missed(pad, command)
            return
        pad.misses = 0
        if not command:
            pad.owed_ack = False  # a valid answer to the poll that carried the acknowledgement
            if pad.lost_ask and not pending:  # its STATUS shows no question: ask again
                pad.asking, pad.asked_at, pad.lost_ask = False, self.now, False
        if command:
            pad.asking, pad.asked_at = True, None
            self._press_later(pad)
        elif pending and pad.pressed_at is not None:
            self.latencies.append(self.now - pad.pressed_at)
            self.rated += 1
            pad.pressed_at, pad.asking = None, False
            if pad.version >= 2:
                pad.owed_ack = True  # acknowledged by the next poll (POLL_ACK), not by an ACK now
            else:
                self.now += self._wire(ACK)  # the host's ACK occupies the line before the next frame
            done = self.now + STORE_DELAY + self.rng.uniform(0.5, 1.5) * self.gap
            heapq.heappush(self.events, (done, pad.address - 1, "conclude"))
        self.now += turnaround

    def _ask_unanswered(self, pad: Pad) -> None:
        """Version 2: ASK_RATING is not answered; the pad's next poll answer shows it (or its loss)."""
        self.now += self._wire(ASK)  # the host keeps the line: no reply wait, no turn-around
        dropped, corrupted = self._lost(ASK)
        pad.asked_at = None
        if dropped or corrupted:
            # the next poll's STATUS shows no question: asked again at the pad's next turn
            pad.asked_at = self.now
            pad.asking = True  # polled with priority until its STATUS tells the truth
            pad.lost_ask = True
            return
        pad.asking = True
        self._press_later(pad)

    def _press_later(self, pad: Pad) -> None:
        press = self.now + self.rng.uniform(0.5, 1.5) * self.think
        heapq.heappush(self.events, (press, pad.address - 1, "press"))

    def _missed(self, pad: Pad, command: bool) -> None:
        pad.misses += 1
        pad.again = self.policy.repoll and not command and pad.asking and pad.misses <= REPOLLS

    def run(self, ratings: int) -> None:
        while self.rated < ratings:
            self._events()
            pad = self._pick()
            if pad is None:
                self.now = max(self.now + 0.001, self.events[0][0] if self.events else self.now)
                continue
            self._exchange(pad)


def figures(name: str, model: Model) -> str:
    """One line of results."""
    ms = [1000 * v for v in model.latencies]
    return (
        f"{name:<44} press → heard p50 {percentile(ms, 50):5.0f} ms  p95 {percentile(ms, 95):5.0f} ms  "
        f"({model.rated / model.now:.1f} ratings/s, {model.exchanges / model.now:.1f} exchanges/s)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ratings", type=int, default=1000, help="ratings per set-up")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds before the key press")
    parser.add_argument("--gap", type=float, default=1.0, help="mean seconds between cases at one window")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"load {os.getloadavg()} (simulated time: the figures do not depend on it)")
    noisy = Faults(0.01, 0.01)
    rows = [
        ("RS-485, 8 pads", 8, Faults(), Policy(), 0),
        ("RS-485, 32 pads", 32, Faults(), Policy(), 0),
        ("RS-485, 8 pads, 1% faults", 8, noisy, Policy(), 0),
        ("  … without the repeated poll", 8, noisy, Policy(repoll=False), 0),
        ("  … without the early end of a garbled answer", 8, noisy, Policy(early_end=False), 0),
        ("  … without either (the previous master)", 8, noisy, Policy(repoll=False, early_end=False), 0),
        ("version 2: RS-485, 8 pads", 8, Faults(), Policy(), 8),
        ("version 2: RS-485, 32 pads", 32, Faults(), Policy(), 32),
        ("version 2: RS-485, 8 pads, 1% faults", 8, noisy, Policy(), 8),
        ("versions 1 and 2: RS-485, 32 pads, 16 of each", 32, Faults(), Policy(), 16),
    ]
    for name, pads, faults, policy, v2 in rows:
        model = Model(pads, 9600, faults, args.think, args.gap, args.seed, policy, v2)
        model.run(args.ratings)
        print(figures(name, model), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
