"""Typed dependencies: the runtime and the calling actor (bearer token, session or device cookie).

A browser may hold two cookies: a staff session (consoles) and a device token (a board or window
screen opened with ``?token=``). The staff session always wins, so a planted or stale device cookie
can never stand in for the person logged in. The device cookie speaks only for a screen: it is
accepted for a board token and for reads only, since it carries no CSRF token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from queue_server.auth import sessions
from queue_server.contract import DEVICE_COOKIE as DEVICE_COOKIE  # re-exported
from queue_server.contract import Role
from queue_server.domain.actors import Actor
from queue_server.runtime import ACTING_FOR, Runtime

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
DEVICE_PAGE_ROLES = frozenset({Role.BOARD.value})  # the tokens a screen's cookie may hold


async def get_runtime(request: Request) -> Runtime:
    """The process's runtime, set by the app factory (``async``: FastAPI runs a plain ``def``
    dependency on a worker thread, a thread hop per request for an attribute read)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def token_actor(runtime: Runtime, token: str) -> Actor:
    """The actor of a bearer or device token, or Unauthorized."""
    actor = runtime.tokens.cached(token)
    if actor is None:
        actor = await runtime.read(lambda uow: runtime.tokens.lookup(uow.stores.sessions, token))
    if actor is None:
        raise sessions.Unauthorized("auth.invalid_token")
    return actor


async def device_page_actor(runtime: Runtime, token: str) -> Actor | None:
    """The actor of a token a device page may keep in its cookie; None for any other token."""
    try:
        actor = await token_actor(runtime, token)
    except sessions.Unauthorized:
        return None
    return actor if actor.role in DEVICE_PAGE_ROLES else None


async def optional_actor(request: Request, runtime: RuntimeDep) -> Actor | None:
    """Who is calling, if anyone; the request's writes then act for the caller's hall."""
    actor = await _caller(request, runtime)
    if actor is not None:
        ACTING_FOR.set(actor.hall_id)
    return actor


async def _caller(request: Request, runtime: Runtime) -> Actor | None:
    """``Authorization: Bearer``, then a session, then the device cookie."""
    actor: Actor | None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return await token_actor(runtime, header[7:].strip())
    session = request.cookies.get(sessions.COOKIE)
    if session:
        found = await runtime.read(
            lambda uow: sessions.lookup(uow.stores.sessions, runtime.caches.pii_key, session, uow.now)
        )
        if found is None:
            raise sessions.Unauthorized("auth.required")
        actor, csrf = found
        if request.method not in SAFE_METHODS and request.headers.get(sessions.CSRF_HEADER) != csrf:
            raise sessions.Unauthorized("auth.csrf")
        return actor
    device = request.cookies.get(DEVICE_COOKIE)
    if device:
        if request.method not in SAFE_METHODS:  # a screen only shows; its cookie changes nothing
            raise sessions.Unauthorized("auth.device_cookie")
        actor = await device_page_actor(runtime, device)
        if actor is None:
            raise sessions.Unauthorized("auth.invalid_token")
        return actor
    return None


async def required_actor(request: Request) -> Actor:
    """Who is calling; 401 when nobody is. One dependency with no dependencies of its own: FastAPI
    solves every level of them again on each request, and nearly every request has this one."""
    runtime: Runtime = request.app.state.runtime
    actor = await _caller(request, runtime)
    if actor is None:
        raise sessions.Unauthorized("auth.required")
    ACTING_FOR.set(actor.hall_id)
    return actor


ActorDep = Annotated[Actor, Depends(required_actor)]
MaybeActorDep = Annotated[Actor | None, Depends(optional_actor)]
