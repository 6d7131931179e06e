"""The FastAPI application factory: routes, error handlers, and the runtime's lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from queue_server import contract
from queue_server.api import errors, openapi, ops, route_index
from queue_server.api.chores import Housekeeper
from queue_server.api.dispatcher import Dispatcher
from queue_server.api.guard import RequestGuard
from queue_server.api.routes import (
    advisor,
    alerts,
    appointments,
    assessment,
    auth,
    calendar,
    cases,
    catalogue_admin,
    city,
    complaints,
    devices,
    evaluations,
    guide,
    hall,
    live,
    manager,
    outbox,
    pages,
    profiles,
    reports,
    services,
    staff,
    supervision,
    tickets,
    windows,
)
from queue_server.domain.outbox import RetryPolicy
from queue_server.runtime import Runtime
from queue_server.ws.wire import KeepServerSend

log = logging.getLogger(__name__)

HOUSEKEEPING_SECONDS = 15.0
HEARTBEAT_SECONDS = 20.0


async def _heartbeats(runtime: Runtime) -> None:
    """A heartbeat frame to every websocket client every 20 seconds."""
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        runtime.hub.heartbeat()


async def _housekeeping(runtime: Runtime) -> None:
    """Every hall's chores (day's close, missed bookings, alerts, the statistics of the days closed
    since: 日结), at start and every 15 seconds, in small writer jobs (``chores.Housekeeper``)."""
    keeper = Housekeeper(runtime)
    while True:
        try:
            # With several processes on PostgreSQL, each hall's chores are done by one of them.
            halls = await runtime.read(
                lambda uow: runtime.database.keeps(list(uow.stores.hall.hall_versions()))
            )
            for hall_id in halls:
                await keeper.run(hall_id)
        except Exception:
            log.exception("housekeeping failed; will try again")
        await asyncio.sleep(HOUSEKEEPING_SECONDS)


def create_app(runtime: Runtime) -> FastAPI:
    """An app serving the API and the live stream on ``runtime``."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.hub.bind(asyncio.get_running_loop())
        runtime.start()
        tasks = [asyncio.create_task(_housekeeping(runtime)), asyncio.create_task(_heartbeats(runtime))]
        if runtime.senders is not None:  # the outbox's dispatcher: what leaves the building
            dispatcher = Dispatcher(
                runtime,
                runtime.senders(),
                lease=timedelta(seconds=runtime.settings.outbox_lease_seconds),
                policy=RetryPolicy(dead_after=timedelta(hours=runtime.settings.outbox_dead_after_hours)),
            )
            runtime.outbox_written = dispatcher.nudge_threadsafe(asyncio.get_running_loop())
            tasks.append(asyncio.create_task(dispatcher.run()))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            runtime.stop()

    app = openapi.WallClockApi(
        title="HallQ queue server",
        version="1",
        description="政务服务大厅排队叫号与好差评 — queue server API. Errors carry a stable `code` "
        "and messages in zh-CN (`message`) and English (`message_en`).",
        lifespan=lifespan,
        # FastAPI's own OpenTelemetry bridge: HallQ has its Prometheus metrics and no tracer, and
        # the bridge looked for one (environment and provider checks) on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.runtime = runtime
    errors.install(app)
    app.add_middleware(RequestGuard, max_body=runtime.settings.max_body_bytes)
    for module in (services, tickets, windows, hall, auth, devices, calendar, cases, alerts, appointments):
        app.include_router(module.router, prefix=contract.API_PREFIX)
    app.include_router(evaluations.router, prefix=contract.API_PREFIX)
    app.include_router(catalogue_admin.router, prefix=contract.API_PREFIX)
    app.include_router(staff.router, prefix=contract.API_PREFIX)
    app.include_router(manager.router, prefix=contract.API_PREFIX)
    app.include_router(guide.router, prefix=contract.API_PREFIX)
    app.include_router(profiles.router, prefix=contract.API_PREFIX)
    app.include_router(advisor.router, prefix=contract.API_PREFIX)
    for module in (complaints, assessment, supervision):  # 考核 and 督查
        app.include_router(module.router, prefix=contract.API_PREFIX)
    app.include_router(city.router, prefix=contract.API_PREFIX)  # the city's view across halls
    app.include_router(outbox.router, prefix=contract.API_PREFIX)  # SMS and the 好差评 push
    pages.install(app)
    reports.install(app)
    app.include_router(live.router)
    # /healthz, /readyz, /metrics; request ids and security headers; 503 when the database is away
    ops.install(app, runtime)
    proxies = [host.strip() for host in runtime.settings.trusted_proxies.split(",") if host.strip()]
    if proxies:  # outermost, so every part sees the scheme and address the proxy vouched for
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    app.add_middleware(KeepServerSend)  # outermost: the live hub writes to the server's connections
    route_index.install(app.router)  # the router asks only the routes that could match a path
    return app


def build_routes(app: FastAPI) -> int:
    """Build now every route FastAPI would build on its router's first request; how many there are.

    FastAPI builds an included router's routes (each one's handler, a lean route's plan) when a
    request first walks that router: ~0.2 s of CPU for the whole API, paid by the first requests
    a process answers. ``hallq serve`` calls this at start-up, before the start-up objects are
    frozen out of the garbage collector. A router changed later is built again on its next request.
    """
    return sum(1 for _ in iter_route_contexts(app.router.routes))
