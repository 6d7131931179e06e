"""The hall snapshot."""

from __future__ import annotations

from fastapi import APIRouter

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.services import hall

router = APIRouter(tags=["hall"])


@router.get("/hall", response_model=c.HallSnapshot)
async def hall_snapshot(runtime: RuntimeDep, actor: ActorDep, zone: str | None = None) -> c.HallSnapshot:
    """Windows, who serves what, queues and recent calls (``?zone=`` for one zone)."""
    return await runtime.read(lambda uow: hall.hall_snapshot(uow, actor, zone))
