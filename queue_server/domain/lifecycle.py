"""The ticket lifecycle: statuses, actions and the one transition table that links them.

::

    waiting ──call──▶ called ──start──▶ serving ──conclude──▶ concluded
       ▲  │             │ ▲ recall        │
       │  └─cancel/expire│ └──────────────┤
       │                 ├─no_show──▶ no_show ──requeue──▶ waiting
       ├──transfer───────┤                   └─expire──▶ expired
       │                 └─park──▶ parked ──callback──▶ called
       └──────────────────────────────────── (transfer from serving too)

Two actions keep the status but are edges all the same, so the table decides where they are
allowed: 补打 (reprint: a new paper copy) and a print failure the kiosk reports (the ticket is
flagged, or cancelled by the hall's rule through the cancel edge).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from queue_server.domain.errors import IllegalTransition


class Status(StrEnum):
    """Where a ticket is in its life."""

    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    PARKED = "parked"
    NO_SHOW = "no_show"
    CONCLUDED = "concluded"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Action(StrEnum):
    """What a clerk, a citizen or the day's close can do to a ticket; each is an event type."""

    ISSUE = "issued"
    CALL = "called"
    RECALL = "recalled"
    START = "started"
    CONCLUDE = "concluded"
    NO_SHOW = "no_show"
    REQUEUE = "requeued"
    TRANSFER = "transferred"
    PARK = "parked"
    CALLBACK = "called_back"
    CANCEL = "cancelled"
    EXPIRE = "expired"
    REPRINT = "reprinted"
    PRINT_FAIL = "print_failed"


S, A = Status, Action

TRANSITIONS: Final[dict[tuple[Status, Action], Status]] = {
    (S.WAITING, A.CALL): S.CALLED,
    (S.WAITING, A.CANCEL): S.CANCELLED,
    (S.WAITING, A.EXPIRE): S.EXPIRED,
    (S.WAITING, A.TRANSFER): S.WAITING,
    (S.CALLED, A.RECALL): S.CALLED,
    (S.CALLED, A.START): S.SERVING,
    (S.CALLED, A.CONCLUDE): S.CONCLUDED,
    (S.CALLED, A.NO_SHOW): S.NO_SHOW,
    (S.CALLED, A.TRANSFER): S.WAITING,
    (S.CALLED, A.PARK): S.PARKED,
    (S.SERVING, A.CONCLUDE): S.CONCLUDED,
    (S.SERVING, A.TRANSFER): S.WAITING,
    (S.SERVING, A.PARK): S.PARKED,
    (S.PARKED, A.CALLBACK): S.CALLED,
    (S.PARKED, A.CANCEL): S.CANCELLED,
    (S.PARKED, A.EXPIRE): S.EXPIRED,
    (S.NO_SHOW, A.REQUEUE): S.WAITING,
    (S.NO_SHOW, A.EXPIRE): S.EXPIRED,
    # A new paper copy, for a ticket the citizen may still need.
    (S.WAITING, A.REPRINT): S.WAITING,
    (S.CALLED, A.REPRINT): S.CALLED,
    (S.PARKED, A.REPRINT): S.PARKED,
    (S.NO_SHOW, A.REPRINT): S.NO_SHOW,
    # The kiosk could not print: flagged for the clerk while the ticket is still alive.
    (S.WAITING, A.PRINT_FAIL): S.WAITING,
    (S.CALLED, A.PRINT_FAIL): S.CALLED,
    (S.SERVING, A.PRINT_FAIL): S.SERVING,
    (S.PARKED, A.PRINT_FAIL): S.PARKED,
    (S.NO_SHOW, A.PRINT_FAIL): S.NO_SHOW,
}

# Statuses in which a ticket occupies a window (the window's "current ticket").
AT_WINDOW: Final[frozenset[Status]] = frozenset({S.CALLED, S.SERVING})
# Statuses that end a ticket's life.
FINAL: Final[frozenset[Status]] = frozenset({S.CONCLUDED, S.CANCELLED, S.EXPIRED})
# Statuses a ticket may be in at the day's close and still be expired then.
OPEN_AT_CLOSE: Final[frozenset[Status]] = frozenset({S.WAITING, S.PARKED, S.NO_SHOW})


def next_status(status: Status, action: Action, *, number: str = "") -> Status:
    """Return where ``action`` takes a ticket in ``status``, or raise IllegalTransition."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransition(number=number, status=status.value, action=action.value) from None
