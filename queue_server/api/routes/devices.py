"""Device health reports."""

from __future__ import annotations

from fastapi import APIRouter

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.services.operations import devices

router = APIRouter(prefix="/devices", tags=["devices"])


@router.post("/status", status_code=204)
async def report_status(body: c.DeviceStatus, runtime: RuntimeDep, actor: ActorDep) -> None:
    """A device reports its state (printer paper out, cover open, offline…)."""
    await runtime.write(lambda uow: devices.report_status(uow, actor, body))
