"""The dispatcher's two writer jobs: claim due messages, and record what an attempt came to.

Sending happens between the two, outside the writer and any request (``queue_server.api.dispatcher``).
A claim leases messages to one dispatcher for a while; a dispatcher that dies mid-send loses its
lease and another (or the same after a restart) sends the message again with the same idempotency
key, so a gateway that honours the key delivers it once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from queue_server.domain.actors import Actor
from queue_server.domain.outbox import Outcome, RetryPolicy, Status, settle
from queue_server.domain.personal import mask_free_text
from queue_server.services.outbox.ports import Attempt, MessageRow, Receipt
from queue_server.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

SYSTEM = "outbox"


def claim_due(
    uow: UnitOfWork, owner: str, lease: timedelta, limit: int, skip: Sequence[tuple[int, str]] = ()
) -> list[MessageRow]:
    """Lease up to ``limit`` due messages (each the oldest pending one of its citizen) to ``owner``,
    none of the (hall, destination) pairs in ``skip`` (away right now)."""
    return uow.stores.outbox.claim(uow.now, owner, uow.now + lease, limit, skip)


def destination_back(uow: UnitOfWork, hall_id: int, destination: str) -> int:
    """A hall's destination answers again: what waits out a back-off for it goes now, in order."""
    return uow.stores.outbox.hasten(hall_id, destination, uow.now)


def record_attempts(
    uow: UnitOfWork, policy: RetryPolicy, owner: str, done: Sequence[tuple[MessageRow, Receipt]]
) -> list[str]:
    """Store a round's attempts in one transaction; each message's new status. The deliveries go
    in one statement (most of a round); the rest, one by one with their back-off or dead letter."""
    delivered = [message.id for message, receipt in done if receipt.outcome == Outcome.DELIVERED.value]
    kept = set(uow.stores.outbox.settle_sent(delivered, owner, uow.now))
    if len(kept) < len(delivered):
        log.warning(
            "outbox: %d messages' leases lost before their delivery was stored", len(delivered) - len(kept)
        )
    return [
        ("sent" if message.id in kept else "lost")
        if receipt.outcome == Outcome.DELIVERED.value
        else record_attempt(uow, policy, owner, message, receipt)
        for message, receipt in done
    ]


def record_and_claim(
    uow: UnitOfWork,
    policy: RetryPolicy,
    owner: str,
    done: Sequence[tuple[MessageRow, Receipt]],
    lease: timedelta,
    limit: int,
    skip: Sequence[tuple[int, str]] = (),
) -> list[MessageRow]:
    """A busy dispatcher's one job per batch: store the last batch's attempts, then lease the next
    (a message delivered just now lets the next one of its citizen go in this very claim)."""
    record_attempts(uow, policy, owner, done)
    return claim_due(uow, owner, lease, limit, skip)


def record_attempt(
    uow: UnitOfWork, policy: RetryPolicy, owner: str, message: MessageRow, receipt: Receipt
) -> str:
    """Store an attempt's outcome: sent, retried later with a growing pause, or dead-lettered.

    Returns the message's new status ("lost" when another dispatcher took it over meanwhile).
    """
    attempts = message.attempts + 1
    outcome = Outcome(receipt.outcome)
    # A gateway's reason may name the number (e.g. "13800138000 已退订"): kept and shown masked.
    reason = mask_free_text(receipt.detail)
    done = settle(policy, outcome, attempts, message.created_at, uow.now, reason)
    kept = uow.stores.outbox.settle(
        Attempt(message.id, owner, done.status.value, attempts, done.next_at, done.error, uow.now)
    )
    if not kept:
        log.warning("outbox message %d: lease lost before its result was stored", message.id)
        return "lost"
    if done.status is Status.DEAD:
        system = Actor(hall_id=message.hall_id, role="admin", name=SYSTEM)
        detail = {"id": message.id, "destination": message.destination, "kind": message.kind}
        uow.record(system, "outbox.dead", data={**detail, "reason": reason[:200]})
        uow.emit(message.hall_id, "outbox.dead", ("manager",), {**detail, "reason": reason[:200]})
    return done.status.value


def gateway_settings(uow: UnitOfWork, hall_id: int, destination: str) -> dict[str, Any]:
    """The hall's stored settings of the gateway that carries ``destination`` (empty: log only)."""
    stored = uow.stores.hall.rules(hall_id).settings
    section = {"sms": "notices", "evaluation": "evaluation_push"}.get(destination, destination)
    gateway = (stored.get(section) or {}).get("gateway") or {}
    return dict(gateway)
