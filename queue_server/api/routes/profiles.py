"""Work profiles (工作模板): named service sets applied to many windows at once."""

from __future__ import annotations

from fastapi import APIRouter, Response

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.api.params import RowId
from queue_server.services.desk import profiles

router = APIRouter(prefix="/work-profiles", tags=["allocation"])


@router.get("", response_model=list[c.WorkProfile])
async def list_profiles(runtime: RuntimeDep, actor: ActorDep) -> list[c.WorkProfile]:
    """The hall's work profiles."""
    return await runtime.read(lambda uow: profiles.list_profiles(uow, actor))


@router.post("", response_model=c.WorkProfile, status_code=201)
async def create_profile(body: c.WorkProfileIn, runtime: RuntimeDep, actor: ActorDep) -> c.WorkProfile:
    """A new profile (manager; audited)."""
    return await runtime.write(lambda uow: profiles.save_profile(uow, actor, body))


@router.put("/{profile_id}", response_model=c.WorkProfile)
async def update_profile(
    profile_id: RowId, body: c.WorkProfileIn, runtime: RuntimeDep, actor: ActorDep
) -> c.WorkProfile:
    """Rename a profile or change its services (windows keep theirs until it is applied again)."""
    return await runtime.write(lambda uow: profiles.save_profile(uow, actor, body, profile_id))


@router.delete("/{profile_id}", status_code=204)
async def delete_profile(profile_id: RowId, runtime: RuntimeDep, actor: ActorDep) -> Response:
    """Drop a profile."""
    await runtime.write(lambda uow: profiles.delete_profile(uow, actor, profile_id))
    return Response(status_code=204)


@router.post("/{profile_id}/preview", response_model=c.ProfilePreview)
async def preview(
    profile_id: RowId, body: c.ApplyProfile, runtime: RuntimeDep, actor: ActorDep
) -> c.ProfilePreview:
    """Before applying: the services that would be left without any open window."""
    return await runtime.read(lambda uow: profiles.preview(uow, actor, profile_id, body))


@router.post("/{profile_id}/apply", response_model=list[c.WindowAssignments])
async def apply(
    profile_id: RowId, body: c.ApplyProfile, runtime: RuntimeDep, actor: ActorDep
) -> list[c.WindowAssignments]:
    """Give the windows the profile's services in its order (audited per window, live at once)."""
    return await runtime.write(lambda uow: profiles.apply_profile(uow, actor, profile_id, body))
