"""Alerts of the electronic supervision."""

from __future__ import annotations

from fastapi import APIRouter

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.api.params import RowId
from queue_server.services.operations import alerts

router = APIRouter(prefix="/alerts", tags=["alerts"])


@router.get("", response_model=list[c.AlertPublic])
async def list_alerts(runtime: RuntimeDep, actor: ActorDep, history: bool = False) -> list[c.AlertPublic]:
    """Standing yellow and red lights; ``?history=true`` for cleared ones too."""
    return await runtime.read(lambda uow: alerts.list_alerts(uow, actor, open_only=not history))


@router.post("/ack", response_model=list[c.AlertPublic])
async def acknowledge_many(
    body: c.AcknowledgeAlerts, runtime: RuntimeDep, actor: ActorDep
) -> list[c.AlertPublic]:
    """Acknowledge many alerts in one step (manager's triage)."""
    return await runtime.write(lambda uow: alerts.acknowledge_many(uow, actor, body.ids))


@router.post("/{alert_id}/ack", response_model=c.AlertPublic)
async def acknowledge(alert_id: RowId, runtime: RuntimeDep, actor: ActorDep) -> c.AlertPublic:
    """Acknowledge an alert (manager)."""
    return await runtime.write(lambda uow: alerts.acknowledge(uow, actor, alert_id))
