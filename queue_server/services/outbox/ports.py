"""The outbox's ports: the stored messages (one transaction) and the gateways that carry them.

``queue_server.adapters.outbox`` implements the store on SQL; the gateways are in
``queue_server.adapters.gateways``; tests use in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to send, written in the transaction of the change that causes it."""

    hall_id: int
    destination: str  # which gateway carries it: "sms", "evaluation"
    kind: str  # what it says: "sms.called", "evaluation.rating", …
    idempotency_key: str  # unique: a gateway that honours it delivers a retried send once
    ordering_key: str  # one citizen's (or one rating's) messages go out in the order written
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MessageRow:
    """A message as stored."""

    id: int
    hall_id: int
    destination: str
    kind: str
    idempotency_key: str
    ordering_key: str
    payload: dict[str, Any]
    status: str
    attempts: int
    created_at: datetime
    next_at: datetime
    last_error: str | None
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one attempt did to a claimed message (``status`` from ``domain.outbox.Status``)."""

    message_id: int
    owner: str
    status: str
    attempts: int
    next_at: datetime
    error: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class DestinationFigures:
    """A destination's messages of one hall: how many in each state, and the oldest pending."""

    destination: str
    sent: int
    pending: int
    dead: int
    dropped: int
    oldest_pending: datetime | None
    failing: int  # pending messages that failed ``domain.outbox.FAILING_ATTEMPTS`` times or more


@dataclass(frozen=True, slots=True)
class SmsSubscription:
    """A ticket whose holder asked for SMS notices, with the number kept encrypted."""

    token: str
    hall_id: int
    number: str
    phone_cipher: str
    phone_hash: str
    phone_masked: str
    ahead_sent: bool
    language: str = "zh-CN"  # the kiosk's or guide's language when it was taken: the notices' wording
    ticket_id: int = 0  # the ticket's id, its key where kept (0: not a ticket, an appointment's reminder)


class OutboxStore(Protocol):
    """The outbox's messages and the SMS subscriptions, in one transaction."""

    def add(self, messages: Sequence[NewMessage]) -> None:
        """Store new pending messages (a key already stored is left as it is)."""
        ...

    def claim(
        self,
        now: datetime,
        owner: str,
        lease_until: datetime,
        limit: int,
        skip: Sequence[tuple[int, str]] = (),
    ) -> list[MessageRow]:
        """Up to ``limit`` due pending messages, each the oldest pending one of its ordering key,
        leased to ``owner`` until ``lease_until`` (skipping rows another process has locked, and
        the (hall, destination) pairs in ``skip``)."""
        ...

    def hasten(self, hall_id: int, destination: str, now: datetime) -> int:
        """Make every pending message of ``destination`` waiting out a back-off due now (the
        destination answers again); how many."""
        ...

    def any_due(self, now: datetime) -> bool:
        """Whether some pending message is due and not leased (a read: no claim is made)."""
        ...

    def settle(self, attempt: Attempt) -> bool:
        """Record an attempt on a message still leased to its owner; False if the lease was lost."""
        ...

    def settle_sent(self, message_ids: Sequence[int], owner: str, at: datetime) -> list[int]:
        """Record the delivery of messages still leased to ``owner``, all in one statement (a
        round's usual outcome); the ids whose lease held."""
        ...

    def get(self, message_id: int) -> MessageRow | None:
        """A message by id."""
        ...

    def revive(self, message_id: int, at: datetime, by: str) -> None:
        """Make a dead message pending again, due now, with fresh attempts."""
        ...

    def drop(self, message_id: int, at: datetime, by: str) -> None:
        """Mark a dead message dropped."""
        ...

    def figures(self, hall_id: int) -> list[DestinationFigures]:
        """Each destination's counts, by destination."""
        ...

    def troubles(self, hall_id: int) -> list[tuple[str, int, int]]:
        """(destination, failing, dead) of the hall's destinations with either (the alert rule's
        read: pending and dead messages only, never the history of those sent)."""
        ...

    def latest(self, hall_id: int, statuses: Sequence[str], limit: int) -> list[MessageRow]:
        """The hall's messages in ``statuses``, newest first."""
        ...

    def kinds_between(
        self, hall_id: int, kind: str, lower: datetime, upper: datetime
    ) -> list[tuple[datetime, str, str | None]]:
        """(created_at, status, last error) of the hall's messages of ``kind`` written in [lower, upper)."""
        ...

    def add_capped(self, message: NewMessage, since: datetime, cap: int) -> bool:
        """Store a new pending message unless its ordering key already has ``cap`` messages written
        since ``since`` (a number's daily cap), the count and the insert in one statement; whether it
        was stored (False too for a key already stored)."""
        ...

    def subscribe(self, subscription: SmsSubscription, at: datetime) -> None:
        """Keep a ticket's opt-in to SMS notices (keyed by its ``ticket_id``)."""
        ...

    def subscriptions(self, tokens: Sequence[str]) -> dict[str, SmsSubscription]:
        """The opted-in tickets among ``tokens``."""
        ...

    def mark_ahead_sent(self, ticket_id: int) -> None:
        """Note that a ticket's "N ahead" notice was written (it goes once)."""
        ...

    def unsubscribe(self, ticket_id: int) -> bool:
        """Forget a ticket's opt-in (its holder opted out); whether there was one."""
        ...


class RecentHitStore(Protocol):
    """Recent hits of an allowance, by hall, kind (what is limited) and key (who asks): seen alike
    by every server process on the database."""

    def since(self, hall_id: int, kind: str, key: str, since: datetime) -> list[datetime]:
        """When the key's hits of this kind after ``since`` came, oldest first."""
        ...

    def add(self, hall_id: int, kind: str, key: str, at: datetime) -> None:
        """Count a hit of the key at ``at``."""
        ...

    def forget_until(self, hall_id: int, kind: str, until: datetime) -> None:
        """Drop the hall's hits of this kind (whatever their key) at or before ``until``: they no
        longer count."""
        ...


@dataclass(frozen=True, slots=True)
class Receipt:
    """A gateway's answer to one send."""

    outcome: str  # a ``domain.outbox.Outcome`` value
    detail: str = ""  # the gateway's reason, for the record


class Gateway(Protocol):
    """Carries messages to their destination; never raises for the destination's failures."""

    batch_size: int  # messages one request may carry (1: one a request)

    def send(self, message: MessageRow) -> Receipt:
        """Deliver ``message`` (blocking: the dispatcher runs it on a worker thread)."""
        ...

    def send_many(self, messages: Sequence[MessageRow]) -> list[Receipt]:
        """Deliver up to ``batch_size`` messages in one request: one receipt a message, in order."""
        ...


class Sender(Protocol):
    """Sends a claimed batch, each message with its gateway's settings (their fingerprint first):
    one receipt a message, in order. Where it runs (the server's threads, a process of its own) is
    the composition root's choice."""

    async def send(self, work: list[tuple[str, Mapping[str, Any], MessageRow]]) -> list[Receipt]:
        """Deliver the batch; never raises for a destination's or a gateway's failure."""
        ...

    def close(self) -> None:
        """Stop sending (the server is stopping)."""
        ...
