"""Daily supervision (督查): alert history with response times, overdue 差评 follow-ups."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.api.params import Day
from queue_server.services.operations import supervision

router = APIRouter(prefix="/supervision", tags=["supervision"])


@router.get("/alerts", response_model=c.AlertHistory)
async def alerts(
    runtime: RuntimeDep,
    actor: ActorDep,
    by: Literal["rule", "window", "day", "severity"] = "rule",
    date_from: Day | None = None,
    date_to: Day | None = None,
    rule: str | None = None,
) -> c.AlertHistory:
    """Alerts raised in a period (default: the last 30 days) by rule, window, day or severity, with
    response times raised → acknowledged and raised → cleared (mean, median, max seconds)."""
    return await runtime.read(lambda uow: supervision.alert_history(uow, actor, by, date_from, date_to, rule))


@router.get("/follow-ups", response_model=list[c.FollowUpPublic])
async def overdue_follow_ups(runtime: RuntimeDep, actor: ActorDep) -> list[c.FollowUpPublic]:
    """差评 follow-ups past their deadline (核实, 整改 or 回访), earliest first."""
    return await runtime.read(lambda uow: supervision.overdue_follow_ups(uow, actor))
