"""Window actions: what a clerk does, one POST each."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.api.lean import LeanRoute
from queue_server.domain.actors import Actor
from queue_server.services.desk import actions as desk
from queue_server.services.desk import assignments, windows
from queue_server.services.hall import snapshot as hall
from queue_server.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/windows", tags=["windows"], route_class=LeanRoute)

Simple = Callable[[UnitOfWork, Actor, str, c.WindowCommand | None], c.WindowActionResult]


def _unguarded(handler: Callable[[UnitOfWork, Actor, str], c.WindowActionResult]) -> Simple:
    """A window-status action: about the window, not its ticket, so the body's guard does not apply."""
    return lambda uow, actor, window, _command: handler(uow, actor, window)


SIMPLE_ACTIONS: dict[str, tuple[Simple, str]] = {
    "call-next": (windows.call_next, "下一位: call the next ticket the policy picks for this window"),
    "recall": (windows.recall, "重呼: call the current ticket again (capped)"),
    "start": (windows.start, "The citizen arrived: service starts"),
    "no-show": (windows.no_show, "过号: the citizen did not come"),
    "park": (windows.park, "挂起: set the ticket aside"),
    "open": (_unguarded(windows.open_window), "Open the window (clerk present)"),
    "close": (_unguarded(windows.close_window), "注销: close the window"),
    "resume": (_unguarded(windows.resume), "恢复: end a pause"),
}


def _simple_route(path: str, handler: Simple, summary: str) -> None:
    async def action(
        window: str, runtime: RuntimeDep, actor: ActorDep, body: c.WindowCommand | None = None
    ) -> c.WindowActionResult:
        return await runtime.write(lambda uow: handler(uow, actor, window, body))

    action.__name__ = path.replace("-", "_")
    router.add_api_route(
        f"/{{window}}/{path}", action, methods=["POST"], response_model=c.WindowActionResult, summary=summary
    )


for _path, (_handler, _summary) in SIMPLE_ACTIONS.items():
    _simple_route(_path, _handler, _summary)


@router.post("/{window}/conclude", response_model=c.WindowActionResult)
async def conclude(
    window: str, runtime: RuntimeDep, actor: ActorDep, body: c.Conclude | None = None
) -> c.WindowActionResult:
    """办结: the case is done, with its outcome (default 即办件; 承诺件, 补正, 不予受理, 转办)."""
    return await runtime.write(lambda uow: windows.conclude(uow, actor, window, body))


@router.post("/{window}/transfer", response_model=c.WindowActionResult)
async def transfer(
    window: str, body: c.Transfer, runtime: RuntimeDep, actor: ActorDep
) -> c.WindowActionResult:
    """转移: send the current ticket to another service or window, with a reason."""
    return await runtime.write(lambda uow: windows.transfer(uow, actor, window, body))


@router.post("/{window}/pause", response_model=c.WindowActionResult)
async def pause(window: str, body: c.Pause, runtime: RuntimeDep, actor: ActorDep) -> c.WindowActionResult:
    """暂停: stop taking calls, with a reason."""
    return await runtime.write(lambda uow: windows.pause(uow, actor, window, body))


@router.post("/{window}/requeue", response_model=c.WindowActionResult)
async def requeue(window: str, body: c.Requeue, runtime: RuntimeDep, actor: ActorDep) -> c.WindowActionResult:
    """过号召回: put a late no-show back in the queue."""
    return await runtime.write(lambda uow: windows.requeue(uow, actor, window, body))


@router.post("/{window}/callback", response_model=c.WindowActionResult)
async def callback(
    window: str, body: c.Callback, runtime: RuntimeDep, actor: ActorDep
) -> c.WindowActionResult:
    """回呼: call a parked ticket back to this window."""
    return await runtime.write(lambda uow: windows.callback(uow, actor, window, body))


@router.get("/{window}", response_model=c.WindowPublic)
async def get_window(window: str, runtime: RuntimeDep, actor: ActorDep) -> c.WindowPublic:
    """One window: status, clerk, current ticket, services."""
    return await runtime.read(lambda uow: hall.window_view(uow, actor, window))


@router.get("/{window}/desk", response_model=c.ClerkDesk)
async def get_desk(window: str, runtime: RuntimeDep, actor: ActorDep) -> c.ClerkDesk:
    """The clerk console's view: current ticket with its guide, queue, set-aside tickets, today's work."""
    return await runtime.read(lambda uow: desk.desk(uow, actor, window))


@router.get("/{window}/today", response_model=c.ClerkToday)
async def get_today(window: str, runtime: RuntimeDep, actor: ActorDep) -> c.ClerkToday:
    """The calling clerk's counts and average handling time today at this window (from the events)."""
    return await runtime.read(lambda uow: desk.today(uow, actor, window))


@router.get("/{window}/assignments", response_model=c.WindowAssignments)
async def get_assignments(window: str, runtime: RuntimeDep, actor: ActorDep) -> c.WindowAssignments:
    """What the window serves, in order of preference (every season)."""
    return await runtime.read(lambda uow: assignments.read_assignments(uow, actor, window))


@router.put("/{window}/assignments", response_model=c.WindowAssignments)
async def put_assignments(
    window: str, body: list[c.AssignmentIn], runtime: RuntimeDep, actor: ActorDep
) -> c.WindowAssignments:
    """Replace what the window serves; applies at once (manager)."""
    return await runtime.write(lambda uow: assignments.replace_assignments(uow, actor, window, body))
