"""What 短信告知 adds to issuing a ticket, counted in the writer's SQL statements (not timed): the
opt-in row and the "taken" notice, whose number's daily cap is counted by the statement that
stores it. A kiosk issuing with SMS on every ticket pays these on the writer's one thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from queue_server.adapters import raw
from queue_server.adapters import tables as t
from queue_server.domain import personal
from tests.server.conftest import Hall
from tests.server.test_sms_notices_api import put_settings
from tests.server.test_statements_per_request import job_with, statements

__all__ = ["statements"]  # the fixture, shared with the window requests' counts

# The count comes from sqlite3's trace callback (statements with their values): SQLite only.
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

ISSUE = "INSERT INTO tickets"


def plain_and_sms(hall: Hall, statements: list[str]) -> tuple[list[str], list[str], list[str]]:
    """The issue jobs of a ticket without SMS and of one with it, and the statements only the
    second ran (the caches filled first)."""
    assert put_settings(hall, notices={"enabled": True, "ahead_at": 3}).status_code == 200
    hall.issue("S1", phone="13800138000", sms=True)  # the first of each fills the caches
    hall.issue("S1")
    statements.clear()
    hall.issue("S1")
    plain = job_with(statements, ISSUE)
    statements.clear()
    hall.issue("S1", phone="13800138001", sms=True)
    sms = job_with(statements, ISSUE)
    return plain, sms, [sql for sql in sms if not sql.startswith(tuple(s.split("(")[0] for s in plain))]


def test_a_ticket_with_sms_costs_two_statements_more_than_one_without(
    hall: Hall, statements: list[str]
) -> None:
    plain, sms, added = plain_and_sms(hall, statements)
    assert [sql.split(" (")[0] for sql in added] == [
        "INSERT INTO sms_subscriptions",
        "INSERT INTO outbox",
    ], sms
    assert len(sms) == len(plain) + 2, sms
    assert "SELECT count(*) FROM outbox" in added[1]  # the cap, counted where the notice is stored
    assert "13800138001" not in "\n".join(sms)  # the number only encrypted, hashed and masked


def b_trees_and_key_checks(hall: Hall, sql: str) -> tuple[set[int], int]:
    """The B-trees (root pages: a table or an index) a statement writes, and the foreign keys it
    checks, read from SQLite's program for it (``EXPLAIN``, which runs nothing)."""
    with hall.runtime.read_engine.connect() as conn:
        program = conn.exec_driver_sql("EXPLAIN " + sql).all()
    written = {row.p2 for row in program if row.opcode == "OpenWrite"}
    return written, sum(row.opcode == "FkCounter" for row in program)


def test_a_tickets_sms_rows_write_five_b_trees_and_check_no_foreign_key(
    hall: Hall, statements: list[str]
) -> None:
    """Each B-tree a row goes into is a page the commit writes again (a random key's anywhere in
    it), each foreign key a lookup. The opt-in is keyed by its ticket's id (its table's own B-tree,
    not one more index on the random token), the outbox keeps one index by status (not two), and
    neither checks its hall: the notice's table, its key, order and status indexes, and the opt-in's
    table are all an SMS ticket adds (it was seven B-trees and two checks)."""
    _, _, added = plain_and_sms(hall, statements)
    assert [sql.split(" (")[0] for sql in added] == ["INSERT INTO sms_subscriptions", "INSERT INTO outbox"]
    programs = [b_trees_and_key_checks(hall, sql) for sql in added]
    assert [len(written) for written, _ in programs] == [1, 4]
    assert [checks for _, checks in programs] == [0, 0]


def test_a_call_looks_up_only_the_holders_it_may_tell(hall: Hall, statements: list[str]) -> None:
    """A call moves every waiting ticket up one place; of those, only the one now at N ("前面还有 N
    人") and the one called can get a notice, so only their opt-ins are read, however long the queue."""
    assert put_settings(hall, notices={"enabled": True, "ahead_at": 3}).status_code == 200
    assert hall.act("1", "open").status_code == 200
    tokens = [hall.issue("S1", phone=f"1380013{i:04d}", sms=True)["token"] for i in range(12)]
    statements.clear()
    assert hall.act("1", "call-next").status_code == 200
    job = job_with(statements, "UPDATE tickets SET status='called'")
    reads = [sql for sql in job if sql.startswith("SELECT") and "FROM sms_subscriptions" in sql]
    assert len(reads) == 1, job
    looked_up = sorted(token for token in tokens if f"'{token}'" in reads[0])
    assert looked_up == sorted([tokens[0], tokens[4]])  # called, and now 3 ahead
    changed = [sql for sql in job if sql.startswith("UPDATE sms_subscriptions")]
    fifth = ticket_id(hall, tokens[4])
    assert len(changed) == 1 and changed[0].endswith(f"ticket_id = {fifth}"), job  # "N ahead" goes once


def ticket_id(hall: Hall, token: str) -> int:
    with hall.runtime.read_engine.connect() as conn:
        return int(conn.execute(select(t.tickets.c.id).where(t.tickets.c.token == token)).scalar_one())


BOUND = "-- bound: "


def test_a_tickets_sms_rows_are_each_bound_in_one_pass(
    hall: Hall, statements: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The opt-in row and the notice (with its cap's count) are converted to their columns' stored
    forms in one pass each, not one call a column: on the writer's thread those calls cost more
    Python than the two rows' SQLite work."""
    assert put_settings(hall, notices={"enabled": True}).status_code == 200
    bound = raw._bound

    def counted(plan: Any, values: Any) -> tuple[Any, ...]:
        if threading.current_thread().name == "hallq-writer":  # among the writer's statements
            statements.append(f"{BOUND}{len(values)} values")
        return bound(plan, values)

    monkeypatch.setattr(raw, "_bound", counted)
    hall.issue("S1", phone="13800138000", sms=True)  # the first of each fills the caches
    hall.issue("S1")
    statements.clear()
    hall.issue("S1")
    plain = [sql for sql in job_with(statements, ISSUE) if sql.startswith(BOUND)]
    statements.clear()
    hall.issue("S1", phone="13800138001", sms=True)
    sms = [sql for sql in job_with(statements, ISSUE) if sql.startswith(BOUND)]
    assert len(sms) == len(plain) + 2, sms  # the opt-in row; the notice row with its cap's count


def test_a_tickets_number_is_hashed_once_with_sms_as_without(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ticket keeps its number's keyed hash (to find it again) and its opt-in keeps the same
    hash (to order and cap its notices): computed once for both, not once for each."""
    assert put_settings(hall, notices={"enabled": True}).status_code == 200
    hashed: list[str] = []
    keyed_hash = personal.keyed_hash

    def counted(key: bytes, value: str) -> str:
        hashed.append(value)
        return keyed_hash(key, value)

    monkeypatch.setattr(personal, "keyed_hash", counted)
    hall.issue("S1", phone="13800138000")
    assert hashed == ["13800138000"]
    hashed.clear()
    hall.issue("S1", phone="13800138001", sms=True)
    assert hashed == ["13800138001"]
