"""Time to resume after PostgreSQL is stopped for 30 s under a kiosk's load (the real process).

One ``hallq serve`` on a throwaway PostgreSQL cluster, a kiosk issuing in a loop; the database is
stopped (fast shutdown) for ``--outage`` seconds and started again. Prints how the requests failed
during the outage (status, code, slowest answer), then the time from the database's return to the
first ticket issued and to ``/readyz`` answering 200, and checks nothing was half-written.

    .venv/bin/python -m benchmarks.outage [--outage 30]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

from benchmarks.common import CORES_NOTE, heading, report
from benchmarks.proxy import numbering, uptime
from tests.support.hall_server import HallServer
from tests.support.postgres import PostgresCluster, create_database
from tests.support.proxy import SERVICE, seed_hall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outage", type=float, default=30.0)
    args = parser.parse_args()
    heading(f"PostgreSQL stopped {args.outage:.0f} s under load")
    print(CORES_NOTE)
    print(f"load before: {uptime()}")
    with tempfile.TemporaryDirectory(prefix="hallq-outage-") as tmp, PostgresCluster() as cluster:
        os.environ["HALLQ_SECRET_KEY_FILE"] = str(Path(tmp) / "secret.key")
        db_url = create_database(cluster.url, "hallq_outage")
        tokens = seed_hall(db_url)
        server = HallServer(db_url, tokens, log=Path(tmp) / "server.log").start()  # type: ignore[arg-type]
        replies: list[tuple[float, int, str, float]] = []  # sent at, status, code, seconds
        stop = threading.Event()

        def kiosk() -> None:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                while not stop.is_set():
                    began = time.monotonic()
                    try:
                        reply = client.post(
                            "/api/v1/tickets",
                            json={"service_code": SERVICE},
                            headers={
                                "Authorization": f"Bearer {tokens['kiosk']}",
                                "Idempotency-Key": uuid.uuid4().hex,
                            },
                        )
                        code = "" if reply.status_code == 201 else reply.json().get("code", "")
                        replies.append((began, reply.status_code, code, time.monotonic() - began))
                    except httpx.TransportError as error:
                        replies.append((began, 0, type(error).__name__, time.monotonic() - began))
                    time.sleep(0.02)

        loader = threading.Thread(target=kiosk, daemon=True)
        try:
            loader.start()
            time.sleep(5)
            down_at = time.monotonic()
            cluster.pause()
            time.sleep(args.outage)
            during = [r for r in replies if r[0] >= down_at]
            cluster.resume()
            up_at = time.monotonic()
            first_ticket = ready = None
            while first_ticket is None or ready is None:
                if time.monotonic() - up_at > 300:
                    break
                if first_ticket is None and any(r[1] == 201 and r[0] >= up_at for r in replies):
                    first_ticket = min(r[0] + r[3] for r in replies if r[1] == 201 and r[0] >= up_at) - up_at
                if ready is None and httpx.get(f"{server.url}/readyz", timeout=30).status_code == 200:
                    ready = time.monotonic() - up_at
                time.sleep(0.05)
            time.sleep(3)
        finally:
            stop.set()
            loader.join(60)
            server.stop()
        kinds = Counter((status, code) for _at, status, code, _s in during)
        failed = [r for r in during if r[1] != 201]
        report("requests during the outage", len(during), "", None, None)
        report("  answers by status/code", str(dict(kinds)), "", None, None)
        report("  slowest failed answer", max((r[3] for r in failed), default=0) * 1000, "ms", None, None)
        report("first ticket after the database returned", (first_ticket or -1) * 1000, "ms", None, None)
        report("/readyz 200 after the database returned", (ready or -1) * 1000, "ms", None, None)
        issued = sum(1 for r in replies if r[1] == 201)
        tickets, duplicates, gaps = numbering(db_url)
        report("tickets replied 201 / stored", f"{issued} / {tickets}", "", "equal", issued == tickets)
        report("duplicates / gaps", f"{duplicates} / {gaps}", "", "0 / 0", duplicates == 0 and gaps == 0)
    print(f"load after: {uptime()}")


if __name__ == "__main__":
    main()
