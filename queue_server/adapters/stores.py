"""The SQLAlchemy implementation of the services' stores, for one connection (one transaction)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from queue_server.adapters.auth import SqlSessionStore
from queue_server.adapters.desk import SqlDeskStore, SqlProfileStore, SqlWindowStore
from queue_server.adapters.hall import SqlHallStore
from queue_server.adapters.operations import SqlAlertStore
from queue_server.adapters.raw import RawStatements
from queue_server.adapters.repository import Repository
from queue_server.adapters.tickets import SqlTicketStore
from queue_server.adapters.writer import TRANSACTION_NOTES


class SqlStores:
    """Every aggregate's store on one connection; what the services call ``uow.stores``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.legacy = Repository(conn)
        raw = RawStatements(conn)  # one raw cursor for the hot path's stores
        self.tickets = SqlTicketStore(conn, raw)
        self.hall = SqlHallStore(conn, raw)
        self.windows = SqlWindowStore(conn)
        self.profiles = SqlProfileStore(conn)
        self.desk = SqlDeskStore(conn)
        self.alerts = SqlAlertStore(conn)
        self.sessions = SqlSessionStore(conn)

    def notes(self) -> dict[str, Any]:
        """Notes kept on the connection for the transaction (the writer resets them per attempt)."""
        notes: dict[str, Any] = self.conn.info.setdefault(TRANSACTION_NOTES, {})
        return notes
