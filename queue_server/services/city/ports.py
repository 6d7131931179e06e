"""The city view's port: each figure read once for every hall (one query per figure, not per hall).

``queue_server.adapters.city`` implements it on SQL; tests use an in-memory fake. Every method takes
the instants that bound "today" and "this month" already worked out from the halls' clock, so the
store only counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CityHall:
    """A hall of the deployment, as the city view names it."""

    id: int
    code: str
    name: str
    name_en: str
    timezone: str


@dataclass(frozen=True, slots=True)
class Ratings:
    """A hall's rated (or defaulted) evaluations of a period and how many of them were 好评."""

    rated: int
    good: int


class CityStore(Protocol):
    """Per-hall counts across all halls, each in one statement."""

    def halls(self) -> list[CityHall]:
        """Every hall, in the order they were made."""
        ...

    def waiting(self, hall_ids: list[int]) -> dict[int, int]:
        """Tickets waiting now, per hall (halls with none are left out)."""
        ...

    def served(self, hall_ids: list[int], start: datetime, end: datetime) -> dict[int, int]:
        """Tickets concluded in [start, end), per hall."""
        ...

    def waits(self, hall_ids: list[int], start: datetime, end: datetime) -> dict[int, list[float]]:
        """Seconds from issue to first call of the tickets first called in [start, end), per hall."""
        ...

    def ratings(
        self, hall_ids: list[int], month_start: datetime, day_start: datetime, end: datetime
    ) -> dict[int, tuple[Ratings, Ratings]]:
        """(this month, today) rated-or-defaulted evaluations and their 好评, by request time, per hall."""
        ...

    def open_alerts(self, hall_ids: list[int]) -> dict[int, tuple[int, int]]:
        """(all, red) alerts not cleared, per hall."""
        ...
