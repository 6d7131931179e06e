"""The manager console's own API: the allocation matrix, window status, devices, bookings, audit."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.api.params import Day
from queue_server.services.hall import manager

router = APIRouter(tags=["manager"])


@router.get("/assignments", response_model=list[c.WindowAssignments])
async def allocation(runtime: RuntimeDep, actor: ActorDep) -> list[c.WindowAssignments]:
    """Every window's assignments (all seasons) in window order: the windows × services matrix."""
    return await runtime.read(lambda uow: manager.all_assignments(uow, actor))


@router.put("/windows/{window}/status", response_model=c.WindowPublic)
async def set_window_status(
    window: str, body: c.WindowStatusChange, runtime: RuntimeDep, actor: ActorDep
) -> c.WindowPublic:
    """Open, pause or close a window (manager); the board follows at once; audited before/after."""
    return await runtime.write(lambda uow: manager.set_window_status(uow, actor, window, body))


@router.get("/devices/status", response_model=list[c.DeviceReport])
async def device_reports(runtime: RuntimeDep, actor: ActorDep) -> list[c.DeviceReport]:
    """Each device's last health report, flagged silent past the hall's threshold (manager)."""
    return await runtime.read(lambda uow: manager.device_reports(uow, actor))


@router.get("/bookings", response_model=c.BookingsDay)
async def bookings(
    day: Day,
    runtime: RuntimeDep,
    actor: ActorDep,
    service: str | None = None,
    status: c.AppointmentStatus | None = None,
) -> c.BookingsDay:
    """A day's bookings (预约) with their check-ins, of one service or all (manager)."""
    return await runtime.read(lambda uow: manager.bookings_of_day(uow, actor, day, service, status))


@router.get("/audit", response_model=list[c.AuditEntry])
async def audit(
    runtime: RuntimeDep,
    actor: ActorDep,
    action: str | None = Query(default=None, max_length=60, description="a prefix, e.g. assignments"),
    subject: str | None = Query(default=None, max_length=200, description="e.g. window:2"),
    since: AwareDatetime | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[c.AuditEntry]:
    """The audit log, newest first: who changed what, when, with before and after (manager)."""
    return await runtime.read(
        lambda uow: manager.audit_entries(
            uow, actor, action=action, subject=subject, since=since, limit=limit
        )
    )
