"""Typed dependencies: the runtime and the calling actor (bearer token, device cookie or session)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from queue_server.auth import sessions
from queue_server.contract import DEVICE_COOKIE as DEVICE_COOKIE  # re-exported
from queue_server.domain.actors import Actor
from queue_server.runtime import Runtime

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_runtime(request: Request) -> Runtime:
    """The process's runtime, set by the app factory."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def token_actor(runtime: Runtime, token: str) -> Actor:
    """The actor of a bearer or device token, or Unauthorized."""
    actor = runtime.tokens.cached(token)
    if actor is None:
        actor = await runtime.read(lambda uow: runtime.tokens.lookup(uow.repo.conn, token))
    if actor is None:
        raise sessions.Unauthorized("auth.invalid_token")
    return actor


async def optional_actor(request: Request, runtime: RuntimeDep) -> Actor | None:
    """Who is calling, if anyone: ``Authorization: Bearer``, then the device cookie, then a session."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return await token_actor(runtime, header[7:].strip())
    device = request.cookies.get(DEVICE_COOKIE)
    if device:
        return await token_actor(runtime, device)
    session = request.cookies.get(sessions.COOKIE)
    if session:
        found = await runtime.read(
            lambda uow: sessions.lookup(uow.repo.conn, runtime.caches.pii_key, session, uow.now)
        )
        if found is None:
            raise sessions.Unauthorized("auth.required")
        actor, csrf = found
        if request.method not in SAFE_METHODS and request.headers.get(sessions.CSRF_HEADER) != csrf:
            raise sessions.Unauthorized("auth.csrf")
        return actor
    return None


async def required_actor(actor: Annotated[Actor | None, Depends(optional_actor)]) -> Actor:
    """Who is calling; 401 when nobody is."""
    if actor is None:
        raise sessions.Unauthorized("auth.required")
    return actor


ActorDep = Annotated[Actor, Depends(required_actor)]
MaybeActorDep = Annotated[Actor | None, Depends(optional_actor)]
