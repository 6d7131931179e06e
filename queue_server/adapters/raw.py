"""The hot path's statements on the driver's own cursor, inside SQLAlchemy's transaction.

Issuing a ticket runs a handful of tiny statements; building and compiling SQLAlchemy constructs
for each costs more than the database work itself (STACK.md). These few statements are written
once in SQL that both SQLite (3.35+) and PostgreSQL accept, and their values converted here the
way the tables' column types store them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, Table

from queue_server.adapters import utc
from queue_server.adapters.tables import UtcDateTime

Convert = Callable[[Any], Any]


def _sqlite_json(value: Any) -> str:
    return json.dumps(value)


def _pg_json(value: Any) -> Any:
    from psycopg.types.json import Json

    return Json(value)


def _keep(value: Any) -> Any:
    return value


@cache
def _converters(table: Table, dialect: str) -> dict[str, Convert]:
    """How each column's Python value is bound on the raw cursor."""
    sqlite = dialect == "sqlite"
    out: dict[str, Convert] = {}
    for column in table.columns:
        kind = column.type
        if isinstance(kind, UtcDateTime):
            out[column.name] = utc.to_sqlite_text if sqlite else utc.to_stored  # as Core binds it
        elif isinstance(kind, JSON):
            out[column.name] = _sqlite_json if sqlite else _pg_json
        elif isinstance(kind, Date) and sqlite:
            out[column.name] = date.isoformat
        elif isinstance(kind, Boolean) and sqlite:
            out[column.name] = int
        else:
            out[column.name] = _keep
    return out


def read_time(value: Any) -> datetime | None:
    """A UtcDateTime column read on the raw cursor (text on SQLite, naive datetime on PostgreSQL)."""
    return utc.from_stored(value)


class RawStatements:
    """A transaction's raw cursor and the statements the hot path runs on it."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name
        self._cursor: Any = None

    @property
    def cursor(self) -> Any:
        """The driver's cursor on the transaction's connection (made on first use)."""
        if self._cursor is None:
            self._cursor = self._conn.connection.cursor()
        return self._cursor

    def _sql(self, text: str) -> str:
        return text if self._dialect == "sqlite" else text.replace("?", "%s")

    def one(self, text: str, params: tuple[Any, ...]) -> Any:
        """Run a statement and return the first column of its first row."""
        cursor = self.cursor
        cursor.execute(self._sql(text), params)
        row = cursor.fetchone()
        return None if row is None else row[0]

    def execute(self, text: str, params: tuple[Any, ...]) -> int:
        """Run a statement that returns no rows; how many rows it changed."""
        cursor = self.cursor
        cursor.execute(self._sql(text), params)
        return int(cursor.rowcount)

    def rows(self, text: str, params: tuple[Any, ...]) -> list[Any]:
        """Run a query and return all its rows as tuples."""
        cursor = self.cursor
        cursor.execute(self._sql(text), params)
        return list(cursor.fetchall())

    def bind(self, table: Table, name: str, value: Any) -> Any:
        """A value as the column ``name`` of ``table`` stores it."""
        return None if value is None else _converters(table, self._dialect)[name](value)

    def insert(self, table: Table, values: dict[str, Any], *, returning_id: bool) -> int | None:
        """Insert one row (values bound per column type); return its id when asked."""
        names = list(values)
        text = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        params = tuple(self.bind(table, n, values[n]) for n in names)
        if returning_id:
            return int(self.one(text + " RETURNING id", params))
        self.cursor.execute(self._sql(text), params)
        return None
