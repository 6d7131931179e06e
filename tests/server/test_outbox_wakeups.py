"""The dispatcher's wake-ups, counted (not timed): under a kiosk issuing with SMS on every ticket the
writer calls the dispatcher's nudge after each commit that wrote messages. A dispatcher that is
sending or lingering only counts those commits (no hand-off to the event loop: no self-pipe write
on the writer's thread, no callback on the loop), and goes on at once if any came during its
round; one that waits is woken by the first."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from queue_server.api.dispatcher import Dispatcher
from queue_server.services.outbox.ports import Receipt


class Outbox:
    """What the dispatcher asks of its runtime, for an outbox that never has anything due: each
    read (anything due?) and write (the claim) counted."""

    def __init__(self) -> None:
        self.reads = 0
        self.claims = 0
        self.claimed = asyncio.Event()

    async def read(self, handler: Callable[[Any], Any]) -> bool:
        self.reads += 1
        return False

    async def write(self, handler: Callable[[Any], Any], hall: int | None = None) -> list[Any]:
        self.claims += 1
        self.claimed.set()
        return []


class Sender:
    async def send(self, work: list[Any]) -> list[Receipt]:
        raise AssertionError("nothing is claimed, nothing is sent")

    def close(self) -> None:
        pass


def counted_handoffs(loop: asyncio.AbstractEventLoop) -> list[Any]:
    """The callbacks handed to ``loop`` from other threads from now on."""
    handed: list[Any] = []
    original = loop.call_soon_threadsafe

    def call_soon_threadsafe(callback: Any, *args: Any, **kwargs: Any) -> Any:
        handed.append(callback)
        return original(callback, *args, **kwargs)

    loop.call_soon_threadsafe = call_soon_threadsafe  # type: ignore[method-assign,assignment]
    return handed


def nudge_from_writer(nudge: Callable[[], None]) -> None:
    """A commit that wrote messages, as the writer's thread reports it."""
    thread = threading.Thread(target=nudge)
    thread.start()
    thread.join()


def test_commits_while_the_dispatcher_is_not_waiting_hand_nothing_to_the_loop() -> None:
    async def scenario() -> int:
        loop = asyncio.get_running_loop()
        dispatcher = Dispatcher(Outbox(), Sender(), idle=60.0, linger=0.0)  # type: ignore[arg-type]
        nudge = dispatcher.nudge_threadsafe(loop)
        handed = counted_handoffs(loop)
        for _ in range(20):  # the dispatcher is busy elsewhere (here: not started); the loop runs between
            nudge_from_writer(nudge)
            await asyncio.sleep(0)
        return len(handed)

    assert asyncio.run(scenario()) == 0  # the tree before: one hand-off a commit, 20


def test_a_waiting_dispatcher_is_woken_by_one_hand_off_and_claims_without_asking() -> None:
    async def scenario() -> tuple[int, int, int]:
        loop = asyncio.get_running_loop()
        outbox = Outbox()
        dispatcher = Dispatcher(outbox, Sender(), idle=600.0, linger=0.0)  # type: ignore[arg-type]
        nudge = dispatcher.nudge_threadsafe(loop)
        handed = counted_handoffs(loop)
        task = asyncio.create_task(dispatcher.run())
        while not dispatcher._waiting:  # its first round asked, found nothing due, and waits
            await asyncio.sleep(0.01)
        for _ in range(5):
            nudge_from_writer(nudge)
        await asyncio.wait_for(outbox.claimed.wait(), 120)  # only a wake-up ends a 600 s wait
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return len(handed), outbox.reads, outbox.claims

    handed, reads, claims = asyncio.run(scenario())
    assert handed == 1  # five commits, one wake-up
    assert (reads, claims) == (1, 1)  # told: the next round claims without asking first


def test_a_commit_during_the_round_keeps_the_dispatcher_from_waiting() -> None:
    async def scenario() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        outbox = Outbox()
        dispatcher = Dispatcher(outbox, Sender(), idle=600.0, linger=0.0)  # type: ignore[arg-type]
        nudge = dispatcher.nudge_threadsafe(loop)
        handed = counted_handoffs(loop)
        asked = outbox.read

        async def read_while_a_commit_lands(handler: Callable[[Any], Any]) -> bool:
            if outbox.reads == 0:
                nudge_from_writer(nudge)  # the dispatcher is in its round, not waiting
            return await asked(handler)

        outbox.read = read_while_a_commit_lands  # type: ignore[method-assign]
        task = asyncio.create_task(dispatcher.run())
        await asyncio.wait_for(outbox.claimed.wait(), 120)  # claimed without a 600 s wait
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return len(handed), outbox.claims

    handed, claims = asyncio.run(scenario())
    assert (handed, claims) == (0, 1)
