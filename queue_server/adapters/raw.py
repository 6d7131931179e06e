"""The hot path's statements on the driver's own cursor, inside SQLAlchemy's transaction.

Issuing a ticket runs a handful of tiny statements; building and compiling SQLAlchemy constructs
for each costs more than the database work itself (STACK.md). These few statements are written
once in SQL that both SQLite (3.35+) and PostgreSQL accept, and their values converted here the
way the tables' column types store them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from enum import Enum
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


@cache
def _converters(table: Table, dialect: str) -> dict[str, Convert | None]:
    """How each column's Python value is bound on the raw cursor (None: as it is)."""
    sqlite = dialect == "sqlite"
    out: dict[str, Convert | None] = {}
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
            out[column.name] = None
    return out


def _sqlite_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


@cache
def _readers(table: Table, dialect: str) -> dict[str, Convert | None]:
    """How each column's stored value is read on the raw cursor, as SQLAlchemy Core reads it
    (None: as the driver hands it back)."""
    sqlite = dialect == "sqlite"
    out: dict[str, Convert | None] = {}
    for column in table.columns:
        kind = column.type
        if isinstance(kind, UtcDateTime):
            out[column.name] = utc.from_stored
        elif isinstance(kind, JSON) and sqlite:  # psycopg hands JSON back parsed already
            out[column.name] = json.loads
        elif isinstance(kind, Date) and sqlite:
            out[column.name] = _sqlite_date
        elif isinstance(kind, Boolean) and sqlite:
            out[column.name] = bool
        else:
            out[column.name] = None
    return out


BindPlan = tuple[tuple[int, Convert], ...]


@cache
def _bind_plan(table: Table, dialect: str, names: tuple[str, ...]) -> BindPlan:
    """The positions among ``names`` whose value needs converting, with their binder: found once
    per statement shape; the rest (ids, text, numbers) are bound as they are, untouched."""
    converters = _converters(table, dialect)
    return tuple((i, convert) for i, name in enumerate(names) if (convert := converters[name]) is not None)


@cache
def _read_plan(table: Table, dialect: str, names: tuple[str, ...]) -> tuple[tuple[int, Convert], ...]:
    """The positions among ``names`` whose stored value needs converting, with their reader: the
    rest (ids, text, numbers) are kept as the driver hands them back, untouched."""
    readers = _readers(table, dialect)
    return tuple((i, reader) for i, name in enumerate(names) if (reader := readers[name]) is not None)


# The types a bound value usually has: none of them an enum, so a row of only these has no member
# to replace (one look at the row's types, not an isinstance check a value).
_PLAIN = frozenset({type(None), str, int, float, bool, bytes, datetime, date, dict, list})


def _bound(plan: BindPlan, values: Sequence[Any]) -> tuple[Any, ...]:
    """``values`` as their columns store them (an enum member as its value).

    A ticket's row is 19 values of which a handful need converting: each value was looked at,
    checked for an enum and appended, some 80 Python calls a row on the writer's thread; now the
    row's types are checked at once and only the planned positions converted."""
    out = list(values)
    if not _PLAIN.issuperset(map(type, out)):
        out = [value.value if isinstance(value, Enum) else value for value in out]
    for i, convert in plan:
        value = out[i]
        if value is not None:
            out[i] = convert(value)
    return tuple(out)


def _read(plan: tuple[tuple[int, Convert], ...], row: Sequence[Any]) -> tuple[Any, ...]:
    """A fetched row as SQLAlchemy Core reads it."""
    if not plan:
        return tuple(row)
    out = list(row)
    for i, reader in plan:
        value = out[i]
        if value is not None:
            out[i] = reader(value)
    return tuple(out)


@cache
def _select_by_id(table: Table, names: tuple[str, ...], lock: bool) -> str:
    columns = ", ".join(f"{table.name}.{name}" for name in names)
    return f"SELECT {columns} FROM {table.name} WHERE {table.name}.id = ?" + (" FOR UPDATE" if lock else "")


@cache
def _select_with_linked(
    table: Table,
    names: tuple[str, ...],
    linked: Table,
    linked_names: tuple[str, ...],
    link: str,
    lock: bool,
    where: str,
) -> str:
    if linked_names[:1] != ("id",):
        raise ValueError("the linked row's id comes first: it tells whether there is one")
    columns = ", ".join(
        [f"{table.name}.{name}" for name in names] + [f"{linked.name}.{name}" for name in linked_names]
    )
    return (
        f"SELECT {columns} FROM {table.name} LEFT OUTER JOIN {linked.name} "
        f"ON {linked.name}.id = {table.name}.{link} WHERE {where}"
        + (f" FOR UPDATE OF {table.name}" if lock else "")
    )


