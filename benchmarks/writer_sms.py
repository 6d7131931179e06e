"""Where the writer thread's extra CPU for a ticket with SMS goes, in-process (no HTTP, no sockets).

    .venv/bin/python -m benchmarks.writer_sms [--tickets 1500] [--rounds 2] [--in-flight 8]

A hall (``benchmarks.report``'s catalogue, 4 windows) on a fresh SQLite file, with SMS notices on
and the log-only gateway, is driven through the real runtime: its single writer, the units of work
and the outbox's dispatcher sending alongside as ``hallq serve`` runs it. Tickets are issued into
one service ``--in-flight`` at a time, without a phone (off), with a phone and no SMS (phone: the
ticket's own hashed and masked number, as a 手机 ticket keeps it) and with a phone and 短信告知
(on), in the order off, phone, on, on, phone, off per round, each phase followed by the wait until
the dispatcher has sent everything (its jobs count with their tickets).

Then the number's protection alone (``pii.protect_phone``, which every ticket with SMS runs on the
writer's thread), this thread's CPU a number over ``--numbers`` numbers, alternated with the Fernet
encryption numbers were kept with before (the same normalising, hash and mask around it), and
the reading of each (``pii.reveal``, the sending process's for every message).

Printed per ticket for each way, the median phase: the writer thread's CPU in all (its own clock,
``time.pthread_getcpuclockid``), split into the issue jobs' own work, the dispatcher's jobs (claim,
record: how many a ticket and their CPU) and the rest (BEGIN, savepoints, COMMIT, handing results
and events on); the transactions a ticket; and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import heading, report
from benchmarks.writer import Bench, prepare
from queue_server import contract as c
from queue_server.adapters.gateways import LogGateway
from queue_server.adapters.outbox import SqlOutboxStore
from queue_server.adapters.sending import ThreadSender
from queue_server.api.dispatcher import Dispatcher
from queue_server.domain import personal
from queue_server.runtime import OUTBOX_ROWS
from queue_server.services import pii
from queue_server.services.admin.accounts import create_token
from queue_server.services.hall import settings as hall_settings
from queue_server.services.outbox.ports import NewMessage, SmsSubscription
from queue_server.services.tickets import issue

PARTS = ("writer", "issue job", "dispatcher jobs", "rest")
MODES = ("off", "phone", "on")


def notices_on(bench: Bench) -> None:
    """Turn the hall's SMS notices on, its caps out of the way (as ``benchmarks.outbox`` does)."""
    runtime = bench.runtime
    token = runtime.write_sync(lambda uow: create_token(uow, runtime.tokens, hall="big", role=c.Role.MANAGER))
    manager = runtime.read_sync(lambda uow: runtime.tokens.lookup(uow.stores.sessions, token))
    assert manager is not None
    current = runtime.read_sync(lambda uow: hall_settings.read_settings(uow, manager))
    data = current.model_dump()
    data["notices"] = {"enabled": True, "daily_cap": 100}
    body = type(current).model_validate(data)
    runtime.write_sync(lambda uow: hall_settings.replace_settings(uow, manager, body))


class Jobs:
    """The writer's CPU inside its jobs, by kind: the dispatcher's (its own writer "hall") or not."""

    def __init__(self, bench: Bench) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.count: dict[str, int] = defaultdict(int)
        writer: Any = bench.runtime.writer
        run = writer.run

        async def timed_run(work: Callable[..., Any], hall: int | None = None) -> Any:
            kind = "dispatcher jobs" if hall == OUTBOX_ROWS else "issue job"

            def timed(conn: Any, outbox: Any) -> Any:
                started = time.thread_time()  # on the writer's thread: its own CPU
                try:
                    return work(conn, outbox)
                finally:
                    self.cpu[kind] += time.thread_time() - started
                    self.count[kind] += 1

            return await run(timed, hall)

        writer.run = timed_run

    def clear(self) -> None:
        self.cpu.clear()
        self.count.clear()


