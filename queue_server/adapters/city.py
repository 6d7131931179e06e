"""The city view's store on SQL: every figure is one grouped statement over all the halls asked for.

A city of thirty halls costs the same six statements as a city of one; each statement reads through
an index that leads with ``hall_id`` (queue, hall/time, pending evaluations, open alerts).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, case, func, select

from queue_server.adapters import tables as t
from queue_server.domain.evaluations import Status as EvaluationStatus
from queue_server.domain.rating import BAD_LEVELS
from queue_server.services.city.ports import CityHall, Ratings

RATED = (EvaluationStatus.RATED.value, EvaluationStatus.DEFAULTED.value)
BAD = tuple(level.value for level in BAD_LEVELS)


class SqlCityStore:
    """Per-hall counts on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def halls(self) -> list[CityHall]:
        """Every hall, in the order they were made."""
        h = t.halls.c
        query = select(h.id, h.code, h.name, h.name_en, h.timezone).order_by(h.id)
        return [CityHall(r.id, r.code, r.name, r.name_en or "", r.timezone) for r in self.conn.execute(query)]

    def waiting(self, hall_ids: list[int]) -> dict[int, int]:
        """Tickets waiting now, per hall: the counts the triggers on tickets keep per service
        (``queue_lengths``), summed, not the halls' queues counted ticket by ticket."""
        q = t.queue_lengths.c
        query = select(q.hall_id, func.sum(q.waiting)).where(q.hall_id.in_(hall_ids)).group_by(q.hall_id)
        return {hall: int(n) for hall, n in self.conn.execute(query)}

    def served(self, hall_ids: list[int], start: datetime, end: datetime) -> dict[int, int]:
        """Tickets concluded in [start, end), per hall (one ``ticket.concluded`` event each)."""
        e = t.events.c
        query = (
            select(e.hall_id, func.count())
            .where(e.hall_id.in_(hall_ids), e.at >= start, e.at < end, e.type == "ticket.concluded")
            .group_by(e.hall_id)
        )
        return {hall: n for hall, n in self.conn.execute(query)}

    def waits(self, hall_ids: list[int], start: datetime, end: datetime) -> dict[int, list[float]]:
        """Seconds from issue to first call of the tickets first called in [start, end), per hall."""
        e, k = t.events.c, t.tickets.c
        first = (
            select(e.ticket_id, func.min(e.at).label("called_at"))
            .where(e.hall_id.in_(hall_ids), e.at >= start, e.at < end, e.type == "ticket.called")
            .group_by(e.ticket_id)
            .subquery()
        )
        query = select(k.hall_id, k.issued_at, first.c.called_at).join(first, first.c.ticket_id == k.id)
        waits: dict[int, list[float]] = {}
        for hall, issued_at, called_at in self.conn.execute(query):  # min() keeps the UTC type
            waits.setdefault(hall, []).append(max(0.0, (called_at - issued_at).total_seconds()))
        return waits

    def ratings(
        self, hall_ids: list[int], month_start: datetime, day_start: datetime, end: datetime
    ) -> dict[int, tuple[Ratings, Ratings]]:
        """(this month, today) rated-or-defaulted evaluations and their 好评, per hall."""
        v = t.evaluations.c
        good = v.level.not_in(BAD)
        today = v.requested_at >= day_start
        query = (
            select(
                v.hall_id,
                func.count(),
                func.sum(case((good, 1), else_=0)),
                func.sum(case((today, 1), else_=0)),
                func.sum(case((and_(today, good), 1), else_=0)),
            )
            .where(
                v.hall_id.in_(hall_ids),
                v.requested_at >= month_start,
                v.requested_at < end,
                v.status.in_(RATED),
                v.level.is_not(None),
            )
            .group_by(v.hall_id)
        )
        return {
            hall: (Ratings(n, int(g or 0)), Ratings(int(n_day or 0), int(g_day or 0)))
            for hall, n, g, n_day, g_day in self.conn.execute(query)
        }

    def open_alerts(self, hall_ids: list[int]) -> dict[int, tuple[int, int]]:
        """(all, red) alerts not cleared, per hall."""
        a = t.alerts.c
        query = (
            select(a.hall_id, func.count(), func.sum(case((a.severity == "red", 1), else_=0)))
            .where(a.hall_id.in_(hall_ids), a.cleared_at.is_(None))
            .group_by(a.hall_id)
        )
        return {hall: (n, int(red or 0)) for hall, n, red in self.conn.execute(query)}
