"""好差评: ratings from pads and ticket pages, the evaluations, 差评 follow-up, indicators and export."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from queue_server import contract as c
from queue_server.api.deps import ActorDep, MaybeActorDep, RuntimeDep
from queue_server.api.lean import LeanRoute
from queue_server.api.params import Day, RowId
from queue_server.services.evaluations import ratings as evaluations
from queue_server.services.unit_of_work import UnitOfWork

router = APIRouter(tags=["evaluations"], route_class=LeanRoute)


@router.post(
    "/evaluations/{evaluation_id}/rating",
    response_model=c.EvaluationPublic,
    status_code=201,
    responses={200: {"description": "the same rating was already recorded: the first is returned"}},
)
async def rate(
    evaluation_id: RowId,
    body: c.RateEvaluation,
    response: Response,
    runtime: RuntimeDep,
    actor: MaybeActorDep,
) -> c.EvaluationPublic:
    """Record a rating: the window's evaluator token (pad), or ``ticket_token`` (the ticket page's QR)."""
    result, created = await runtime.write(lambda uow: evaluations.rate(uow, actor, evaluation_id, body))
    if not created:
        response.status_code = 200
    return result


@router.get("/evaluations", response_model=list[c.EvaluationPublic])
async def list_evaluations(
    runtime: RuntimeDep,
    actor: ActorDep,
    date_from: Day | None = None,
    date_to: Day | None = None,
    status: Literal["pending", "rated", "unrated", "defaulted"] | None = None,
) -> list[c.EvaluationPublic]:
    """The hall's evaluations requested in a period of local days (manager)."""
    return await runtime.read(
        lambda uow: evaluations.list_evaluations(uow, actor, start=date_from, end=date_to, status=status)
    )


@router.get("/evaluations/indicators", response_model=c.EvaluationIndicators)
async def indicators(
    runtime: RuntimeDep,
    actor: ActorDep,
    by: Literal["hall", "window", "clerk", "service", "department", "day", "month"] = "hall",
    date_from: Day | None = None,
    date_to: Day | None = None,
) -> c.EvaluationIndicators:
    """好评率, 主动评价好评率, 未评率, 差评回复率, 回访整改率, 回访整改满意率 per group (manager)."""
    return await runtime.read(lambda uow: evaluations.indicators(uow, actor, by, date_from, date_to))


@router.get("/evaluations/export", response_class=Response)
async def export(
    runtime: RuntimeDep,
    actor: ActorDep,
    format: Literal["csv", "json"] = "csv",
    date_from: Day | None = None,
    date_to: Day | None = None,
) -> Response:
    """Evaluations for the provincial 好差评 platform (docs/evaluations.md describes the format)."""

    def build(uow: UnitOfWork) -> tuple[str, str]:
        code = uow.catalogue(actor.hall_id).code
        rows = evaluations.export_rows(uow, actor, date_from, date_to)
        return code, evaluations.to_csv(rows) if format == "csv" else evaluations.to_json(rows, code)

    hall_code, text = await runtime.read(build)
    name = f"evaluations-{hall_code}-{date_from or 'all'}-{date_to or 'all'}.{format}"
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    return Response(
        ("\ufeff" + text) if format == "csv" else text,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/evaluations/{evaluation_id}", response_model=c.EvaluationPublic)
async def get_evaluation(evaluation_id: RowId, runtime: RuntimeDep, actor: ActorDep) -> c.EvaluationPublic:
    """One evaluation (manager, or the evaluator device of its window)."""
    return await runtime.read_small(lambda uow: evaluations.evaluation(uow, actor, evaluation_id))


@router.get("/tickets/{token}/evaluation", response_model=c.EvaluationPublic)
async def ticket_evaluation(token: str, runtime: RuntimeDep) -> c.EvaluationPublic:
    """The evaluation of a concluded ticket (public, by its token): the status page rates from it."""
    return await runtime.read_small(lambda uow: evaluations.ticket_evaluation(uow, token))


@router.get("/windows/{window}/pending-evaluation", response_model=c.EvaluationPublic | None)
async def pending_evaluation(window: str, runtime: RuntimeDep, actor: ActorDep) -> c.EvaluationPublic | None:
    """The window's evaluation still waiting for a rating, or null (the window's evaluator device)."""
    return await runtime.read_small(lambda uow: evaluations.pending_at_window(uow, actor, window))


@router.get("/follow-ups", response_model=list[c.FollowUpPublic])
async def list_follow_ups(
    runtime: RuntimeDep, actor: ActorDep, history: bool = False
) -> list[c.FollowUpPublic]:
    """差评 follow-up cases still open (``?history=true`` for closed ones too), earliest due first."""
    return await runtime.read(lambda uow: evaluations.list_follow_ups(uow, actor, open_only=not history))


@router.post("/follow-ups/{follow_up_id}", response_model=c.FollowUpPublic)
async def step_follow_up(
    follow_up_id: RowId, body: c.FollowUpStep, runtime: RuntimeDep, actor: ActorDep
) -> c.FollowUpPublic:
    """核实, 整改, 回访 (with the citizen's satisfaction), reassign or note a 差评 follow-up (manager)."""
    return await runtime.write(lambda uow: evaluations.step_follow_up(uow, actor, follow_up_id, body))
