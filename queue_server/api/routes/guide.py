"""The lobby guide's API: find a service by what a citizen says, confirm a declared priority."""

from __future__ import annotations

from fastapi import APIRouter, Query

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.services.hall import guide

router = APIRouter(tags=["lobby guide"])


@router.get("/guide/search", response_model=list[c.ServiceSummary])
async def search(
    runtime: RuntimeDep,
    actor: ActorDep,
    q: str = Query(default="", max_length=40, description="characters, pinyin initials (sbk) or pinyin"),
    limit: int = Query(default=20, ge=1, le=100),
) -> list[c.ServiceSummary]:
    """Services matching ``q``, best first, with their live queues."""
    return await runtime.read(lambda uow: guide.search_services(uow, actor, q, limit))


@router.get("/guide/priority", response_model=list[c.TicketPublic])
async def pending_priority(runtime: RuntimeDep, actor: ActorDep) -> list[c.TicketPublic]:
    """Today's open tickets whose declared priority (绿色通道) nobody has confirmed yet."""
    return await runtime.read(lambda uow: guide.pending_priority(uow, actor))


@router.post("/tickets/{token}/confirm-priority", response_model=c.TicketPublic)
async def confirm_priority(
    token: str, body: c.ConfirmPriority, runtime: RuntimeDep, actor: ActorDep
) -> c.TicketPublic:
    """Staff saw the proof: confirm the priority, correct its class, or decline it (audited)."""
    return await runtime.write(lambda uow: guide.confirm_priority(uow, actor, token, body))
