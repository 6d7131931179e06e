"""The city view's store in memory: rows a test puts in, counted the way the SQL store counts them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from queue_server.domain.rating import BAD_LEVELS
from queue_server.services.city.ports import CityHall, Ratings

BAD = {level.value for level in BAD_LEVELS}


@dataclass
class FakeCityStore:
    """Halls and the few facts of each that the city view counts."""

    hall_rows: list[CityHall] = field(default_factory=list)
    waiting_tickets: list[int] = field(default_factory=list)  # hall id per waiting ticket
    concluded: list[tuple[int, datetime]] = field(default_factory=list)  # (hall, at)
    calls: list[tuple[int, datetime, datetime]] = field(default_factory=list)  # (hall, issued, first call)
    rated: list[tuple[int, datetime, str]] = field(default_factory=list)  # (hall, requested, level)
    alerts: list[tuple[int, str]] = field(default_factory=list)  # (hall, severity) not cleared
    statements: int = 0  # how many reads the service made

    def halls(self) -> list[CityHall]:
        self.statements += 1
        return list(self.hall_rows)

    def waiting(self, hall_ids: list[int]) -> dict[int, int]:
        self.statements += 1
        out: dict[int, int] = {}
        for hall in self.waiting_tickets:
            if hall in hall_ids:
                out[hall] = out.get(hall, 0) + 1
        return out

    def served(self, hall_ids: list[int], start: datetime, end: datetime) -> dict[int, int]:
        self.statements += 1
        out: dict[int, int] = {}
        for hall, at in self.concluded:
            if hall in hall_ids and start <= at < end:
                out[hall] = out.get(hall, 0) + 1
        return out

    def waits(self, hall_ids: list[int], start: datetime, end: datetime) -> dict[int, list[float]]:
        self.statements += 1
        out: dict[int, list[float]] = {}
        for hall, issued, called in self.calls:
            if hall in hall_ids and start <= called < end:
                out.setdefault(hall, []).append((called - issued).total_seconds())
        return out

    def ratings(
        self, hall_ids: list[int], month_start: datetime, day_start: datetime, end: datetime
    ) -> dict[int, tuple[Ratings, Ratings]]:
        self.statements += 1
        counts: dict[int, list[int]] = {}
        for hall, requested, level in self.rated:
            if hall not in hall_ids or not month_start <= requested < end:
                continue
            n = counts.setdefault(hall, [0, 0, 0, 0])
            good, today = level not in BAD, requested >= day_start
            n[0], n[1], n[2], n[3] = n[0] + 1, n[1] + good, n[2] + today, n[3] + (good and today)
        return {hall: (Ratings(n[0], n[1]), Ratings(n[2], n[3])) for hall, n in counts.items()}

    def open_alerts(self, hall_ids: list[int]) -> dict[int, tuple[int, int]]:
        self.statements += 1
        out: dict[int, tuple[int, int]] = {}
        for hall, severity in self.alerts:
            if hall in hall_ids:
                n, red = out.get(hall, (0, 0))
                out[hall] = (n + 1, red + (severity == "red"))
        return out
