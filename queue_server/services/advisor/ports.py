"""What the advisor reads, as a port: the adapter (``queue_server.adapters.history``) reads the events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from queue_server.domain.simulation.history import Journey


class History(Protocol):
    """A hall's recorded days."""

    def journeys(self, hall_id: int, first: date, last: date, timezone: str) -> list[Journey]:
        """Every ticket issued on the hall-local days ``first`` to ``last``, with its visits."""
        ...

    def shifts(self, hall_id: int, day: date, timezone: str) -> dict[str, list[tuple[float, float]]]:
        """Each window's open stretches on ``day``, seconds from local midnight."""
        ...

    def stretches(
        self, hall_id: int, first: date, last: date, timezone: str
    ) -> dict[date, dict[str, list[tuple[float, float]]]]:
        """Each window's open stretches on each hall-local day ``first`` to ``last`` (days and
        windows without any left out)."""
        ...

    def issued_per_day(self, hall_id: int, first: date, last: date, timezone: str) -> dict[date, int]:
        """Tickets issued on each hall-local day ``first`` to ``last`` (days without any left out)."""
        ...

    def mark(self, hall_id: int, before: date, timezone: str) -> tuple[object, ...]:
        """A cheap token of the history before the hall-local day ``before``: equal marks, equal past."""
        ...

    def wait_threshold(self, hall_id: int) -> float:
        """The hall's waiting alert (yellow), in seconds."""
        ...


@dataclass(frozen=True)
class Prediction:
    """What the advisor predicted for one service on one day (seconds), and what made the prediction."""

    service: str
    mean_wait: float
    p90_wait: float
    replications: int
    source: str
    made_at: datetime


class PredictionStore(Protocol):
    """The predictions kept for the next day's check (one per hall, day and service: the latest)."""

    def save(self, hall_id: int, day: date, predictions: Sequence[Prediction]) -> None:
        """Keep ``predictions`` for ``day``, replacing what was kept for those services."""
        ...

    def for_day(self, hall_id: int, day: date) -> list[Prediction]:
        """What was kept for ``day``, by service code."""
        ...
