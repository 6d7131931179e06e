"""Handing a thread's results to the coroutines awaiting them on their event loop."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)

# (the caller's future, its result or error, whether it is a result)
Settled = list[tuple["asyncio.Future[Any]", Any, bool]]


def resolve(settled: Settled) -> None:
    """On the callers' event loop (``call_soon_threadsafe``, once for all of a batch's callers):
    hand each its result (or error), unless it gave up waiting."""
    for waiter, result, ok in settled:
        if waiter.done():  # cancelled: its request was abandoned
            continue
        if ok:
            waiter.set_result(result)
        else:
            waiter.set_exception(result)


def hand_over(woken: dict[asyncio.AbstractEventLoop, Settled]) -> None:
    """From a worker thread: wake each loop once, to resolve all of its callers."""
    for loop, settled in woken.items():
        try:
            loop.call_soon_threadsafe(resolve, settled)
        except RuntimeError:  # the loop is closed (shutdown): nobody is left to tell
            log.debug("event loop closed; %d callers not told", len(settled))
