"""What sending the outbox's messages costs the server's own process: on its threads, or handed
to its sending process.

    .venv/bin/python -m benchmarks.outbox_sending [--messages 3000] [--batch 50] [--rounds 2]

No database and no dispatcher: batches of SMS messages (each with its encrypted number, as the
outbox holds them) go through ``ThreadSender`` and ``ProcessSender`` to ``hallq mock-gateway`` in
a process of its own, over HTTP with HallQ's signature, alternated (threads, process, process,
threads per round). Printed per message: this process's CPU (``RUSAGE_SELF``: what the server's
interpreter would spend; the sending process's is not in it), the sending process's CPU (from
``/proc``) and the wall time, with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import time
from datetime import UTC, datetime
from functools import partial

from benchmarks.common import cpu_seconds, heading, report
from benchmarks.outbox import Gateway, load
from queue_server.adapters.gateways import build_gateway
from queue_server.adapters.sending import ProcessSender, ThreadSender, Work
from queue_server.services.outbox.ports import MessageRow, Receipt
from queue_server.services.pii import protect_phone

SECRET_ENV = "HALLQ_BENCH_SENDING_SECRET"
KEY = b"bench-sending-key-0123456789abcd"


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def batches(url: str, messages: int, batch: int, offset: int) -> list[list[Work]]:
    settings = {"kind": "http", "url": f"{url}/sms", "secret_env": SECRET_ENV}
    fingerprint = repr(sorted(settings.items()))
    now = datetime.now(UTC)
    work: list[Work] = []
    for i in range(offset, offset + messages):
        cipher = protect_phone(KEY, f"137{i % 100_000_000:08d}").cipher
        payload = {
            "phone_cipher": cipher,
            "phone_masked": "137****0000",
            "text": "【大厅】A001 号，请到 5 号窗口办理。",
        }
        key = f"sms:bench{i}:called"
        row = MessageRow(
            i, 1, "sms", "sms.called", key, f"sms:{i}", payload, "pending", 0, now, now, None, None
        )
        work.append((fingerprint, settings, row))
    return [work[start : start + batch] for start in range(0, len(work), batch)]


def run(kind: str, url: str, messages: int, batch: int, offset: int) -> None:
    build = partial(build_gateway, pii_key=KEY)
    sender = ProcessSender(build) if kind == "process" else ThreadSender(build)
    warm, work = batches(url, 1, 1, offset)[0], batches(url, messages, batch, offset + 1)

    async def send_all() -> list[Receipt]:
        await sender.send(warm)  # started and connected before the clock runs
        got: list[Receipt] = []
        before, wall = own_cpu(), time.perf_counter()
        child = sender_cpu(sender)
        for part in work:
            got += await sender.send(part)
        spent, wall = own_cpu() - before, time.perf_counter() - wall
        child = sender_cpu(sender) - child
        report(f"{kind}: this process's CPU per message", round(spent / messages * 1e6, 1), "µs", None, None)
        report(
            f"{kind}: sending process's CPU per message", round(child / messages * 1e6, 1), "µs", None, None
        )
        report(f"{kind}: wall per message", round(wall / messages * 1e6, 1), "µs", None, None)
        return got

    receipts = asyncio.run(send_all())
    sender.close()
    delivered = sum(receipt.outcome == "delivered" for receipt in receipts)
    report(f"{kind}: delivered", f"{delivered} / {messages}", "", "equal", delivered == messages)


def sender_cpu(sender: ThreadSender | ProcessSender) -> float:
    process = getattr(sender, "_process", None)
    return cpu_seconds(process.pid) if process is not None else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    os.environ[SECRET_ENV] = "bench-secret"  # the sending process inherits it
    gateway = Gateway("bench-secret")
    try:
        offset = 0
        for round_ in range(args.rounds):
            for kind in ("threads", "process", "process", "threads"):
                heading(f"round {round_ + 1}: {args.messages} messages in batches of {args.batch}, {kind}")
                run(kind, gateway.url, args.messages, args.batch, offset)
                offset += args.messages + 2
                print(f"    {load()}")
    finally:
        gateway.stop()


if __name__ == "__main__":
    main()
