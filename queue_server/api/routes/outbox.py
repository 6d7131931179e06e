"""The outbox as managers see it: each destination's figures; retry or drop a dead message."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.api.params import RowId
from queue_server.auth.sessions import TooManyAttempts
from queue_server.services.outbox import board, ratings, trial

router = APIRouter(prefix="/outbox", tags=["outbox"])


@router.get("", response_model=c.OutboxView)
async def outbox_view(runtime: RuntimeDep, actor: ActorDep) -> c.OutboxView:
    """Sent, pending, failing and dead messages per destination, and the dead ones (manager)."""
    return await runtime.read(lambda uow: board.outbox_view(uow, actor))


@router.get("/reconciliation", response_model=list[dict[str, Any]])
async def reconciliation(
    start: date, end: date, runtime: RuntimeDep, actor: ActorDep
) -> list[dict[str, Any]]:
    """Per day: ratings stored, accepted by the 好差评 platform, pending, refused (manager)."""
    return await runtime.read(lambda uow: ratings.reconciliation(uow, actor, start, end))


@router.post("/test-sms", response_model=c.SmsTrialResult)
async def test_sms(body: c.SmsTrial, runtime: RuntimeDep, actor: ActorDep) -> c.SmsTrialResult:
    """One test text through the hall's saved SMS gateway, answered with the gateway's verdict
    (manager; audited, the number masked; a few per hall in 10 minutes)."""
    sent = await runtime.read(lambda uow: trial.prepare(uow, actor, body))
    wait = await runtime.write(lambda uow: trial.take_turn(uow, actor))
    if wait:
        raise TooManyAttempts("outbox.test_sms_busy", retry_after=math.ceil(wait))
    if runtime.gateways is None:  # no composition root wired the gateways: nothing can be sent
        raise RuntimeError("no gateway factory")
    gateway = runtime.gateways(sent.gateway)
    receipt = await run_in_threadpool(gateway.send, sent.message)  # off the writer and the loop
    return await runtime.write(lambda uow: trial.record(uow, actor, sent, receipt))


@router.post("/{message_id}/retry", response_model=c.OutboxMessage)
async def retry(message_id: RowId, runtime: RuntimeDep, actor: ActorDep) -> c.OutboxMessage:
    """Send a dead message again, with its idempotency key (audited)."""
    return await runtime.write(lambda uow: board.retry_message(uow, actor, message_id))


@router.post("/{message_id}/drop", response_model=c.OutboxMessage)
async def drop(message_id: RowId, runtime: RuntimeDep, actor: ActorDep) -> c.OutboxMessage:
    """Give a dead message up for good (audited)."""
    return await runtime.write(lambda uow: board.drop_message(uow, actor, message_id))
