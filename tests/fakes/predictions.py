"""The advisor's stored predictions in memory (``services.advisor.ports.PredictionStore``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from queue_server.services.advisor.ports import Prediction


class FakePredictionStore:
    """One per hall, day and service: a later prediction replaces an earlier one."""

    def __init__(self) -> None:
        self.kept: dict[tuple[int, date, str], Prediction] = {}

    def save(self, hall_id: int, day: date, predictions: Sequence[Prediction]) -> None:
        for p in predictions:
            self.kept[(hall_id, day, p.service)] = p

    def for_day(self, hall_id: int, day: date) -> list[Prediction]:
        return [p for (h, d, _), p in sorted(self.kept.items()) if h == hall_id and d == day]
