"""The city view's API (政务服务管理局): every hall's figures of today, read-only."""

from __future__ import annotations

from fastapi import APIRouter

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.services.city.overview import overview

router = APIRouter(prefix="/city", tags=["city"])


@router.get("/halls", response_model=c.CityOverview)
async def city_halls(runtime: RuntimeDep, actor: ActorDep) -> c.CityOverview:
    """Per hall: waiting now, served today, mean/p90 wait today, 好评率 (month, today), open alerts (city)."""
    return await runtime.read(lambda uow: overview(uow, actor))
