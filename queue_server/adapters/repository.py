"""The catch-all repository of old, shrinking as each aggregate gets its own store (``SqlStores``).

What is left here serves the services not yet on their ports; the hall's, tickets' and windows'
statements live in ``adapters/hall.py``, ``adapters/tickets.py`` and ``adapters/desk.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from queue_server.adapters import tables as t
from queue_server.adapters.hall import SqlHallStore
from queue_server.adapters.raw import RawStatements
from queue_server.adapters.tickets import SqlTicketStore


class Repository:
    """Reads and writes of one unit of work, on its connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        raw = RawStatements(conn)
        self._hall = SqlHallStore(conn, raw)
        self._tickets = SqlTicketStore(conn, raw)

    def hall_versions(self) -> dict[int, int]:
        """Each hall's catalogue version."""
        return self._hall.hall_versions()

    def hall_id(self, code: str | None) -> int:
        """The id of hall ``code``, or of the only hall when ``code`` is None."""
        return self._hall.hall_id(code)

    def raise_counter(self, hall_id: int, name: str, day: date, at_least: int) -> None:
        """Make a daily counter at least ``at_least`` (a cap set mid-day counts the day's tickets)."""
        self._tickets.raise_counter(hall_id, name, day, at_least)

    def audit(
        self, hall_id: int, at: datetime, actor: str, action: str, subject: str, detail: dict[str, Any]
    ) -> None:
        """Write one audit-log line (logins, manager actions, views of personal data)."""
        self._hall.audit(hall_id, at, actor, action, subject, detail)

    def ticket(self, **where: Any) -> Any:
        """One ticket row matching ``where`` (columns of tickets), or None."""
        clauses = [t.tickets.c[name] == value for name, value in where.items()]
        return self.conn.execute(select(t.tickets).where(and_(*clauses))).first()

    def tickets_by_ids(self, ids: Iterable[int]) -> dict[int, Any]:
        """Ticket rows by id."""
        ids = list(ids)
        if not ids:
            return {}
        return {r.id: r for r in self.conn.execute(select(t.tickets).where(t.tickets.c.id.in_(ids)))}

    def update_ticket(self, ticket_id: int, expected_status: str, **values: Any) -> bool:
        """Change a ticket's other columns only if it is still in ``expected_status``
        (compare-and-set across processes); its status changes only along the transition table."""
        if "status" in values:
            raise ValueError("a ticket's status changes only along the transition table (move_ticket)")
        return self._tickets.update(ticket_id, expected_status, **values)

    def users_by_ids(self, ids: Iterable[int]) -> dict[int, Any]:
        """User rows by id."""
        ids = [i for i in ids if i is not None]
        if not ids:
            return {}
        return {r.id: r for r in self.conn.execute(select(t.users).where(t.users.c.id.in_(ids)))}

    def replace_assignments(self, hall_id: int, window_id: int, rows: list[dict[str, Any]]) -> None:
        """Set a window's assignments to ``rows`` in one go."""
        self.conn.execute(t.assignments.delete().where(t.assignments.c.window_id == window_id))
        if rows:
            self.conn.execute(
                t.assignments.insert(), [{**r, "hall_id": hall_id, "window_id": window_id} for r in rows]
            )
