"""Handing a thread's results to the coroutines awaiting them on their event loop."""

from __future__ import annotations

import asyncio
from typing import Any

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