async def drive(bench: Bench, jobs: Jobs, tickets: int, rounds: int) -> dict[str, list[dict[str, float]]]:
    runtime, kiosk, hall = bench.runtime, bench.kiosk, bench.hall_id
    runtime.hub.bind(asyncio.get_running_loop())
    dispatcher = Dispatcher(runtime, ThreadSender(lambda _settings: LogGateway()))
    runtime.outbox_written = dispatcher.nudge_threadsafe(asyncio.get_running_loop())
    sending = asyncio.create_task(dispatcher.run())
    service = next(iter(bench.services.values()))[0]
    numbers = iter(range(10**8))

    async def phase(mode: str, n: int) -> dict[str, float]:
        gate = asyncio.Semaphore(bench.in_flight)

        async def one() -> None:
            async with gate:
                extra: dict[str, Any] = {} if mode == "off" else {"phone": f"137{next(numbers):08d}"}
                if mode == "on":
                    extra["sms"] = True
                command = c.IssueTicket(service_code=service, **extra)
                await runtime.write(lambda uow: issue.issue_ticket(uow, kiosk, command, "kiosk"), hall)

        writer = runtime.writer
        jobs.clear()
        cpu, batches = bench.writer_cpu(), writer.batches
        await asyncio.gather(*(one() for _ in range(n)))
        while await runtime.read(lambda uow: uow.stores.outbox.any_due(uow.now)):
            await asyncio.sleep(0.05)  # the sending counts with its tickets
        await asyncio.sleep(3 * dispatcher.linger)  # its last record job
        total = bench.writer_cpu() - cpu
        inside = jobs.cpu["issue job"] + jobs.cpu["dispatcher jobs"]
        return {
            "writer": total / n,
            "issue job": jobs.cpu["issue job"] / n,
            "dispatcher jobs": jobs.cpu["dispatcher jobs"] / n,
            "rest": (total - inside) / n,
            "dispatcher jobs a ticket": jobs.count["dispatcher jobs"] / n,
            "transactions a ticket": (writer.batches - batches) / n,
        }

    for mode in MODES:  # caches filled, statements compiled: not counted
        await phase(mode, 200)
    figures: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    for _ in range(rounds):
        for mode in (*MODES, *reversed(MODES)):
            figures[mode].append(await phase(mode, tickets))
    sending.cancel()
    return figures


def summary(figures: dict[str, list[dict[str, float]]]) -> None:
    medians = {
        mode: {k: statistics.median(p[k] for p in phases) for k in phases[0]}
        for mode, phases in figures.items()
    }
    for part in PARTS:
        off, phone, on = (medians[mode][part] * 1e6 for mode in MODES)
        report(
            f"{part}: off / phone / on", f"{off:.1f} / {phone:.1f} / {on:.1f}", "µs CPU/ticket", None, None
        )
        print(f"{'':<36}(SMS +{on - off:.1f} µs a ticket, +{on - phone:.1f} over the phone alone)")
    for count in ("dispatcher jobs a ticket", "transactions a ticket"):
        shown = " / ".join(f"{medians[mode][count]:.3f}" for mode in MODES)
        report(count, shown, "off / phone / on", None, None)


def _fernet_protect(key: bytes, raw: str) -> pii.ProtectedPhone:
    """``protect_phone`` as it was before AES-GCM: the number kept as a Fernet token."""
    phone = personal.normalise_phone(raw)
    cipher = pii._fernet(key).encrypt(phone.encode()).decode()
    return pii.ProtectedPhone(cipher, personal.keyed_hash(key, phone), personal.mask_phone(phone))


def protection(numbers: int) -> None:
    """This thread's CPU a number protected, AES-GCM (now) and Fernet (before), alternated."""
    key = b"hallq-benchmark-secret"
    ways = {"AES-GCM": pii.protect_phone, "Fernet": _fernet_protect}
    spent: dict[str, list[float]] = {way: [] for way in ways}
    for way in (*ways, *reversed(ways), *ways, *reversed(ways)):
        protect = ways[way]
        protect(key, "13700000000")
        started = time.thread_time()
        for i in range(numbers):
            protect(key, f"137{i:08d}")
        spent[way].append((time.thread_time() - started) / numbers * 1e6)
    for way, runs in spent.items():
        shown = " / ".join(f"{run:.1f}" for run in sorted(runs))
        report(f"protect_phone, {way}", shown, "µs CPU a number (each run)", None, None)
    # And its reading, which the sending process does for every message just before it goes.
    ciphers = {
        way: [protect(key, f"137{i:08d}").cipher for i in range(numbers)] for way, protect in ways.items()
    }
    read: dict[str, list[float]] = {way: [] for way in ways}
    for way in (*ways, *reversed(ways)):
        started = time.thread_time()
        for cipher in ciphers[way]:
            pii.reveal(key, cipher)
        read[way].append((time.thread_time() - started) / numbers * 1e6)
    for way, runs in read.items():
        shown = " / ".join(f"{run:.1f}" for run in sorted(runs))
        report(f"reveal, {way}", shown, "µs CPU a number (each run)", None, None)


