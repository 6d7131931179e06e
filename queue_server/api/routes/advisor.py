"""The allocation advisor (manager): recommendation, what-if, yesterday's prediction against what happened.

Applying a proposal goes through the work-profile routes (audited), as the page does.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.services.advisor import public

router = APIRouter(prefix="/advisor", tags=["allocation"])


@router.post("/recommend", response_model=c.AdvisorProposal)
async def recommend(body: c.AdvisorAsk, runtime: RuntimeDep, actor: ActorDep) -> c.AdvisorProposal:
    """Simulate the day under today's allocation and propose a better one, by time block."""
    return await runtime.read(lambda uow: public.recommendation(uow, actor, uow.stores.history, body))


@router.post("/what-if", response_model=c.AdvisorWhatIf)
async def what_if(body: c.AdvisorWhatIfIn, runtime: RuntimeDep, actor: ActorDep) -> c.AdvisorWhatIf:
    """The day as allocated now and with some windows given other services."""
    return await runtime.read(lambda uow: public.what_if(uow, actor, uow.stores.history, body))


@router.get("/learned", response_model=c.AdvisorLearned)
async def learned(day: date, runtime: RuntimeDep, actor: ActorDep) -> c.AdvisorLearned:
    """What the history of the eight weeks before ``day`` says, with the amount of data behind it."""
    return await runtime.read(lambda uow: public.learned(uow, actor, uow.stores.history, day))


@router.get("/check", response_model=c.AdvisorCheck)
async def check(day: date, runtime: RuntimeDep, actor: ActorDep) -> c.AdvisorCheck:
    """A past day: the mean wait per service the advisor predicts from the weeks before, and the observed."""
    return await runtime.read(lambda uow: public.check(uow, actor, uow.stores.history, day))


@router.post("/predictions", response_model=c.AdvisorPredicted)
async def predict(body: c.AdvisorPredictIn, runtime: RuntimeDep, actor: ActorDep) -> c.AdvisorPredicted:
    """Store the day's prediction under the allocation now (after applying a proposal's block), for
    the next day's comparison with what happened."""
    return await runtime.write(
        lambda uow: public.predict(uow, actor, uow.stores.history, body, "manager page")
    )
