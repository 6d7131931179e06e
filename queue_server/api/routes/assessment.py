"""The monthly window assessment (考核): rubric, sheets, managers' entries, 模范, closing the month."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.api.params import RowId
from queue_server.services.assessment import scores as assessment
from queue_server.services.evaluations import rubrics

router = APIRouter(prefix="/assessment", tags=["assessment"])


@router.get("/rubric")
async def get_rubric(runtime: RuntimeDep, actor: ActorDep) -> dict[str, Any]:
    """The hall's rubric: sections, rules with points, bonus cap, flag and grade settings."""
    return await runtime.read(lambda uow: rubrics.get_rubric(uow, actor))


@router.put("/rubric")
async def put_rubric(runtime: RuntimeDep, actor: ActorDep, body: dict[str, Any] = Body()) -> dict[str, Any]:
    """Replace the hall's rubric (validated, audited)."""
    return await runtime.write(lambda uow: rubrics.put_rubric(uow, actor, body))


@router.get("/{month}", response_model=c.MonthAssessment)
async def month(month: str, runtime: RuntimeDep, actor: ActorDep) -> c.MonthAssessment:
    """The month's ranking with every window's sheet and every clerk's grade (frozen once closed)."""
    return await runtime.read(lambda uow: assessment.month_assessment(uow, actor, month))


@router.post("/{month}/entries", response_model=c.WindowAssessment, status_code=201)
async def add_entry(
    month: str, body: c.NewAssessmentEntry, runtime: RuntimeDep, actor: ActorDep
) -> c.WindowAssessment:
    """A manager's item with its reason (a rubric rule, or a measured item waived); the window's new sheet."""
    return await runtime.write(lambda uow: assessment.add_entry(uow, actor, month, body))


@router.delete("/{month}/entries/{entry_id}", response_model=c.MonthAssessment)
async def withdraw_entry(
    month: str, entry_id: RowId, runtime: RuntimeDep, actor: ActorDep
) -> c.MonthAssessment:
    """Withdraw a manager's item (kept in the record as withdrawn)."""
    return await runtime.write(lambda uow: assessment.withdraw_entry(uow, actor, month, entry_id))


@router.post("/{month}/model", response_model=c.MonthAssessment)
async def confirm_model(
    month: str, body: c.ConfirmModel, runtime: RuntimeDep, actor: ActorDep
) -> c.MonthAssessment:
    """Confirm (or withdraw) a 模范窗口 among the month's eligible windows."""
    return await runtime.write(lambda uow: assessment.confirm_model(uow, actor, month, body))


@router.post("/{month}/close", response_model=c.MonthAssessment)
async def close(month: str, runtime: RuntimeDep, actor: ActorDep) -> c.MonthAssessment:
    """Close a finished month: results, 黄旗, warnings and 群众不满意窗口 (限期整改 sign) are frozen."""
    return await runtime.write(lambda uow: assessment.close_month(uow, actor, month))
