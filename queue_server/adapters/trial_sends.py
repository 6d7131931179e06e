"""The managers' test texts on SQL (``sms_test_sends``): a handful of rows per hall at most, since
each count drops the rows that no longer count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from queue_server.adapters import tables as t


class SqlTrialSendStore:
    """A hall's recent test texts, read and written in the writer's transaction (which holds the
    hall: two processes never count the same allowance at once)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def sent_since(self, hall_id: int, since: datetime) -> list[datetime]:
        s = t.sms_test_sends.c
        query = select(s.sent_at).where(s.hall_id == hall_id, s.sent_at >= since).order_by(s.sent_at)
        return list(self.conn.scalars(query))

    def add(self, hall_id: int, at: datetime) -> None:
        self.conn.execute(insert(t.sms_test_sends).values(hall_id=hall_id, sent_at=at))

    def forget_before(self, hall_id: int, before: datetime) -> None:
        s = t.sms_test_sends.c
        self.conn.execute(delete(t.sms_test_sends).where(s.hall_id == hall_id, s.sent_at < before))
