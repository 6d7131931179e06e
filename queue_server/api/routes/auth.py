"""Login and logout for the browser consoles (cookie session + CSRF token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from queue_server.api.deps import ActorDep, RuntimeDep
from queue_server.auth import sessions
from queue_server.auth.login import Credentials, log_in
from queue_server.domain.actors import Actor

router = APIRouter(prefix="/auth", tags=["auth"])


def _me(actor: Actor) -> dict[str, object]:
    return {"role": actor.role, "name": actor.name, "window": actor.window, "user_id": actor.user_id}


@router.post("/login")
async def login(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    staff_no: Annotated[str, Form()],
    password: Annotated[str, Form()],
    window: Annotated[str | None, Form()] = None,
    hall: Annotated[str | None, Form()] = None,
) -> dict[str, object]:
    """Log in with staff number and password (a clerk names the window they sit at)."""
    address = request.client.host if request.client else ""
    given = Credentials(staff_no=staff_no, password=password, window=window, hall=hall, address=address)
    session, csrf, actor = await log_in(runtime, given)
    secure = runtime.settings.cookie_secure
    response.set_cookie(sessions.COOKIE, session, httponly=True, samesite="strict", secure=secure)
    response.set_cookie(sessions.CSRF_COOKIE, csrf, httponly=False, samesite="strict", secure=secure)
    return {**_me(actor), "csrf": csrf}


@router.post("/logout")
async def logout(
    request: Request, response: Response, runtime: RuntimeDep, actor: ActorDep
) -> dict[str, bool]:
    """End the browser session."""
    session = request.cookies.get(sessions.COOKIE)
    if session:
        await runtime.write(lambda uow: sessions.logout(uow.repo.conn, runtime.caches.pii_key, session))
    response.delete_cookie(sessions.COOKIE)
    response.delete_cookie(sessions.CSRF_COOKIE)
    return {"ok": True}


@router.get("/me")
async def me(actor: ActorDep) -> dict[str, object]:
    """Who the caller is."""
    return _me(actor)
