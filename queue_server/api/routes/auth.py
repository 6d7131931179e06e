"""Login and logout for the browser consoles (cookie session + CSRF token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from queue_server.api.deps import DEVICE_COOKIE, ActorDep, RuntimeDep
from queue_server.api.security import is_https
from queue_server.auth import sessions
from queue_server.auth.login import Credentials, log_in
from queue_server.contract import LoginHall
from queue_server.domain.actors import Actor

router = APIRouter(prefix="/auth", tags=["auth"])


def _me(actor: Actor) -> dict[str, object]:
    return {"role": actor.role, "name": actor.name, "window": actor.window, "user_id": actor.user_id}


@router.post("/login")
async def login(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    staff_no: Annotated[str, Form(max_length=40)],
    password: Annotated[str, Form(max_length=128)],
    window: Annotated[str | None, Form(max_length=40)] = None,
    hall: Annotated[str | None, Form(max_length=40)] = None,
) -> dict[str, object]:
    """Log in with staff number and password (a clerk names the window they sit at)."""
    address = request.client.host if request.client else ""
    given = Credentials(staff_no=staff_no, password=password, window=window, hall=hall, address=address)
    session, csrf, actor = await log_in(runtime, given)
    secure = is_https(request, runtime.settings.cookie_secure)
    response.set_cookie(sessions.COOKIE, session, httponly=True, samesite="strict", secure=secure)
    response.set_cookie(sessions.CSRF_COOKIE, csrf, httponly=False, samesite="strict", secure=secure)
    _forget_device(response, secure)
    return {**_me(actor), "csrf": csrf}


def _forget_device(response: Response, secure: bool) -> None:
    """A person logs in or out at this browser: whatever screen token it held is dropped."""
    response.delete_cookie(DEVICE_COOKIE, httponly=True, samesite="lax", secure=secure)


@router.post("/logout")
async def logout(
    request: Request, response: Response, runtime: RuntimeDep, actor: ActorDep
) -> dict[str, bool]:
    """End the browser session."""
    session = request.cookies.get(sessions.COOKIE)
    if session:
        await runtime.write(lambda uow: sessions.logout(uow.stores.sessions, runtime.caches.pii_key, session))
    secure = is_https(request, runtime.settings.cookie_secure)
    response.delete_cookie(sessions.COOKIE, secure=secure)
    response.delete_cookie(sessions.CSRF_COOKIE, secure=secure)
    _forget_device(response, secure)
    return {"ok": True}


@router.get("/halls")
async def halls(runtime: RuntimeDep) -> list[LoginHall]:
    """The halls one may log in to (the login form offers the choice where there are several)."""
    rows = await runtime.read(lambda uow: sessions.halls(uow.stores.sessions))
    return [LoginHall(code=code, name=name) for code, name in rows]


@router.get("/me")
async def me(actor: ActorDep) -> dict[str, object]:
    """Who the caller is."""
    return _me(actor)
