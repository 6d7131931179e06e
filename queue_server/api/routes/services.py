"""Services and their guides."""

from __future__ import annotations

from fastapi import APIRouter

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.services.hall import snapshot as hall

router = APIRouter(prefix="/services", tags=["services"])


@router.get("", response_model=list[c.ServiceSummary])
async def list_services(runtime: RuntimeDep, actor: ActorDep) -> list[c.ServiceSummary]:
    """Every service with its live queue (kiosk start screen)."""
    return await runtime.read(lambda uow: hall.list_services(uow, actor))


@router.get("/{code}", response_model=c.ServiceDetail)
async def get_service(code: str, runtime: RuntimeDep, actor: ActorDep) -> c.ServiceDetail:
    """One service with its full guide (办事指南)."""
    return await runtime.read(lambda uow: hall.service_detail(uow, actor, code))
