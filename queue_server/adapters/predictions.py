"""The advisor's stored predictions on SQL (``services.advisor.ports.PredictionStore``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, delete, insert, select

from queue_server.adapters import tables as t
from queue_server.services.advisor.ports import Prediction


class SqlPredictionStore:
    """One row per hall, day and service: a later prediction replaces an earlier one."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def save(self, hall_id: int, day: date, predictions: Sequence[Prediction]) -> None:
        if not predictions:
            return
        p = t.advisor_predictions.c
        self.conn.execute(
            delete(t.advisor_predictions).where(
                p.hall_id == hall_id, p.day == day, p.service.in_([x.service for x in predictions])
            )
        )
        self.conn.execute(
            insert(t.advisor_predictions),
            [
                {
                    "hall_id": hall_id,
                    "day": day,
                    "service": x.service,
                    "mean_wait": x.mean_wait,
                    "p90_wait": x.p90_wait,
                    "replications": x.replications,
                    "source": x.source[:100],
                    "made_at": x.made_at,
                }
                for x in predictions
            ],
        )

    def for_day(self, hall_id: int, day: date) -> list[Prediction]:
        p = t.advisor_predictions.c
        rows = self.conn.execute(
            select(p.service, p.mean_wait, p.p90_wait, p.replications, p.source, p.made_at)
            .where(p.hall_id == hall_id, p.day == day)
            .order_by(p.service)
        )
        return [Prediction(*row) for row in rows]
