"""The board's voice queue as pure rules: which calls the next announcement speaks, and in what form.

``static/voice_queue.js`` is the same rules for the page (the board runs them); this module is
what the lag benchmark replays and what the shared cases in
``tests/display_board/voice_queue_cases.json`` check, against both copies.

The rules, so that a zone board keeps up with 12 calls a minute (a call heard within 10 s):

- Calls are spoken in call order. A recall takes the place of the call it repeats (the earlier
  call is not spoken twice); a call that ended (concluded, set aside, transferred, cancelled,
  expired) leaves the queue. Nothing else ever drops a call: there is no overflow cap, so a
  call whose ticket is still called is always spoken (the queue holds only standing calls, at
  most one per ticket, so it is bounded by the hall's open windows).
- Alone on a quiet board, a call gets the hall's full form, but in two parts: the *head* (chime
  and one pass) and the *tail* (the remaining passes and English). The tail is played only if
  nothing waits when the head ends, and it gives way at once to a call that comes in meanwhile.
- Otherwise (others waiting, or two calls heard within ``BUSY_S``) the board speaks tersely
  ("A001号，3号窗口", once, no chime), and up to ``BATCH_MAX`` waiting calls go into one
  announcement: one fetch, no gaps between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

BUSY_S = 30.0  # two calls heard within this: the board is busy and speaks tersely
BATCH_MAX = 4  # calls in one terse announcement

Form = Literal["full", "short"]


@dataclass(frozen=True)
class Pending:
    """A call waiting to be spoken."""

    number: str
    window: str
    recall: bool = False
    queued_at: float = 0.0


@dataclass(frozen=True)
class Turn:
    """The next announcement: the calls it speaks (in order) and its form."""

    calls: tuple[Pending, ...]
    form: Form


def enqueue(queue: Sequence[Pending], call: Pending) -> tuple[list[Pending], list[Pending]]:
    """The queue with ``call`` added, and the calls it replaced (a recall takes their place)."""
    replaced = [p for p in queue if p.number == call.number]
    if not replaced:
        return [*queue, call], []
    out: list[Pending] = []
    for pending in queue:
        if pending.number != call.number:
            out.append(pending)
        elif pending is replaced[0]:
            out.append(replace(call, queued_at=pending.queued_at))
    return out, replaced


def void(queue: Sequence[Pending], number: str) -> tuple[list[Pending], list[Pending]]:
    """The queue without ``number`` (its call ended), and the calls taken out."""
    return [p for p in queue if p.number != number], [p for p in queue if p.number == number]


def busy(heard: Sequence[float], now: float) -> bool:
    """Whether two or more calls were heard within ``BUSY_S`` of ``now``."""
    return sum(1 for at in heard if 0 <= now - at < BUSY_S) > 1


def next_turn(queue: Sequence[Pending], heard: Sequence[float], now: float) -> Turn | None:
    """What the board says next (None when nothing waits)."""
    if not queue:
        return None
    if len(queue) == 1 and not busy(heard, now):
        return Turn((queue[0],), "full")
    return Turn(tuple(queue[:BATCH_MAX]), "short")


def tail_wanted(queue: Sequence[Pending], repeat: int, english: bool) -> bool:
    """After a full head: whether to play the rest of the full form (only on an idle board)."""
    return not queue and (repeat > 1 or english)
