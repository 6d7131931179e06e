"""Reading query plans in tests: what a statement reads, counted rather than timed."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection


def rows_read(node: dict[str, Any], relation: str) -> int:
    """Rows a PostgreSQL ``EXPLAIN (ANALYZE, FORMAT JSON)`` plan node, and those under it, read from
    the table ``relation``: those it kept and those its filters and rechecks threw away."""
    read = 0
    if node.get("Relation Name") == relation:
        kept = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
        read += kept + node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
    return read + sum(rows_read(child, relation) for child in node.get("Plans", []))


def pg_rows_read(conn: Connection, statement: str, parameters: Any, relation: str) -> int:
    """Run ``statement`` under ``EXPLAIN ANALYZE`` on PostgreSQL: the rows it read from ``relation``."""
    plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return rows_read(plan[0]["Plan"], relation)


def sqlite_plan(conn: Connection, statement: str, parameters: Any) -> list[str]:
    """The steps of SQLite's ``EXPLAIN QUERY PLAN`` for ``statement``."""
    return [str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
