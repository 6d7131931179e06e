"""The managers' view of the outbox: each destination's figures, and retry or drop a dead message."""

from __future__ import annotations

from typing import Any

from queue_server import contract as c
from queue_server.domain.actors import Actor, Permission
from queue_server.domain.errors import NotFound, Rejected
from queue_server.domain.outbox import Status
from queue_server.services.outbox.ports import MessageRow
from queue_server.services.unit_of_work import UnitOfWork

SHOWN_DEAD = 200


def outbox_view(uow: UnitOfWork, actor: Actor) -> c.OutboxView:
    """Every destination's sent, pending, dead and dropped messages, and the dead ones to decide on."""
    actor.require(Permission.MANAGE_HALL)
    figures = uow.stores.outbox.figures(actor.hall_id)
    dead = uow.stores.outbox.latest(actor.hall_id, [Status.DEAD.value], SHOWN_DEAD)
    return c.OutboxView(
        destinations=[
            c.OutboxDestination(
                destination=f.destination,
                sent=f.sent,
                pending=f.pending,
                dead=f.dead,
                dropped=f.dropped,
                failing=f.failing,
                oldest_pending_at=f.oldest_pending,
            )
            for f in figures
        ],
        dead=[_public(row) for row in dead],
    )


def retry_message(uow: UnitOfWork, actor: Actor, message_id: int) -> c.OutboxMessage:
    """Send a dead message again (with the same idempotency key), audited."""
    row = _dead(uow, actor, message_id)
    uow.stores.outbox.revive(row.id, uow.now, actor.label)
    uow.audit(actor, "outbox.retry", f"outbox:{row.id}", {"kind": row.kind, "error": row.last_error})
    return _public(_get(uow, row.id))


def drop_message(uow: UnitOfWork, actor: Actor, message_id: int) -> c.OutboxMessage:
    """Give a dead message up for good, audited."""
    row = _dead(uow, actor, message_id)
    uow.stores.outbox.drop(row.id, uow.now, actor.label)
    uow.audit(actor, "outbox.drop", f"outbox:{row.id}", {"kind": row.kind, "error": row.last_error})
    return _public(_get(uow, row.id))


def _dead(uow: UnitOfWork, actor: Actor, message_id: int) -> MessageRow:
    actor.require(Permission.MANAGE_HALL)
    row = uow.stores.outbox.get(message_id)
    if row is None or row.hall_id != actor.hall_id:
        raise NotFound("outbox.not_found")
    if row.status != Status.DEAD.value:
        raise Rejected("outbox.not_dead", status=row.status)
    return row


def _get(uow: UnitOfWork, message_id: int) -> MessageRow:
    row = uow.stores.outbox.get(message_id)
    if row is None:
        raise NotFound("outbox.not_found")
    return row


def _public(row: MessageRow) -> c.OutboxMessage:
    return c.OutboxMessage(
        id=row.id,
        destination=row.destination,
        kind=row.kind,
        status=row.status,
        attempts=row.attempts,
        created_at=row.created_at,
        last_error=row.last_error,
        summary=_summary(row.payload),
    )


def _summary(payload: dict[str, Any]) -> dict[str, Any]:
    """What a manager may see of a payload: never the encrypted number, only its masked form."""
    return {k: v for k, v in payload.items() if k != "phone_cipher"}
