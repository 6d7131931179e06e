"""What finding a request's route costs the event loop: FastAPI's own walk against the route index.

The app (its real routes, on an empty in-memory database: no request reaches a handler) is built
once; each busy route's request is routed by FastAPI's walk of the app's router and by
``queue_server/api/route_index.py``, with every API route's ``handle`` replaced by a stand-in that
only notes which route it was given, so the figure is the routing alone (the routers asked, the
serving router's walk, the scope it hands on), in CPU time. Both must hand each request to the same
route. Context figures, no targets; the load is printed with them (the box may be shared).

    .venv/bin/python -m benchmarks.routing [--requests 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute

from benchmarks.common import heading, report
from hallq.bootstrap import make_runtime
from queue_server.api import route_index
from queue_server.api.app import build_routes, create_app
from queue_server.config import ServerSettings

REQUESTS = (
    ("issue", "POST", "/api/v1/tickets"),
    ("call-next", "POST", "/api/v1/windows/12/call-next"),
    ("conclude", "POST", "/api/v1/windows/12/conclude"),
    ("ticket status", "GET", "/api/v1/tickets/abcdefgh"),
    ("pending evaluation", "GET", "/api/v1/windows/12/pending-evaluation"),
    ("rating", "POST", "/api/v1/evaluations/5/rating"),
)


async def routed_us(app: Any, method: str, path: str, requests: int, seen: list[str]) -> float:
    """Mean µs of CPU to route one request through ``app`` (best of 5 runs)."""
    runs = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(requests // 5):
            scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
            await app(scope, None, None)
        runs.append((time.process_time() - started) / (requests // 5) * 1e6)
    return min(runs)


async def measure(requests: int) -> None:
    with tempfile.TemporaryDirectory(prefix="hallq-routing-") as folder:
        settings = ServerSettings(db="sqlite://", secret_key_file=str(Path(folder) / "key"), migrate=False)
        app = create_app(make_runtime(settings))
        build_routes(app)
        index = app.router.middleware_stack
        assert isinstance(index, route_index.RouteIndex)
        seen: list[str] = []

        async def noted(route: APIRoute, scope: Any, _receive: Any, _send: Any) -> None:
            seen.append(scope["route"].path)

        APIRoute.handle = noted  # type: ignore[method-assign]
        for name, method, path in REQUESTS:
            seen.clear()
            walk = await routed_us(index.walk, method, path, requests, seen)
            walked = set(seen)
            seen.clear()
            indexed = await routed_us(index, method, path, requests, seen)
            same = walked == set(seen) and len(walked) == 1
            report(f"{name}: walk / index", f"{walk:.1f} / {indexed:.1f}", "µs", None, None)
            report(f"  {name}: same route", "yes" if same else "no", "", "yes", same)
    load = os.getloadavg()
    report("load (1/5/15 min)", f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}", "", None, None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=20_000)
    args = parser.parse_args(argv)
    heading("routing a request: CPU per request, in-process")
    asyncio.run(measure(args.requests))


if __name__ == "__main__":
    main()
