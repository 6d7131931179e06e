"""The issue's steps on the event loop that issue 15 weighed: CPU a request, in-process.

Each figure is this thread's CPU (``time.thread_time``) per call over ``--calls`` calls, so the
box's other work counts least; the load average is printed beside them.

- the route index: scanning its entries for the candidates of ``/api/v1/tickets`` (before) against
  the kept candidates of that path (after);
- the absent ``Idempotency-Key``: FastAPI's ``get_default`` (a deep copy of ``None``, before);
- a response written in two ``send`` calls (head, then body: uvicorn's way before) against one, on
  a loopback TCP socket with ``TCP_NODELAY``, a thread draining the other end;
- the response model: validating the route's ``TicketPublic`` (FastAPI does, on the loop) and
  serialising it (context: measured and left).
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hallq.bootstrap import build_runtime
from queue_server import contract as c
from queue_server.api.app import build_routes, create_app
from queue_server.api.routes import tickets
from queue_server.config import ServerSettings


def per_call(calls: int, step: Callable[[], Any]) -> float:
    """This thread's CPU per call of ``step``, in µs."""
    began = time.thread_time()
    for _ in range(calls):
        step()
    return (time.thread_time() - began) / calls * 1e6


def sends(calls: int) -> tuple[float, float]:
    """The sender's CPU per response written as two sends, then as one (µs)."""
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    for end in (client, server):
        end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = threading.Thread(target=lambda: all(iter(lambda: client.recv(1 << 16), b"")), daemon=True)
    reader.start()
    head, body = b"h" * 330, b"b" * 700  # an issue's head and body, about
    two = per_call(calls, lambda: (server.send(head), server.send(body)))
    one = per_call(calls, lambda: server.send(head + body))
    server.shutdown(socket.SHUT_WR)  # the reader sees the end, then the sockets close
    reader.join(timeout=10)
    server.close()
    client.close()
    listener.close()
    return two, one


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=20_000, help="calls per figure (default 20,000)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        runtime = build_runtime(
            ServerSettings(db=str(Path(folder) / "h.db"), secret_key_file=str(Path(folder) / "secret.key"))
        )
        try:
            app = create_app(runtime)
            build_routes(app)
            index: Any = app.router.middleware_stack
            path = "/api/v1/tickets"
            index.candidates(path)
            scan = per_call(args.calls, lambda: [r for r, parts in index.index if path.startswith(parts)])
            kept = per_call(args.calls, lambda: index.candidates(path))
            print(f"route index, {len(index.index)} entries: scan {scan:.2f} µs, kept {kept:.2f} µs")
        finally:
            runtime.stop()
    route: Any = next(r for r in tickets.router.routes if getattr(r, "path", "") == "/tickets")
    header = route.dependant.header_params[0]
    default = per_call(args.calls, header.get_default)
    print(f"absent header's default by FastAPI's get_default: {default:.2f} µs")
    two, one = sends(args.calls)
    print(f"a response written: two sends {two:.2f} µs, one send {one:.2f} µs (the sender's CPU)")
    ticket = c.TicketPublic(
        token="t" * 22,
        number="A001",
        service_code="RS001",
        service_name="社保",
        status="waiting",
        issued_at=datetime.now(UTC),
        status_url="/t/" + "t" * 22,
        people_ahead=3,
        estimated_wait_seconds=300,
        serving_windows=2,
    )
    field = route.response_field
    validate = per_call(args.calls, lambda: field.validate(ticket, {}, loc=("response",)))
    dump = per_call(args.calls, lambda: field.serialize_json(ticket, by_alias=True))
    print(f"response model: validate {validate:.2f} µs, serialise {dump:.2f} µs (context)")
    print(f"load average {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
