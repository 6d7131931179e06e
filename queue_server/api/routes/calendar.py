"""The working calendar."""

from __future__ import annotations

from fastapi import APIRouter

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.api.params import Day
from queue_server.services.cases import calendar

router = APIRouter(prefix="/calendar", tags=["calendar"])


@router.get("", response_model=list[c.CalendarEntry])
async def read_calendar(start: Day, end: Day, runtime: RuntimeDep, actor: ActorDep) -> list[c.CalendarEntry]:
    """Each date from ``start`` to ``end`` with its working periods."""
    return await runtime.read(lambda uow: calendar.read_calendar(uow, actor, start, end))


@router.put("/{day}", response_model=c.CalendarEntry)
async def set_day(day: Day, body: c.CalendarDay, runtime: RuntimeDep, actor: ActorDep) -> c.CalendarEntry:
    """Mark a date: holiday, 调休 working day, or extended hours (manager)."""
    return await runtime.write(lambda uow: calendar.set_day(uow, actor, day, body))


@router.delete("/{day}", response_model=c.CalendarEntry)
async def clear_day(day: Day, runtime: RuntimeDep, actor: ActorDep) -> c.CalendarEntry:
    """Let a date follow the weekly hours again (manager)."""
    return await runtime.write(lambda uow: calendar.clear_day(uow, actor, day))


@router.get("/{day}/windows", response_model=list[c.ApprovedWindowHours])
async def window_hours(day: Day, runtime: RuntimeDep, actor: ActorDep) -> list[c.ApprovedWindowHours]:
    """The windows with approved extended hours (延时服务) on a day."""
    return await runtime.read(lambda uow: calendar.window_hours(uow, actor, day))


@router.put("/{day}/windows/{window}", response_model=c.WindowExtendedHours)
async def set_window_hours(
    day: Day, window: str, body: c.WindowExtendedHours, runtime: RuntimeDep, actor: ActorDep
) -> c.WindowExtendedHours:
    """Approve extended hours (延时服务) for one window on a day (manager)."""
    return await runtime.write(lambda uow: calendar.set_window_hours(uow, actor, day, window, body))


@router.delete("/{day}/windows/{window}", status_code=204)
async def clear_window_hours(day: Day, window: str, runtime: RuntimeDep, actor: ActorDep) -> None:
    """Withdraw a window's extended hours on a day (manager)."""
    await runtime.write(lambda uow: calendar.clear_window_hours(uow, actor, day, window))
