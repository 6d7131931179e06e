"""The outbox's dispatcher: one asyncio task per server process that sends what the outbox holds.

Each round claims due messages in a short writer job (a lease, so no other process sends them),
hands them to its sender (``hallq serve``'s: a sending process of its own; never the writer, never
inside a request), then records each attempt in another writer job. It sleeps until a transaction
writes new messages (the runtime's ``outbox_written`` wakes it) or ``idle`` seconds pass (retries
fall due, other processes' rows).

A destination that fails is left alone for a while (a doubling pause, at most ``PROBE_MAX``): its
messages are not claimed, so an outage costs one failed batch per pause, not one per round. The
next batch after the pause is the probe; the first delivery after failures makes every message of
that destination that waits out its own back-off due at once, so the backlog drains at the send rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import partial
from typing import Any

from queue_server.domain.outbox import Outcome, RetryPolicy
from queue_server.runtime import OUTBOX_ROWS, Runtime
from queue_server.services.outbox.dispatch import (
    claim_due,
    destination_back,
    gateway_settings,
    record_and_claim,
)
from queue_server.services.outbox.ports import MessageRow, Receipt, Sender

log = logging.getLogger(__name__)

Destination = tuple[int, str]  # (hall id, destination)
SETTINGS_TTL = 5.0  # seconds a hall's gateway settings are reused before they are read again
PROBE_MAX = 10.0  # seconds at most between two tries of a destination that keeps failing


class Dispatcher:
    """Claims, sends and records outbox messages until cancelled."""

    def __init__(
        self,
        runtime: Runtime,
        sender: Sender,
        *,
        policy: RetryPolicy | None = None,
        batch: int = 200,
        lease: timedelta = timedelta(seconds=60),
        idle: float = 1.0,
        linger: float = 0.1,
    ) -> None:
        self.runtime = runtime
        self.sender = sender
        self.policy = policy or RetryPolicy()
        self.batch = batch
        self.lease = lease
        self.idle = idle
        self.linger = linger
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"[:60]
        self._wake = asyncio.Event()
        self._nudged = False  # a wake-up is on its way to the event loop
        self._settings: dict[Destination, tuple[float, str, Mapping[str, Any]]] = {}
        self._away: dict[Destination, tuple[float, int]] = {}  # until (monotonic), failed rounds
        self.sent = 0
        self.failed = 0

    def nudge_threadsafe(self, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
        """A callback for other threads (the writer, after a commit) that wakes the dispatcher.

        Under a busy kiosk every committed SMS ticket calls it: while one wake-up is on its way to
        the event loop, the next calls add nothing (their commits are done, so the round that
        wake-up starts sees their messages) and cost no hand-off to the loop."""

        def wake() -> None:
            self._nudged = False
            self._wake.set()

        def nudge() -> None:
            if self._nudged:
                return
            self._nudged = True
            loop.call_soon_threadsafe(wake)

        return nudge

    async def run(self) -> None:
        """Dispatch until cancelled; a failing round is logged and the next one tried."""
        try:
            told = False  # woken by a commit that wrote messages: no need to ask whether any are due
            while True:
                try:
                    busy = await self.round(ask=not told)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("outbox round failed; will try again")
                    busy = False
                told = False
                if not busy:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.idle)
                        told = True
                # Linger a moment: the messages of the commits that follow go in the same round
                # (one claim, one record job for many), not one round each under a busy kiosk load.
                await asyncio.sleep(self.linger)
        finally:
            self.sender.close()

    async def round(self, ask: bool = True) -> bool:
        """Claim what is due and send it, batch after batch while there is more; whether anything
        was claimed. Unless told that messages were just written (``ask`` False), a read asks
        first, so an idle hall costs its writer nothing. Under load each batch costs the writer one
        job, not two: a batch's results are recorded in the job that claims the next one."""
        owner, lease, batch, policy = self.owner, self.lease, self.batch, self.policy
        if ask and not await self.runtime.read(lambda uow: uow.stores.outbox.any_due(uow.now)):
            return False
        skip = self._skip()
        claimed = await self.runtime.write(lambda uow: claim_due(uow, owner, lease, batch, skip), OUTBOX_ROWS)
        busy = bool(claimed)
        while claimed:
            receipts = await self._deliver(claimed)
            done = list(zip(claimed, receipts, strict=True))
            await self._note_health(claimed, [receipt.outcome for receipt in receipts])
            await asyncio.sleep(self.linger)  # the messages of the commits meanwhile join the next batch
            skip = self._skip()
            job = partial(
                record_and_claim, policy=policy, owner=owner, done=done, lease=lease, limit=batch, skip=skip
            )
            claimed = await self.runtime.write(job, OUTBOX_ROWS)
        return busy

    def _skip(self) -> list[Destination]:
        now = time.monotonic()
        return [key for key, (until, _) in self._away.items() if until > now]

    async def _note_health(self, claimed: list[MessageRow], results: list[str]) -> None:
        """Pause a destination that failed this round; hasten its backlog once it delivers again."""
        delivered: set[Destination] = set()
        failed: set[Destination] = set()
        for message, outcome in zip(claimed, results, strict=True):
            key = (message.hall_id, message.destination)
            (delivered if outcome == Outcome.DELIVERED.value else failed).add(key)
        for key in failed - delivered:
            rounds = self._away.get(key, (0.0, 0))[1] + 1
            pause = min(self.policy.delay(rounds).total_seconds(), PROBE_MAX)
            self._away[key] = (time.monotonic() + pause, rounds)
            if rounds == 1:
                log.warning("outbox destination %s of hall %d fails; pausing it", key[1], key[0])
        for key in delivered:
            if self._away.pop(key, None) is not None:
                hall_id, destination = key
                hastened = await self.runtime.write(
                    partial(destination_back, hall_id=hall_id, destination=destination), OUTBOX_ROWS
                )
                log.info(
                    "outbox destination %s of hall %d answers again; %d messages due now",
                    destination,
                    hall_id,
                    hastened,
                )

    async def _deliver(self, claimed: list[MessageRow]) -> list[Receipt]:
        """Hand a batch to the sender, each message with its destination's gateway settings."""
        settings: dict[Destination, tuple[str, Mapping[str, Any]]] = {}
        for message in claimed:
            key = (message.hall_id, message.destination)
            if key not in settings:
                settings[key] = await self._gateway_settings(*key)
        work = [(*settings[(m.hall_id, m.destination)], m) for m in claimed]
        receipts = await self.sender.send(work)
        for receipt in receipts:
            if receipt.outcome == Outcome.DELIVERED.value:
                self.sent += 1
            else:
                self.failed += 1
        return receipts

    async def _gateway_settings(self, hall_id: int, destination: str) -> tuple[str, Mapping[str, Any]]:
        """A destination's gateway settings and their fingerprint (the sender builds a gateway
        once per fingerprint), read again after ``SETTINGS_TTL``."""
        cached = self._settings.get((hall_id, destination))
        now = time.monotonic()
        if cached is not None and now - cached[0] < SETTINGS_TTL:
            return cached[1], cached[2]
        settings = await self.runtime.read(lambda uow: gateway_settings(uow, hall_id, destination))
        fingerprint = repr(sorted(settings.items()))
        self._settings[(hall_id, destination)] = (now, fingerprint, settings)
        return fingerprint, settings
