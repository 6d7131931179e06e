"""The composition root: the one place that knows every part and wires them together."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from functools import partial
from importlib import resources

from fastapi import FastAPI

from display_board.pages import install as install_board
from queue_server.adapters.database import SqlDatabase
from queue_server.adapters.gateways import build_gateway
from queue_server.adapters.migrate import upgrade
from queue_server.adapters.sending import ProcessSender, ThreadSender
from queue_server.api.app import build_routes, create_app
from queue_server.api.deps import device_page_actor
from queue_server.config import ServerSettings
from queue_server.runtime import Clock, Runtime, utc_now
from queue_server.services.admin.catalogue_file import CatalogueFile, hash_staff_passwords, import_catalogue
from queue_server.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

DEMO_PASSWORD = "hallq-demo"


def demo_catalogue() -> CatalogueFile:
    """The seeded demo hall (明川市政务服务中心)."""
    text = resources.files("queue_server.seed").joinpath("demo_hall.json").read_text(encoding="utf-8")
    return CatalogueFile.model_validate(json.loads(text))


def seed_demo(runtime: Runtime) -> bool:
    """Load the demo hall into an empty database; False when halls exist already."""
    if runtime.read_sync(lambda uow: uow.stores.hall.hall_versions()):
        return False
    catalogue = demo_catalogue()
    hashes = hash_staff_passwords(catalogue, DEMO_PASSWORD)  # before the transaction, not in it
    runtime.write_sync(lambda uow: import_catalogue(uow, catalogue, hashes=hashes))
    return True


DEMO_GATEWAY_ENV = "HALLQ_DEMO_GATEWAY_SECRET"


def point_demo_at_gateway(runtime: Runtime, port: int, base: str) -> None:
    """Turn the demo hall's SMS notices and 好差评 push on, sent to the mock gateway on ``port``."""

    def gateway(path: str) -> dict[str, str]:
        return {"kind": "http", "url": f"http://127.0.0.1:{port}{path}", "secret_env": DEMO_GATEWAY_ENV}

    def configure(uow: UnitOfWork) -> None:
        for hall_id in uow.stores.hall.hall_versions():
            rules = uow.stores.hall.rules(hall_id)
            settings = dict(rules.settings)
            settings["notices"] = {
                **settings.get("notices", {}),
                "enabled": True,
                "page_base": base,
                "gateway": gateway("/sms"),
            }
            settings["evaluation_push"] = {"enabled": True, "gateway": gateway("/evaluations")}
            uow.stores.hall.save_rules(hall_id, replace(rules, settings=settings))
            uow.refresh_catalogue(hall_id)

    runtime.write_sync(configure)
    runtime.stop()


def make_runtime(settings: ServerSettings, clock: Clock = utc_now) -> Runtime:
    """The runtime on the SQL database at ``settings.db`` (as it is: no migration)."""
    runtime = Runtime(settings, SqlDatabase, clock)
    build = partial(build_gateway, pii_key=runtime.caches.pii_key)  # pickled to the sending process
    runtime.gateways = build
    # The outbox's sending off the server's interpreter (docs/notifications.md), unless told not to.
    runtime.senders = lambda: (
        ProcessSender(build, log_format=settings.log_format)
        if settings.outbox_sender_process
        else ThreadSender(build)
    )
    return runtime


def build_runtime(settings: ServerSettings, clock: Clock = utc_now) -> Runtime:
    """Migrate the database (unless told not to) and create the runtime."""
    if settings.migrate:
        upgrade(settings.db)
    return make_runtime(settings, clock)


def serve(app: FastAPI, host: str, port: int) -> None:
    """Run ``app`` under uvicorn, tuned for a hall's traffic.

    Frames are compressed never (a board on the hall's LAN gains nothing, and deflate would run
    once per subscriber, undoing the hub's serialise-once); the routes FastAPI would build on the
    first requests are built first (``build_routes``), and the objects made at start-up are frozen
    out of the garbage collector so its full passes stay short under load.
    """
    import gc

    import uvicorn

    build_routes(app)
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 50)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        ws_per_message_deflate=False,
        proxy_headers=False,  # the app believes only the proxies of HALLQ_TRUSTED_PROXIES
    )


def build_app(settings: ServerSettings, *, demo: bool = False, clock: Clock = utc_now) -> FastAPI:
    """The whole server: API, live stream, the board pages and voice, and (later) the consoles."""
    runtime = build_runtime(settings, clock)
    if demo and seed_demo(runtime):
        log.info("seeded the demo hall")
    app = create_app(runtime)

    async def board_token(token: str) -> bool:
        return await device_page_actor(runtime, token) is not None

    install_board(app, secure_cookies=settings.cookie_secure, device_check=board_token)
    return app
