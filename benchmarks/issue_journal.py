"""The writer's CPU per ticket issue with its savepoints' statement journal spilled to a temp file
(SQLite's default: past 64 KiB) against kept in memory (``temp_store=MEMORY``, issue 15).

    .venv/bin/python -m benchmarks.issue_journal [--jobs 500] [--batch 4] [--rounds 16]

The demo hall's services (caps lifted) on a fresh SQLite file with its checkpoint thread, the
issue jobs run as the writer runs them: ``--batch`` jobs a transaction, each under its savepoint,
committed with ``synchronous=FULL``. This thread is the writer: the figure is its own CPU
(``time.thread_time``) per job, so other processes' work counts least. The two ways alternate
round by round on the same connection and file (the first two rounds warm up and are not
counted); medians are printed with every round and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import heading
from hallq.bootstrap import build_runtime, demo_catalogue
from queue_server import contract as c
from queue_server.adapters.db import Checkpointer
from queue_server.adapters.writer import TRANSACTION_NOTES, Outbox, _Savepoints
from queue_server.config import ServerSettings
from queue_server.services.admin.accounts import create_token
from queue_server.services.admin.catalogue_file import import_catalogue
from queue_server.services.tickets import issue

SERVICE_CODES = ("RS001", "YB001", "GA001", "BDC001", "JJ001", "GJ001")  # as benchmarks.issue
WAYS = ("DEFAULT", "MEMORY")  # temp_store: a file past 64 KiB (before), memory (now)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=500, help="issue jobs a round (default 500)")
    parser.add_argument("--batch", type=int, default=4, help="jobs a transaction (wrk's run: ~4.5)")
    parser.add_argument("--rounds", type=int, default=16, help="rounds, the two ways in turn")
    args = parser.parse_args(argv)
    heading(
        f"writer CPU per issue job, statement journal in a file or in memory, {args.batch} jobs a transaction"
    )
    with tempfile.TemporaryDirectory(prefix="hallq-journal-") as folder:
        settings = ServerSettings(db=str(Path(folder) / "h.db"), secret_key_file=str(Path(folder) / "k"))
        runtime = build_runtime(settings)
        hall = demo_catalogue()
        hall.staff = []  # no passwords to hash: the issue needs no staff
        for service in hall.services:
            service.daily_cap = None
        runtime.write_sync(lambda uow: import_catalogue(uow, hall))
        token = runtime.write_sync(
            lambda uow: create_token(uow, runtime.tokens, hall=None, role=c.Role.KIOSK)
        )
        kiosk = runtime.read_sync(lambda uow: runtime.tokens.lookup(uow.stores.sessions, token))
        assert kiosk is not None
        commands = [c.IssueTicket(service_code=code) for code in SERVICE_CODES]
        checkpointer = Checkpointer(runtime.url)
        checkpointer.start()
        spent: dict[str, list[float]] = {way: [] for way in WAYS}
        try:
            with runtime.write_engine.connect() as conn:
                driver = conn.connection.driver_connection
                assert driver is not None
                for round_ in range(args.rounds):
                    way = WAYS[round_ % 2]
                    driver.execute(f"PRAGMA temp_store={way}")
                    began = time.thread_time()
                    done = 0
                    while done < args.jobs:
                        conn.info[TRANSACTION_NOTES] = {}
                        with conn.begin():
                            savepoints = _Savepoints(conn)
                            for _ in range(args.batch):
                                command = commands[done % len(commands)]
                                job = runtime._job(
                                    lambda uow, cmd=command: issue.issue_ticket(uow, kiosk, cmd)
                                )
                                savepoints.begin()
                                outbox = Outbox()
                                job(conn, outbox)
                                savepoints.release()
                                for change in outbox.after_commit:  # the caches, as after a commit
                                    change()
                                done += 1
                    if round_ >= 2:
                        spent[way].append((time.thread_time() - began) / done * 1e6)
        finally:
            checkpointer.stop()
            runtime.write_engine.dispose()
            runtime.read_engine.dispose()
    for way, label in zip(WAYS, ("journal spilled to a file", "journal in memory"), strict=True):
        rounds = ", ".join(f"{x:.0f}" for x in spent[way])
        print(f"{label:<28} median {statistics.median(spent[way]):6.1f} µs CPU/job  (rounds: {rounds})")
    print(f"load average {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
