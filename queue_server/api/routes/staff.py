"""Staff accounts and device tokens, for the manager's console (and any API client)."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.api.params import RowId
from queue_server.domain.errors import Forbidden
from queue_server.services.admin import staff

router = APIRouter(tags=["staff"])


@router.get("/staff", response_model=list[c.StaffPublic])
async def list_staff(runtime: RuntimeDep, actor: ActorDep) -> list[c.StaffPublic]:
    """Everyone with an account, deactivated people included (manager)."""
    return await runtime.read(lambda uow: staff.list_staff(uow, actor))


@router.post("/staff", response_model=c.StaffPublic, status_code=201)
async def create_staff(body: c.StaffCreate, runtime: RuntimeDep, actor: ActorDep) -> c.StaffPublic:
    """Open an account for a clerk or a manager (an admin's only by an admin)."""
    hashed = await runtime.passwords.hash(staff.vet_new_staff(actor, body))
    return await runtime.write(lambda uow: staff.create_staff(uow, actor, body, hashed))


@router.patch("/staff/{staff_no}", response_model=c.StaffPublic)
async def update_staff(
    staff_no: str, body: c.StaffPatch, runtime: RuntimeDep, actor: ActorDep
) -> c.StaffPublic:
    """Name, role, default window, AB partner (both ways), active; ``null`` clears window or partner."""
    return await runtime.write(lambda uow: staff.update_staff(uow, actor, staff_no, body))


@router.post("/staff/{staff_no}/password", response_model=c.PasswordResetDone)
async def reset_password(
    staff_no: str, body: c.PasswordReset, runtime: RuntimeDep, actor: ActorDep
) -> c.PasswordResetDone:
    """Reset a password (none given: a temporary one, shown once); the person is logged out.
    Only an admin resets a manager's password; a refused reset is audited too."""
    new = staff.new_password(actor, body)
    new = replace(new, hashed=await runtime.passwords.hash(new.password))
    try:
        return await runtime.write(lambda uow: staff.reset_password(uow, actor, staff_no, new))
    except Forbidden:
        await runtime.write(lambda uow: staff.audit_refused_reset(uow, actor, staff_no))
        raise


@router.get("/devices/tokens", response_model=list[c.DeviceTokenPublic])
async def list_tokens(runtime: RuntimeDep, actor: ActorDep) -> list[c.DeviceTokenPublic]:
    """Device and API tokens with their devices' last reports (never the tokens themselves)."""
    return await runtime.read(lambda uow: staff.list_device_tokens(uow, actor))


@router.post("/devices/tokens", response_model=c.DeviceTokenIssued, status_code=201)
async def issue_token(
    body: c.IssueDeviceToken, request: Request, runtime: RuntimeDep, actor: ActorDep
) -> c.DeviceTokenIssued:
    """Issue a device token: the reply is the only time it is shown (with its pairing QR code)."""
    base = str(request.base_url)
    return await runtime.write(lambda uow: staff.issue_device_token(uow, actor, runtime.tokens, body, base))


@router.post("/devices/tokens/{token_id}/revoke", response_model=c.DeviceTokenPublic)
async def revoke_token(token_id: RowId, runtime: RuntimeDep, actor: ActorDep) -> c.DeviceTokenPublic:
    """Revoke a token: refused from the next request on, its open websockets closed."""
    return await runtime.write(lambda uow: staff.revoke_device_token(uow, actor, runtime.tokens, token_id))
