"""Allocation at hall scale: which services an allocation change would leave with no open window.

Pure: the caller passes what each window serves now, which windows are open, and the change
(windows → their new service list); the answer is the services nobody open would serve after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Coverage:
    """Services without an open window: newly so because of the change, and already before it."""

    newly_uncovered: tuple[str, ...]
    still_uncovered: tuple[str, ...]


def covered(serving: Mapping[str, Iterable[str]], open_windows: Iterable[str]) -> set[str]:
    """Services that at least one open window serves."""
    opened = set(open_windows)
    return {service for window, services in serving.items() if window in opened for service in services}


def coverage_after(
    serving: Mapping[str, Iterable[str]],
    open_windows: Iterable[str],
    change: Mapping[str, Iterable[str]],
    services: Iterable[str],
) -> Coverage:
    """What ``change`` (window → its new services) leaves without an open window, among ``services``."""
    opened = set(open_windows)
    before = covered(serving, opened)
    after = covered(
        {**{w: list(s) for w, s in serving.items()}, **{w: list(s) for w, s in change.items()}}, opened
    )
    wanted = list(dict.fromkeys(services))
    return Coverage(
        newly_uncovered=tuple(s for s in wanted if s in before and s not in after),
        still_uncovered=tuple(s for s in wanted if s not in before and s not in after),
    )
