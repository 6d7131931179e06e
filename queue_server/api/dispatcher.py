"""The outbox's dispatcher: one asyncio task per server process that sends what the outbox holds.

Each round claims due messages in a short writer job (a lease, so no other process sends them),
sends them on worker threads (never on the writer, never inside a request), then records each
attempt in another writer job. It sleeps until a transaction writes new messages (the runtime's
``outbox_written`` wakes it) or ``idle`` seconds pass (retries fall due, other processes' rows).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from queue_server.domain.outbox import Outcome, RetryPolicy
from queue_server.runtime import Runtime
from queue_server.services.outbox.dispatch import claim_due, gateway_settings, record_attempt
from queue_server.services.outbox.ports import Gateway, MessageRow, Receipt

log = logging.getLogger(__name__)

GatewayFactory = Callable[[Mapping[str, Any]], Gateway]
SETTINGS_TTL = 5.0  # seconds a hall's gateway settings are reused before they are read again


class Dispatcher:
    """Claims, sends and records outbox messages until cancelled."""

    def __init__(
        self,
        runtime: Runtime,
        build: GatewayFactory,
        *,
        policy: RetryPolicy | None = None,
        batch: int = 200,
        lease: timedelta = timedelta(seconds=60),
        idle: float = 1.0,
        senders: int = 16,
    ) -> None:
        self.runtime = runtime
        self.build = build
        self.policy = policy or RetryPolicy()
        self.batch = batch
        self.lease = lease
        self.idle = idle
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"[:60]
        self._pool = ThreadPoolExecutor(senders, thread_name_prefix="hallq-outbox")
        self._wake = asyncio.Event()
        self._gateways: dict[tuple[int, str], tuple[float, str, Gateway]] = {}
        self.sent = 0
        self.failed = 0

    def nudge_threadsafe(self, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
        """A callback for other threads (the writer, after a commit) that wakes the dispatcher."""

        def nudge() -> None:
            loop.call_soon_threadsafe(self._wake.set)

        return nudge

    async def run(self) -> None:
        """Dispatch until cancelled; a failing round is logged and the next one tried."""
        try:
            while True:
                try:
                    busy = await self.round()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("outbox round failed; will try again")
                    busy = False
                if not busy:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.idle)
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)

    async def round(self) -> bool:
        """Claim what is due and send it; whether anything was claimed."""
        owner, lease, batch = self.owner, self.lease, self.batch
        if not await self.runtime.read(lambda uow: uow.stores.outbox.any_due(uow.now)):
            return False  # a read, so an idle hall costs its writer nothing
        claimed = await self.runtime.write(lambda uow: claim_due(uow, owner, lease, batch))
        if claimed:
            await asyncio.gather(*(self._deliver(message) for message in claimed))
        return bool(claimed)

    async def _deliver(self, message: MessageRow) -> None:
        gateway = await self._gateway(message.hall_id, message.destination)
        loop = asyncio.get_running_loop()
        try:
            receipt = await loop.run_in_executor(self._pool, gateway.send, message)
        except Exception as error:  # a gateway bug must not lose the message: it is tried again
            log.exception("gateway for %s failed on message %d", message.destination, message.id)
            receipt = Receipt(Outcome.FAILED.value, f"{type(error).__name__}: {error}")
        if receipt.outcome == Outcome.DELIVERED.value:
            self.sent += 1
        else:
            self.failed += 1
        policy, owner = self.policy, self.owner
        await self.runtime.write(lambda uow: record_attempt(uow, policy, owner, message, receipt))

    async def _gateway(self, hall_id: int, destination: str) -> Gateway:
        cached = self._gateways.get((hall_id, destination))
        now = time.monotonic()
        if cached is not None and now - cached[0] < SETTINGS_TTL:
            return cached[2]
        settings = await self.runtime.read(lambda uow: gateway_settings(uow, hall_id, destination))
        fingerprint = repr(sorted(settings.items()))
        gateway = cached[2] if cached is not None and cached[1] == fingerprint else self.build(settings)
        self._gateways[(hall_id, destination)] = (now, fingerprint, gateway)
        return gateway
