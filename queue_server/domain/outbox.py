"""The outbox's rules: when a failed message is tried again, and when it is given up (dead letter).

A message leaves the building through a dispatcher that may fail for many reasons (a gateway down,
slow, or refusing). Each attempt's outcome is one of three: delivered, failed for now (try again
later), or refused for good (the destination said the message itself is wrong). A failing message
is retried with a delay that doubles from ``first_delay`` up to ``max_delay``; once it has been
failing for ``dead_after`` it is dead-lettered, and a manager decides (retry or drop).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# A destination whose pending message failed this many attempts keeps failing: a yellow light.
FAILING_ATTEMPTS = 3


class Status(StrEnum):
    """Where a message stands."""

    PENDING = "pending"  # waiting for its turn, or claimed by a dispatcher right now
    SENT = "sent"  # the destination accepted it
    DEAD = "dead"  # given up: refused, or failing too long; a manager retries or drops it
    DROPPED = "dropped"  # a manager dropped the dead message


class Outcome(StrEnum):
    """What one attempt to send came to."""

    DELIVERED = "delivered"
    FAILED = "failed"  # the destination was away, slow, or said "later": try again
    REFUSED = "refused"  # the destination refused the message itself: trying again cannot help


@dataclass(frozen=True)
class RetryPolicy:
    """How a failing message is retried and when it is given up."""

    first_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=5)
    dead_after: timedelta = timedelta(hours=24)

    def delay(self, attempts: int) -> timedelta:
        """The pause after the ``attempts``-th failed attempt (1, 2, …): doubling, capped."""
        exponent = max(0, min(attempts - 1, 30))
        delay: timedelta = self.first_delay * (2**exponent)
        return min(delay, self.max_delay)


@dataclass(frozen=True)
class Settled:
    """What becomes of a message after an attempt: its status, when it is tried next, its error."""

    status: Status
    next_at: datetime
    error: str | None


def settle(
    policy: RetryPolicy, outcome: Outcome, attempts: int, created_at: datetime, now: datetime, error: str
) -> Settled:
    """The message's new state after its ``attempts``-th attempt ended with ``outcome``."""
    if outcome is Outcome.DELIVERED:
        return Settled(Status.SENT, now, None)
    if outcome is Outcome.REFUSED:
        return Settled(Status.DEAD, now, error)
    next_at = now + policy.delay(attempts)
    if next_at - created_at > policy.dead_after:
        return Settled(Status.DEAD, now, error)
    return Settled(Status.PENDING, next_at, error)