@cache
def _select(table: Table, names: tuple[str, ...], where: str, lock: bool) -> str:
    columns = ", ".join(f"{table.name}.{name}" for name in names)
    return f"SELECT {columns} FROM {table.name} WHERE {where}" + (" FOR UPDATE" if lock else "")


@cache
def _update(table: Table, names: tuple[str, ...], keys: tuple[str, ...]) -> str:
    # Written the way SQLAlchemy Core writes it (columns in the table's order), so the statement
    # counts of tests/server/test_statements_per_request.py read both alike.
    changes = ", ".join(f"{name}=?" for name in names)
    where = " AND ".join(f"{table.name}.{key} = ?" for key in keys)
    return f"UPDATE {table.name} SET {changes} WHERE {where}"


@cache
def _update_returning(
    table: Table, names: tuple[str, ...], keys: tuple[str, ...], back: tuple[str, ...]
) -> str:
    return _update(table, names, keys) + " RETURNING " + ", ".join(back)


@cache
def _update_columns(table: Table, given: frozenset[str]) -> tuple[str, ...]:
    """The columns an update of ``given`` sets, in the table's order."""
    names = tuple(c.name for c in table.columns if c.name in given)
    if len(names) != len(given):
        raise KeyError(f"not columns of {table.name}: {sorted(given - set(names))}")
    return names


@cache
def _insert(table: Table, names: tuple[str, ...], returning_id: bool) -> str:
    text = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    return text + " RETURNING id" if returning_id else text


def read_time(value: Any) -> datetime | None:
    """A UtcDateTime column read on the raw cursor (text on SQLite, naive datetime on PostgreSQL)."""
    return utc.from_stored(value)


@cache
def _pg_sql(text: str) -> str:
    return text.replace("?", "%s")


