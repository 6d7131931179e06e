"""Recent hits of an allowance on SQL (``recent_hits``): a handful of rows per key at most, since
each count drops the hall's rows of its kind that no longer count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from queue_server.adapters import tables as t


class SqlRecentHitStore:
    """Hits read and written in the writer's transaction (which holds the hall, or the whole site:
    two processes never count the same allowance at once)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def since(self, hall_id: int, kind: str, key: str, since: datetime) -> list[datetime]:
        h = t.recent_hits.c
        query = (
            select(h.hit_at)
            .where(h.hall_id == hall_id, h.kind == kind, h.key == key, h.hit_at > since)
            .order_by(h.hit_at)
        )
        return list(self.conn.scalars(query))

    def add(self, hall_id: int, kind: str, key: str, at: datetime) -> None:
        self.conn.execute(insert(t.recent_hits).values(hall_id=hall_id, kind=kind, key=key, hit_at=at))

    def forget_until(self, hall_id: int, kind: str, until: datetime) -> None:
        h = t.recent_hits.c
        self.conn.execute(
            delete(t.recent_hits).where(h.hall_id == hall_id, h.kind == kind, h.hit_at <= until)
        )
