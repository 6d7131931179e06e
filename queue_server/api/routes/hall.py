"""The hall snapshot."""

from __future__ import annotations

from fastapi import APIRouter

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.services.hall import settings
from queue_server.services.hall import snapshot as hall
from queue_server.services.outbox import trial

router = APIRouter(tags=["hall"])


@router.get("/hall", response_model=c.HallSnapshot)
async def hall_snapshot(runtime: RuntimeDep, actor: ActorDep, zone: str | None = None) -> c.HallSnapshot:
    """Windows, who serves what, queues and recent calls (``?zone=`` for one zone)."""
    return await runtime.read(lambda uow: hall.hall_snapshot(uow, actor, zone))


@router.get("/hall/settings", response_model=c.HallSettingsModel)
async def get_settings(runtime: RuntimeDep, actor: ActorDep) -> c.HallSettingsModel:
    """The hall's rules: hours, numbering, calling policy, recalls, transfers."""
    return await runtime.read(lambda uow: settings.read_settings(uow, actor))


@router.put("/hall/settings", response_model=c.HallSettingsModel)
async def put_settings(
    body: c.HallSettingsModel, runtime: RuntimeDep, actor: ActorDep
) -> c.HallSettingsModel:
    """Change the hall's rules live (manager); audited with before and after."""
    return await runtime.write(lambda uow: settings.replace_settings(uow, actor, body))


@router.get("/hall/settings/notice-kinds", response_model=c.NoticeKinds)
async def notice_kinds(runtime: RuntimeDep, actor: ActorDep) -> c.NoticeKinds:
    """Each SMS notice's placeholders and default wording, with sample values (manager)."""
    return await runtime.read(lambda uow: trial.notice_kinds(uow, actor))
