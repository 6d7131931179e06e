"""What the browser-security layer costs per request: the request context (request id, security
headers, latency histogram) and the trusted-proxy middleware wrapped around an app, driven
in-process (no sockets, so the figure is the layer's CPU alone, not the network's).

Every response of the queue server passes through both, the ticket issue included: the target is
that together they add at most 20 µs of CPU per request (the issue path's whole budget is ~0.5 ms).

    .venv/bin/python -m benchmarks.headers [--requests 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from benchmarks.common import heading, report
from queue_server.api.ops import RequestContext
from queue_server.ops.metrics import HallMetrics

BODY = b'{"number":"A001","people_ahead":3}'
TARGET_US = 20.0


async def bare(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The smallest JSON endpoint: what any real route costs on top of this is not the layer's."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"34")],
        }
    )
    await send({"type": "http.response.body", "body": BODY})


def scope() -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/tickets",
        "raw_path": b"/api/v1/tickets",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"hall"), (b"x-forwarded-proto", b"https")],
        "client": ("10.0.0.9", 40000),
        "server": ("127.0.0.1", 8000),
    }


async def per_request_us(app: Any, requests: int) -> float:
    """Mean µs per request through ``app`` (best of 5 runs, so a busy neighbour counts least)."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: dict[str, Any]) -> None:
        return None

    runs = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(requests // 5):
            await app(scope(), receive, send)
        runs.append((time.perf_counter() - started) / (requests // 5) * 1e6)
    return min(runs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=50_000)
    args = parser.parse_args(argv)
    heading("browser security layer: CPU per request, in-process")
    context = RequestContext(bare, metrics=HallMetrics())  # type: ignore[arg-type]
    layered = ProxyHeadersMiddleware(context, trusted_hosts=["10.0.0.0/24"])  # type: ignore[arg-type]
    alone = asyncio.run(per_request_us(bare, args.requests))
    wrapped = asyncio.run(per_request_us(layered, args.requests))
    headers_only = asyncio.run(per_request_us(context, args.requests))
    report("bare endpoint", alone, "µs/request", None, None)
    report("request context and security headers added", headers_only - alone, "µs/request", None, None)
    added = wrapped - alone
    report("context + trusted proxy added", added, "µs/request", f"<= {TARGET_US:g}", added <= TARGET_US)


if __name__ == "__main__":
    main()