def _sms_rows(hall: int, n: int, first_id: int, at: datetime) -> list[tuple[SmsSubscription, NewMessage]]:
    """``n`` tickets' opt-ins and "taken" notices as ``notices.subscribe`` makes them."""
    key = b"hallq-benchmark-secret"
    made = []
    for i in range(first_id, first_id + n):
        phone = pii.protect_phone(key, f"137{i:08d}")
        token = secrets.token_urlsafe(12)
        number, text = f"A{i % 1000:03d}", "您已取号 A001，前面还有 3 人。"
        sub = SmsSubscription(
            token, hall, number, phone.cipher, phone.digest, phone.masked, False, "zh-CN", i
        )
        payload = {"phone_cipher": phone.cipher, "phone_masked": phone.masked, "text": text}
        notice = NewMessage(
            hall, "sms", "sms.taken", f"sms:{token}:taken", f"sms:{phone.digest}", payload, at
        )
        made.append((sub, notice))
    return made


def rows_alone(bench: Bench, tickets: int, history: int, runs: int) -> None:
    """An SMS ticket's two rows alone (the opt-in and the capped "taken" notice, the store's own
    statements) and their commit, 8 tickets a transaction as a busy kiosk's batches go, on the
    bench's file after ``history`` tickets' rows: this thread's CPU a ticket."""
    engine, at = bench.runtime.write_engine, datetime.now(UTC)
    since, next_id = at.replace(hour=0), 10**7  # ids after the tickets the phases issued

    def write(rows: list[tuple[SmsSubscription, NewMessage]], batch: int) -> None:
        with engine.connect() as conn:
            for start in range(0, len(rows), batch):
                with conn.begin():
                    store = SqlOutboxStore(conn)
                    for sub, notice in rows[start : start + batch]:
                        store.subscribe(sub, at)
                        store.add_capped(notice, since, 100)

    write(_sms_rows(bench.hall_id, history, next_id, at), 500)
    next_id += history
    spent = []
    for _ in range(runs):
        rows = _sms_rows(bench.hall_id, tickets, next_id, at)
        next_id += tickets
        started = time.thread_time()
        write(rows, 8)
        spent.append((time.thread_time() - started) / tickets * 1e6)
    shown = " / ".join(f"{run:.1f}" for run in spent)
    report(
        "SMS rows and commit alone", shown, f"µs CPU a ticket (each run, after {history} tickets)", None, None
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1500, help="tickets a phase")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of off, on, on, off")
    parser.add_argument("--in-flight", type=int, default=8, help="issue jobs waiting for the writer at once")
    parser.add_argument("--numbers", type=int, default=20_000, help="numbers protected each way, each run")
    parser.add_argument("--history", type=int, default=20_000, help="tickets' SMS rows before the rows alone")
    args = parser.parse_args(argv)
    heading(
        f"writer thread CPU per ticket, SMS off, phone only and on: {args.tickets} tickets a phase, "
        f"{args.rounds} rounds"
    )
    with tempfile.TemporaryDirectory(prefix="hallq-writer-sms-") as folder:
        bench = prepare(str(Path(folder) / "writer.db"), 4, args.in_flight)
        notices_on(bench)
        jobs = Jobs(bench)
        bench.runtime.start()
        load = os.getloadavg()
        try:
            figures = asyncio.run(drive(bench, jobs, args.tickets, args.rounds))
        finally:
            bench.runtime.stop()
        summary(figures)
        print(f"load average {load[0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
        try:
            rows_alone(bench, args.tickets, args.history, 5)
        finally:
            bench.runtime.write_engine.dispose()
            bench.runtime.read_engine.dispose()
        print(f"load average {os.getloadavg()[0]:.2f}")
    protection(args.numbers)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
