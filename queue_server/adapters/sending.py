"""Where the outbox's messages are sent from: threads of the server's own process, or a process of
its own that the dispatcher starts and stops.

The dispatcher claims a batch (a writer job, in the server) and hands it here with each message's
gateway settings; what comes back is one receipt a message, in the batch's order. Sending is
decrypting the number, signing, one HTTP exchange: ~0.1 ms of Python a message, which in the
server's process runs on the interpreter lock beside the event loop and the writer. In the sending
process (``ProcessSender``, what ``hallq serve`` runs) it leaves the server: the claim and the
record stay the server's writer jobs, so the leases, the order per citizen and SQLite's one
writing process are as before, and the process only ever sees what it is handed.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait
from typing import Any

from queue_server.domain.outbox import Outcome
from queue_server.services.outbox.ports import Gateway, MessageRow, Receipt

log = logging.getLogger(__name__)

GatewayFactory = Callable[[Mapping[str, Any]], Gateway]
# One message to send: its gateway's settings (their fingerprint, then the settings) and itself.
Work = tuple[str, Mapping[str, Any], MessageRow]
MAX_GATEWAYS = 256  # gateways kept (each with its kept-alive connections), one per settings seen


class Sending:
    """Sends batches on ``senders`` threads, each gateway built once per settings fingerprint."""

    def __init__(self, build: GatewayFactory, senders: int) -> None:
        self.build = build
        self.senders = senders
        self.pool = ThreadPoolExecutor(senders, thread_name_prefix="hallq-outbox")
        self.gateways: dict[str, Gateway] = {}

    def _gateway(self, fingerprint: str, settings: Mapping[str, Any]) -> Gateway:
        gateway = self.gateways.get(fingerprint)
        if gateway is None:
            if len(self.gateways) >= MAX_GATEWAYS:  # settings changed many times: drop the old ones
                self.gateways.clear()
            gateway = self.gateways[fingerprint] = self.build(settings)
        return gateway

    def slices(self, work: list[Work]) -> list[list[tuple[Gateway, MessageRow]]]:
        """The batch cut into one slice per thread (a batch holds at most one message per citizen,
        so nothing in it waits for another)."""
        carried = [(self._gateway(fingerprint, settings), message) for fingerprint, settings, message in work]
        return [carried[start :: self.senders] for start in range(min(self.senders, len(carried)))]

    def joined(self, work: list[Work], sent: list[list[Receipt]]) -> list[Receipt]:
        """The slices' receipts back in the batch's order."""
        receipts: list[Receipt] = [Receipt(Outcome.FAILED.value)] * len(work)
        for start, part in enumerate(sent):
            receipts[start :: self.senders] = part
        return receipts

    def send_blocking(self, work: list[Work]) -> list[Receipt]:
        """A batch sent from this thread's process (the sending process's side)."""
        futures = [self.pool.submit(send_slice, part) for part in self.slices(work)]
        return self.joined(work, [future.result() for future in futures])

    async def send(self, work: list[Work]) -> list[Receipt]:
        """A batch sent on this process's threads: the event loop is woken once a slice."""
        loop = asyncio.get_running_loop()
        parts = self.slices(work)
        sent = await asyncio.gather(*(loop.run_in_executor(self.pool, send_slice, part) for part in parts))
        return self.joined(work, list(sent))

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def send_slice(work: list[tuple[Gateway, MessageRow]]) -> list[Receipt]:
    """A slice of a batch, sent in turn on one thread; a gateway's bug fails its message alone."""
    receipts = []
    for gateway, message in work:
        try:
            receipts.append(gateway.send(message))
        except Exception as error:  # a gateway bug must not lose the message: it is tried again
            log.exception("gateway for %s failed on message %d", message.destination, message.id)
            receipts.append(Receipt(Outcome.FAILED.value, f"{type(error).__name__}: {error}"))
    return receipts


class ThreadSender:
    """Sends on threads of the server's own process (tests of the dispatcher alone, benchmarks)."""

    def __init__(self, build: GatewayFactory, senders: int = 16) -> None:
        self._sending = Sending(build, senders)

    async def send(self, work: list[Work]) -> list[Receipt]:
        return await self._sending.send(work)

    def close(self) -> None:
        self._sending.close()


# The sending process's own state, set once by its initialiser.
_child: Sending | None = None


def _start_child(build: GatewayFactory, senders: int) -> None:
    global _child
    _child = Sending(build, senders)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    """Leave when the server does, however it went (``kill -9`` included): the pool's pipes do not
    tell a waiting worker that its parent is gone, so without this it would wait for ever."""
    wait([sentinel])
    os._exit(0)


def _send_in_child(work: list[Work]) -> list[Receipt]:
    assert _child is not None, "the sending process was started without its initialiser"
    return _child.send_blocking(work)


class ProcessSender:
    """Sends from a process of its own, started with the first batch and stopped with the server.

    ``build`` is pickled to it (a module-level function, or a ``functools.partial`` of one, with
    the server's key for the numbers): it is what the process builds each gateway with. Started
    by ``spawn``, not ``fork``: the server has threads (the writer, the event loop's helpers) whose
    locks a forked copy could inherit held, and the process reads the gateways' secrets from the
    environment as it is when it starts. If the process dies, the batch it held comes back failed
    (each message tried again after its pause, under its idempotency key) and the next batch
    starts a new one.
    """

    def __init__(self, build: GatewayFactory, senders: int = 16) -> None:
        pickle.dumps(build)  # refused now, not on the first notice, if it cannot cross to the process
        self.build = build
        self.senders = senders
        self._pool: ProcessPoolExecutor | None = None
        self.started = 0  # sending processes started (a new one after one died)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_child,
                initargs=(self.build, self.senders),
            )
            self.started += 1
        return self._pool

    async def send(self, work: list[Work]) -> list[Receipt]:
        try:
            future = self._submit(work)
        except BrokenProcessPool:  # it died between batches, holding nothing: start a new one
            self._drop()
            future = self._submit(work)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            log.error("the outbox's sending process died during a batch; it will be sent again")
            self._drop()
            return [Receipt(Outcome.FAILED.value, "the sending process died")] * len(work)

    def _submit(self, work: list[Work]) -> Future[list[Receipt]]:
        return self._executor().submit(_send_in_child, work)

    def _drop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        self._drop()
