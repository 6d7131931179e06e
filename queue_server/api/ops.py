"""Operations endpoints and the request context: ``/healthz``, ``/readyz``, ``/metrics``, request ids.

- ``/healthz`` — the process answers (a supervisor restarts it when this fails);
- ``/readyz`` — the database answers, its schema is at the head migration and, on PostgreSQL, the
  LISTEN connection is up; otherwise 503 with the error shape (``server.not_ready``), so a proxy
  sends no traffic to a process that cannot serve it;
- ``/metrics`` — Prometheus text; served to callers on this host that came directly (no
  forwarding header: a request relayed by nginx is never "local") or to a bearer of
  ``HALLQ_METRICS_TOKEN``; anyone else gets 403 ``metrics.forbidden``.

Every HTTP request gets an id (``X-Request-Id``, taken from the proxy when it sent a sane one) that
every log line of the request carries and the response returns, so a clerk's error message can be
matched to the server's log; its latency goes to the ``hallq_request_seconds`` histogram under its
route template. The same middleware adds the security headers (``security.headers_for``) to every
response, a crash's 500 included. A database that went away answers 503
``server.database_unavailable`` at once.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import re
import time
from typing import Any

import psycopg
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from queue_server.api import security
from queue_server.api.errors import error_response
from queue_server.ops import readiness
from queue_server.ops.logs import REQUEST_ID, new_request_id
from queue_server.ops.metrics import HallMetrics
from queue_server.runtime import Runtime

log = logging.getLogger(__name__)
access = logging.getLogger("hallq.access")

READY_TIMEOUT = 3.0  # seconds: a database that does not answer by then is reported down
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
OUTAGE = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _route_template(scope: Scope) -> str:
    """The matched route's template (``/api/v1/windows/{window}/call-next``), with its router's
    prefix; ``other`` for what matched no route (a path a client made up is not a new series)."""
    path = getattr(scope.get("route"), "path", None)
    if not isinstance(path, str) or not path:
        return "other"
    included = (scope.get("fastapi") or {}).get("included_router")  # FastAPI keeps the prefix here
    prefix = getattr(getattr(included, "include_context", None), "prefix", "")
    return f"{prefix}{path}" if isinstance(prefix, str) else path


class RequestContext:
    """ASGI middleware: request id in and out, the security headers (``security.headers_for``),
    latency by route, an access line, no lost crash.

    One middleware, not two wrapping ``send`` each: every response, a crash's 500 answered here
    included, carries the request id and the security headers."""

    def __init__(self, app: ASGIApp, metrics: HallMetrics, access_log: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log
        # Each (method, route, status) series of the latency histogram, looked up once: the
        # histogram's ``labels`` (checks, a lock, a lookup) cost more than the observation itself.
        self._series: dict[tuple[str, str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = _header(scope, b"x-request-id")
        request_id = offered if offered and _SANE_ID.match(offered) else new_request_id()
        token = REQUEST_ID.set(request_id)
        raw_id = request_id.encode()
        extra = security.headers_for(scope.get("path", ""))
        status = 500
        started = False
        began = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _value in headers}
                headers.extend(pair for pair in extra if pair[0] not in present)
                headers.append((b"x-request-id", raw_id))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:  # logged here, inside the request's context, and answered with its id
            log.exception("unhandled error")
            if not started:
                await error_response(500, "server.error")(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - began
            template = _route_template(scope)
            key = (scope.get("method", ""), template, str(status))
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = self.metrics.latency.labels(*key)
            series.observe(elapsed)
            if self.access_log:
                access.info(
                    "%s %s %d",
                    scope.get("method"),
                    template,
                    status,
                    extra={
                        "method": scope.get("method"),
                        "route": template,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                    },
                )
            REQUEST_ID.reset(token)


def _is_local(request: Request) -> bool:
    """A caller on this host that came directly, not relayed by a proxy."""
    if request.headers.get("x-forwarded-for") or request.headers.get("forwarded"):
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "testclient"  # Starlette's in-process test client


def router(runtime: Runtime) -> APIRouter:
    """The operations endpoints of ``runtime``'s process."""
    ops = APIRouter(include_in_schema=False)

    @ops.get("/healthz")
    async def healthz() -> dict[str, object]:
        return {"ok": True, "subscribers": runtime.hub.subscriber_count}

    @ops.get("/readyz")
    async def readyz() -> JSONResponse:
        listener = runtime.listener.connected if runtime.listener is not None else None
        try:
            state = await asyncio.wait_for(
                run_in_threadpool(readiness.check, runtime.read_engine, listener), READY_TIMEOUT
            )
        except TimeoutError:
            state = readiness.Readiness("timeout", "unknown", "n/a" if listener is None else str(listener))
        if not state.ready:
            return error_response(503, "server.not_ready", state.as_fields())
        return JSONResponse({"ready": True, **state.as_fields()})

    @ops.get("/metrics")
    async def metrics(request: Request) -> Response:
        wanted = runtime.settings.metrics_token
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        allowed = _is_local(request) or (bool(wanted) and hmac.compare_digest(given, wanted))
        if not allowed:
            return error_response(403, "metrics.forbidden")
        runtime.metrics.subscribers = runtime.hub.subscriber_count  # read on the loop that owns the hub
        body = await run_in_threadpool(runtime.metrics.render)
        return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")

    return ops


def install(app: FastAPI, runtime: Runtime) -> None:
    """Mount the endpoints, the request context and the database-outage answer on ``app``."""
    app.include_router(router(runtime))
    app.add_middleware(RequestContext, metrics=runtime.metrics, access_log=runtime.settings.access_log)

    async def _outage(_request: Request, error: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", type(error).__name__)
        response = error_response(503, "server.database_unavailable")
        response.headers["Retry-After"] = "5"
        return response

    for kind in OUTAGE:
        app.add_exception_handler(kind, _outage)
