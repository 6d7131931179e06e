"""Which waiting ticket a window calls next: the hall's calling policy, explicit and pure.

Order of precedence for a window (DESIGN.md, "Rules of the queue"):

1. tickets sent to this very window (a transfer to the window, a parked ticket put back for it);
2. appointments that are due (from ``appointment_grace`` before their slot);
3. priority tickets (绿色通道), unless the anti-starvation rule says a normal ticket goes first;
4. normal tickets.

Within a group the hall's mode decides: ``strict`` (the window's first service before its
second), ``oldest`` (arrival time across the window's services) or ``weighted`` (longest wait
times the assignment's weight). A ticket ranks by ``rank_at``: its arrival, kept on a transfer
that keeps its place, moved on a requeue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Mode(StrEnum):
    """How a window weighs the services it serves."""

    STRICT = "strict"
    OLDEST = "oldest"
    WEIGHTED = "weighted"


@dataclass(frozen=True)
class PolicySettings:
    """A hall's calling rules (per-hall settings)."""

    mode: Mode = Mode.OLDEST
    # At most ``priority_max`` priority calls in any ``priority_span`` consecutive calls of a
    # window while a normal ticket waits for it ("one priority, one normal" is 1 in 2).
    priority_max: int | None = 1
    priority_span: int = 2
    # A normal ticket that has waited longer than this goes before priority tickets.
    normal_max_wait: timedelta | None = None
    appointment_grace: timedelta = timedelta(minutes=10)


@dataclass(frozen=True)
class Assignment:
    """A service a window serves now, with its place in the window's order and its weight."""

    service: str
    preference: int = 1
    weight: float = 1.0


@dataclass(frozen=True)
class WindowView:
    """What the policy needs to know about the calling window."""

    number: str
    is_open: bool
    assignments: tuple[Assignment, ...]
    # Whether each of the window's latest calls was a priority ticket, oldest first.
    recent_priority: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """A waiting ticket as the policy sees it."""

    ticket_id: int
    service: str
    rank_at: datetime
    priority: bool = False
    target_window: str | None = None
    appointment_at: datetime | None = None


def is_eligible(window: WindowView, ticket: Candidate) -> bool:
    """A ticket sent to a window goes only there; any other only to windows serving its service."""
    if ticket.target_window is not None:
        return ticket.target_window == window.number
    return any(a.service == ticket.service for a in window.assignments)


def choose_next(
    window: WindowView, waiting: Iterable[Candidate], now: datetime, settings: PolicySettings
) -> Candidate | None:
    """Return the ticket ``window`` should call now, or None (closed window, nobody eligible)."""
    if not window.is_open:
        return None
    pool = [t for t in waiting if is_eligible(window, t)]
    if not pool:
        return None
    key = _ordering(window, now, settings.mode)
    targeted = [t for t in pool if t.target_window == window.number]
    if targeted:
        return min(targeted, key=lambda t: (t.rank_at, t.ticket_id))
    due = [t for t in pool if _appointment_due(t, now, settings)]
    if due:
        return min(due, key=lambda t: (t.appointment_at or t.rank_at, t.ticket_id))
    priority = [t for t in pool if t.priority]
    normal = [t for t in pool if not t.priority]
    if priority and (not normal or _priority_may_go(window, normal, now, settings)):
        return min(priority, key=key)
    return min(normal, key=key)


def _appointment_due(ticket: Candidate, now: datetime, settings: PolicySettings) -> bool:
    return ticket.appointment_at is not None and now >= ticket.appointment_at - settings.appointment_grace


def _priority_may_go(
    window: WindowView, normal: Sequence[Candidate], now: datetime, settings: PolicySettings
) -> bool:
    """Anti-starvation: priority yields when it has had its share or a normal ticket waited too long."""
    if settings.priority_max is not None:
        span = max(settings.priority_span - 1, 0)
        looked_back = window.recent_priority[-span:] if span else ()
        if sum(looked_back) >= settings.priority_max:
            return False
    if settings.normal_max_wait is not None:
        oldest = min(t.rank_at for t in normal)
        if now - oldest > settings.normal_max_wait:
            return False
    return True


def _ordering(window: WindowView, now: datetime, mode: Mode) -> Callable[[Candidate], tuple[float, ...]]:
    """The sort key of ``mode``: smaller goes first; ties fall back to arrival, then ticket id."""
    by_service = {a.service: a for a in window.assignments}

    def strict(t: Candidate) -> tuple[float, ...]:
        assignment = by_service.get(t.service)
        preference = assignment.preference if assignment else 0
        return (preference, t.rank_at.timestamp(), t.ticket_id)

    def oldest(t: Candidate) -> tuple[float, ...]:
        return (t.rank_at.timestamp(), t.ticket_id)

    def weighted(t: Candidate) -> tuple[float, ...]:
        assignment = by_service.get(t.service)
        weight = assignment.weight if assignment else 1.0
        waited = max((now - t.rank_at).total_seconds(), 0.0)
        return (-waited * weight, t.rank_at.timestamp(), t.ticket_id)

    return {Mode.STRICT: strict, Mode.OLDEST: oldest, Mode.WEIGHTED: weighted}[mode]


def requeue_rank(waiting_ranks: Sequence[datetime], places_back: int, now: datetime) -> datetime:
    """Where a late no-show re-enters (过号召回): just behind the ``places_back``-th waiting ticket.

    ``waiting_ranks`` are the ranks of the tickets now waiting for the same service. The new rank
    lies halfway between the ``places_back``-th and the next, so repeated requeues each land
    exactly ``places_back`` behind the head. With fewer waiting, it goes to the end of the queue.
    """
    ranks = sorted(waiting_ranks)
    if not ranks:
        return now
    if places_back <= 0:
        return ranks[0] - timedelta(microseconds=1)
    if len(ranks) < places_back:
        return max(now, ranks[-1] + timedelta(microseconds=1))
    before = ranks[places_back - 1]
    if len(ranks) == places_back:
        return max(now, before + timedelta(microseconds=1))
    return before + (ranks[places_back] - before) / 2


def people_ahead(ticket: Candidate, waiting: Iterable[Candidate]) -> int:
    """Tickets of the same service that will be called before ``ticket`` (priority first, then rank)."""

    def before(other: Candidate) -> bool:
        if other.ticket_id == ticket.ticket_id or other.service != ticket.service:
            return False
        if other.priority != ticket.priority:
            return other.priority
        return (other.rank_at, other.ticket_id) < (ticket.rank_at, ticket.ticket_id)

    return sum(1 for other in waiting if before(other))