class RawStatements:
    """A transaction's raw cursor and the statements the hot path runs on it."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name
        self._sqlite = self._dialect == "sqlite"
        self._cursor: Any = None

    @property
    def cursor(self) -> Any:
        """The driver's cursor on the transaction's connection (made on first use)."""
        if self._cursor is None:
            self._cursor = self._conn.connection.cursor()
        return self._cursor

    def sql(self, text: str) -> str:
        """``text`` written with ``?`` placeholders, as the driver takes it."""
        return text if self._sqlite else _pg_sql(text)

    def one(self, text: str, params: tuple[Any, ...]) -> Any:
        """Run a statement and return the first column of its first row."""
        cursor = self.cursor
        cursor.execute(self.sql(text), params)
        row = cursor.fetchone()
        return None if row is None else row[0]

    def execute(self, text: str, params: tuple[Any, ...]) -> int:
        """Run a statement that returns no rows; how many rows it changed."""
        cursor = self.cursor
        cursor.execute(self.sql(text), params)
        return int(cursor.rowcount)

    def rows(self, text: str, params: tuple[Any, ...]) -> list[Any]:
        """Run a query and return all its rows as tuples."""
        cursor = self.cursor
        cursor.execute(self.sql(text), params)
        return list(cursor.fetchall())

    def bind(self, table: Table, name: str, value: Any) -> Any:
        """A value as the column ``name`` of ``table`` stores it (an enum member as its value)."""
        return _bound(_bind_plan(table, self._dialect, (name,)), (value,))[0]

    def bind_row(self, table: Table, names: tuple[str, ...], values: Sequence[Any]) -> tuple[Any, ...]:
        """``values`` as the columns ``names`` of ``table`` store them, in one pass (a name may
        repeat: a statement that binds a column twice)."""
        return _bound(_bind_plan(table, self._dialect, names), values)

    def by_id(
        self, table: Table, names: Sequence[str], row_id: int, *, lock: bool = False
    ) -> tuple[Any, ...] | None:
        """The columns ``names`` of the row ``row_id``, read as SQLAlchemy reads them; ``lock``
        locks the row for the transaction on PostgreSQL (SQLite's writer holds the whole file)."""
        names = tuple(names)
        text = _select_by_id(table, names, lock and not self._sqlite)
        cursor = self.cursor
        cursor.execute(self.sql(text), (row_id,))
        row = cursor.fetchone()
        return None if row is None else _read(_read_plan(table, self._dialect, names), row)

    def by_id_with_linked(
        self,
        table: Table,
        names: tuple[str, ...],
        linked: Table,
        linked_names: tuple[str, ...],
        link: str,
        row_id: int,
        *,
        lock: bool = False,
    ) -> tuple[tuple[Any, ...] | None, tuple[Any, ...] | None]:
        """The row ``row_id`` and the row of ``linked`` its column ``link`` points to (None when it
        is null), in one statement; ``lock`` locks the first row only, on PostgreSQL."""
        found = self.select_with_linked(
            table, names, linked, linked_names, link, f"{table.name}.id = ?", (row_id,), lock=lock
        )
        return found[0] if found else (None, None)

    def select_with_linked(
        self,
        table: Table,
        names: tuple[str, ...],
        linked: Table,
        linked_names: tuple[str, ...],
        link: str,
        where: str,
        params: tuple[Any, ...],
        *,
        lock: bool = False,
    ) -> list[tuple[tuple[Any, ...], tuple[Any, ...] | None]]:
        """The rows matching ``where`` (SQL with ``?`` for ``params``), each with the row of
        ``linked`` its column ``link`` points to (None when it is null), in one statement; ``lock``
        locks the rows of ``table`` only, on PostgreSQL."""
        text = _select_with_linked(table, names, linked, linked_names, link, lock and not self._sqlite, where)
        cursor = self.cursor
        cursor.execute(self.sql(text), params)
        return [self._split(table, names, linked, linked_names, found) for found in cursor.fetchall()]

    def _split(
        self, table: Table, names: tuple[str, ...], linked: Table, linked_names: tuple[str, ...], found: Any
    ) -> tuple[tuple[Any, ...], tuple[Any, ...] | None]:
        row = _read(_read_plan(table, self._dialect, names), found[: len(names)])
        other = found[len(names) :]
        if other[0] is None:  # the first of ``linked_names`` is its id: nothing linked
            return row, None
        return row, _read(_read_plan(linked, self._dialect, linked_names), other)

    def select(
        self, table: Table, names: Sequence[str], where: str, params: tuple[Any, ...], *, lock: bool = False
    ) -> list[tuple[Any, ...]]:
        """The columns ``names`` of the rows matching ``where`` (SQL with ``?`` for ``params``), read
        as SQLAlchemy reads them; ``lock`` locks them for the transaction on PostgreSQL."""
        names = tuple(names)
        cursor = self.cursor
        cursor.execute(self.sql(_select(table, names, where, lock and not self._sqlite)), params)
        plan = _read_plan(table, self._dialect, names)
        return [_read(plan, row) for row in cursor.fetchall()]

    def update(self, table: Table, values: dict[str, Any], where: dict[str, Any]) -> int:
        """Change the columns of ``values`` in the rows matching every ``where`` column; how many."""
        names = _update_columns(table, frozenset(values))
        keys = tuple(where)
        params = _bound(
            _bind_plan(table, self._dialect, names + keys), [*map(values.__getitem__, names), *where.values()]
        )
        cursor = self.cursor
        cursor.execute(self.sql(_update(table, names, keys)), params)
        return int(cursor.rowcount)

    def update_returning(
        self, table: Table, values: dict[str, Any], where: dict[str, Any], names: tuple[str, ...]
    ) -> tuple[Any, ...] | None:
        """Change the one row matching every ``where`` column and return its columns ``names`` as
        they now stand, read as SQLAlchemy reads them (None: no row matched); one statement where
        a read and an update were two."""
        changed = _update_columns(table, frozenset(values))
        keys = tuple(where)
        params = _bound(
            _bind_plan(table, self._dialect, changed + keys),
            [*map(values.__getitem__, changed), *where.values()],
        )
        cursor = self.cursor
        cursor.execute(self.sql(_update_returning(table, changed, keys, names)), params)
        row = cursor.fetchone()
        return None if row is None else _read(_read_plan(table, self._dialect, names), row)

    def insert(self, table: Table, values: dict[str, Any], *, returning_id: bool) -> int | None:
        """Insert one row (values bound per column type); return its id when asked."""
        names = tuple(values)
        params = _bound(_bind_plan(table, self._dialect, names), tuple(values.values()))
        cursor = self.cursor
        cursor.execute(self.sql(_insert(table, names, returning_id)), params)
        if returning_id:
            return int(cursor.fetchone()[0])
        return None
