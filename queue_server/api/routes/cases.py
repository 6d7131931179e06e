"""Cases: promised cases followed to completion, and the 一次性告知 notice."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.api.params import RowId
from queue_server.services.cases import outcomes as cases

router = APIRouter(tags=["cases"])


@router.get("/cases", response_model=list[c.CasePublic])
async def list_cases(
    runtime: RuntimeDep, actor: ActorDep, status: Literal["open", "done"] | None = None
) -> list[c.CasePublic]:
    """The hall's cases; ``?status=open`` for promised cases still to complete."""
    return await runtime.read(lambda uow: cases.list_cases(uow, actor, status))


@router.post("/cases/{case_id}/complete", response_model=c.CasePublic)
async def complete_case(case_id: RowId, runtime: RuntimeDep, actor: ActorDep) -> c.CasePublic:
    """Record that a promised case's result is ready (办结)."""
    return await runtime.write(lambda uow: cases.complete_case(uow, actor, case_id))


@router.post("/cases/{case_id}/extend", response_model=c.CasePublic)
async def extend_case(
    case_id: RowId, body: c.ExtendCase, runtime: RuntimeDep, actor: ActorDep
) -> c.CasePublic:
    """Approve an extension of a promised case (manager)."""
    return await runtime.write(lambda uow: cases.extend_case(uow, actor, case_id, body))


@router.post("/cases/{case_id}/reveal-phone")
async def reveal_phone(case_id: RowId, runtime: RuntimeDep, actor: ActorDep) -> dict[str, str]:
    """The full call-back number, for the case owner only (audited)."""
    return {"phone": await runtime.write(lambda uow: cases.reveal_phone(uow, actor, case_id))}


@router.get("/tickets/{token}/notice", response_model=c.Notice)
async def ticket_notice(token: str, runtime: RuntimeDep) -> c.Notice:
    """一次性告知书 of a ticket whose materials were incomplete (public, by the ticket's token)."""
    return await runtime.read(lambda uow: cases.ticket_notice(uow, token))
