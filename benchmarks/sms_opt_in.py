"""What the ticket page's SMS opt-in costs the server, now that its per-address allowance is counted
in the database (every server process shares it) rather than in each process's memory.

    .venv/bin/python -m benchmarks.sms_opt_in [--refused 300] [--reads 300]

``hallq serve --demo`` on a temp SQLite file, the demo hall's notices on with the log-only gateway,
one ticket. From one address (this client) it measures the server's CPU (``/proc``) per request:
the page's read of its opt-in (a reference), each of the address's 10 allowed changes (opt in and
out in turn: the ticket found by a read, the count by a writer job, the change by another) and the
changes refused after them (answered from the server's memory). Printed with the load average.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

import httpx

from benchmarks.common import Server, auth, cpu_seconds, finish, heading, report

SERVICE = "RS001"
ALLOWED = 10  # the address's changes in 10 minutes (``services.outbox.opt_in.CHANGES``)


def per_request(server: Server, count: int, ask: Callable[[int], httpx.Response], status: int) -> float:
    """The server's CPU per request, in ms, over ``count`` requests that must answer ``status``."""
    before = cpu_seconds(server.pid)
    for n in range(count):
        answer = ask(n)
        if answer.status_code != status:
            raise RuntimeError(f"expected {status}, got {answer.status_code}: {answer.text}")
    return (cpu_seconds(server.pid) - before) / count * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--refused", type=int, default=300)
    parser.add_argument("--reads", type=int, default=300)
    args = parser.parse_args()
    server = Server().start()
    try:
        manager, kiosk = auth(server.token("manager")), auth(server.token("kiosk"))
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            settings = client.get("/api/v1/hall/settings", headers=manager).json()
            settings["notices"] = {**settings.get("notices", {}), "enabled": True, "gateway": {"kind": "log"}}
            client.put("/api/v1/hall/settings", json=settings, headers=manager).raise_for_status()
            issued = client.post("/api/v1/tickets", json={"service_code": SERVICE}, headers=kiosk)
            issued.raise_for_status()
            sms = f"/api/v1/tickets/{issued.json()['token']}/sms"
            phone = {"phone": "13912345678"}

            def change(n: int) -> httpx.Response:
                return client.put(sms, json=phone) if n % 2 == 0 else client.delete(sms)

            heading("ticket page SMS opt-in, server CPU per request (one address)")
            report(
                "read of the opt-in (GET)",
                per_request(server, args.reads, lambda n: client.get(sms), 200),
                "ms",
                None,
                None,
            )
            report("allowed change (PUT/DELETE)", per_request(server, ALLOWED, change, 200), "ms", None, None)
            report("refused change (429)", per_request(server, args.refused, change, 429), "ms", None, None)
        print(f"load average {os.getloadavg()}")
    finally:
        finish(server, 0)


if __name__ == "__main__":
    main()
