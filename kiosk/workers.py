"""The kiosk's two worker threads: one for the citizen's errands, one for background refreshes.

Results come back to the UI thread through the Kivy clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from kivy.clock import Clock

log = logging.getLogger(__name__)


class Workers:
    """Work off the UI thread, with ``done``/``fail`` called back on it."""

    def __init__(self) -> None:
        self._citizen = ThreadPoolExecutor(1, "kiosk-citizen")
        self._background = ThreadPoolExecutor(1, "kiosk-background")

    def citizen(
        self,
        work: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        done: Callable[[Any], None],
        fail: Callable[[Exception], None],
    ) -> None:
        """A citizen's errand (one at a time, in the order tapped)."""
        _submit(self._citizen, work, args, kwargs, done, fail)

    def background(
        self,
        work: Callable[..., Any],
        args: tuple[Any, ...],
        done: Callable[[Any], None] | None,
        fail: Callable[[Exception], None] | None,
    ) -> None:
        """Housekeeping (never queued behind a citizen's errand)."""
        _submit(self._background, work, args, {}, done, fail)

    def shutdown(self) -> None:
        """Drop what has not started; what runs finishes on its own."""
        self._citizen.shutdown(wait=False, cancel_futures=True)
        self._background.shutdown(wait=False, cancel_futures=True)


def _submit(
    pool: ThreadPoolExecutor,
    work: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    done: Callable[[Any], None] | None,
    fail: Callable[[Exception], None] | None,
) -> None:
    def settle(future: Future[Any]) -> None:
        error = future.exception()
        if error is None:
            if done is not None:
                Clock.schedule_once(lambda _dt: done(future.result()))
        elif fail is not None and isinstance(error, Exception):
            Clock.schedule_once(lambda _dt: fail(error))
        else:
            log.warning("background work %s failed: %r", getattr(work, "__name__", work), error)

    try:
        pool.submit(work, *args, **kwargs).add_done_callback(settle)
    except RuntimeError:
        log.info("kiosk stopping: %s not run", getattr(work, "__name__", work))
