"""投诉 and 表扬 registers (manager): register, judge and report back complaints; record praise."""

from __future__ import annotations

from fastapi import APIRouter

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.api.params import Day, RowId
from queue_server.services.evaluations import complaints

router = APIRouter(tags=["assessment"])


@router.get("/complaints", response_model=list[c.ComplaintPublic])
async def list_complaints(
    runtime: RuntimeDep, actor: ActorDep, date_from: Day | None = None, date_to: Day | None = None
) -> list[c.ComplaintPublic]:
    """The complaint register, newest first (received on local days date_from..date_to)."""
    return await runtime.read(lambda uow: complaints.list_complaints(uow, actor, date_from, date_to))


@router.post("/complaints", response_model=c.ComplaintPublic, status_code=201)
async def register(body: c.NewComplaint, runtime: RuntimeDep, actor: ActorDep) -> c.ComplaintPublic:
    """Register a complaint (登记); a contact phone is kept masked and hashed only."""
    return await runtime.write(lambda uow: complaints.register_complaint(uow, actor, body))


@router.get("/complaints/{complaint_id}", response_model=c.ComplaintPublic)
async def one(complaint_id: RowId, runtime: RuntimeDep, actor: ActorDep) -> c.ComplaintPublic:
    """One complaint."""
    return await runtime.read(lambda uow: complaints.complaint(uow, actor, complaint_id))


@router.post("/complaints/{complaint_id}/verdict", response_model=c.ComplaintPublic)
async def judge(
    complaint_id: RowId, body: c.JudgeComplaint, runtime: RuntimeDep, actor: ActorDep
) -> c.ComplaintPublic:
    """The investigation's result: verified (查实, with its deduction) or unfounded."""
    return await runtime.write(lambda uow: complaints.judge_complaint(uow, actor, complaint_id, body))


@router.post("/complaints/{complaint_id}/report", response_model=c.ComplaintPublic)
async def report(
    complaint_id: RowId, body: c.ReportComplaint, runtime: RuntimeDep, actor: ActorDep
) -> c.ComplaintPublic:
    """The outcome as reported back to the complainant (反馈)."""
    return await runtime.write(lambda uow: complaints.report_complaint(uow, actor, complaint_id, body))


@router.get("/praise", response_model=list[c.PraisePublic])
async def list_praise(
    runtime: RuntimeDep, actor: ActorDep, date_from: Day | None = None, date_to: Day | None = None
) -> list[c.PraisePublic]:
    """The praise register (表扬信, 锦旗), newest first."""
    return await runtime.read(lambda uow: complaints.list_praise(uow, actor, date_from, date_to))


@router.post("/praise", response_model=c.PraisePublic, status_code=201)
async def record_praise(body: c.NewPraise, runtime: RuntimeDep, actor: ActorDep) -> c.PraisePublic:
    """Record a praise letter or banner for a window (and its clerk)."""
    return await runtime.write(lambda uow: complaints.record_praise(uow, actor, body))
