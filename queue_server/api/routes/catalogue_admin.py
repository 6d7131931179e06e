"""The manager's service catalogue: every service (switched off ones too), create, change, guides."""

from __future__ import annotations

from fastapi import APIRouter

from queue_server import contract as c
from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.services.admin import catalogue as catalogue_admin

router = APIRouter(prefix="/catalogue", tags=["catalogue"])


@router.get("/services", response_model=list[c.ServiceAdmin])
async def list_services(runtime: RuntimeDep, actor: ActorDep) -> list[c.ServiceAdmin]:
    """Every service of the hall with its guide, windows and zones (manager)."""
    return await runtime.read(lambda uow: catalogue_admin.list_services(uow, actor))


@router.get("/services/{code}", response_model=c.ServiceAdmin)
async def get_service(code: str, runtime: RuntimeDep, actor: ActorDep) -> c.ServiceAdmin:
    """One service as the manager edits it."""
    return await runtime.read(lambda uow: catalogue_admin.read_service(uow, actor, code))


@router.post("/services", response_model=c.ServiceAdmin, status_code=201)
async def create_service(body: c.ServiceCreate, runtime: RuntimeDep, actor: ActorDep) -> c.ServiceAdmin:
    """Add a service item; audited, live at once."""
    return await runtime.write(lambda uow: catalogue_admin.create_service(uow, actor, body))


@router.patch("/services/{code}", response_model=c.ServiceAdmin)
async def update_service(
    code: str, body: c.ServicePatch, runtime: RuntimeDep, actor: ActorDep
) -> c.ServiceAdmin:
    """Change a service and its guide (the fields given); audited with before and after, live at once."""
    return await runtime.write(lambda uow: catalogue_admin.update_service(uow, actor, code, body))


@router.get("/departments", response_model=list[c.DepartmentPublic])
async def list_departments(runtime: RuntimeDep, actor: ActorDep) -> list[c.DepartmentPublic]:
    """The hall's departments (实施主体)."""
    return await runtime.read(lambda uow: catalogue_admin.list_departments(uow, actor))
