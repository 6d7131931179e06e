"""The reads of a queue cost what they return, not the queue's length: the board's snapshot, the
kiosks' service list and the city view read how many wait from the counts the triggers keep
(``queue_lengths``) and each queue's longest wait in one seek, never the waiting tickets one by one
(which a board's every (re)connection did: 50 boards at once after a restart); a ticket's people
ahead walk only the tickets before it, and the people-ahead push only the first places it pushes.

Counted, not timed, with one service's queue much longer than anything else the reads touch: on
SQLite the virtual machine's steps of each statement that reads the tickets or their counts stay
below the queue's length; on PostgreSQL (statistics taken) the rows its executed plan reads from
``tickets`` are at most one per queue, or the places and people ahead the read returns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, insert, select

from queue_server import contract as c
from queue_server.adapters import tables as t
from queue_server.api.app import create_app
from queue_server.services.admin.accounts import create_token
from queue_server.services.unit_of_work import UnitOfWork
from tests.server.conftest import Hall, fresh_database, make_tokens, start_hall

LONG, PRIORITY, SHORT = 400, 2, 2  # waiting for S1 (normal and priority ones) and S2; S3, S4 none
READS = (("/api/v1/hall", "board"), ("/api/v1/services", "kiosk"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hall(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, templates: dict[str, str]
) -> Iterator[Hall]:
    """One server per database kind, hall t1 with a long queue for S1 and a short one for S2."""
    url = fresh_database(
        request, request.param, tmp_path_factory.mktemp("queue_reads") / "hall.db", templates
    )
    runtime, clock = start_hall(url, Path(templates["dir"]) / "secret.key")
    with TestClient(create_app(runtime)) as client:
        hall = Hall(client, runtime, clock, make_tokens(runtime))
        hall.tokens["city"] = runtime.write_sync(
            lambda uow: create_token(uow, runtime.tokens, hall="t1", role=c.Role.CITY)
        )
        fill(hall)
        yield hall
    runtime.write_engine.dispose()
    runtime.read_engine.dispose()


def fill(hall: Hall) -> None:
    """The waiting tickets, written in bulk (the triggers count them as the issue would)."""
    with hall.runtime.read_engine.connect() as conn:
        ids = dict(
            conn.execute(
                select(t.services.c.code, t.services.c.id)
                .join(t.halls, t.halls.c.id == t.services.c.hall_id)
                .where(t.halls.c.code == "t1")
            ).all()
        )
        hall_id = conn.execute(select(t.halls.c.id).where(t.halls.c.code == "t1")).scalar_one()
    start = hall.clock.now - timedelta(hours=1)

    def ticket(service: str, n: int) -> dict[str, Any]:
        issued = start + timedelta(seconds=n)
        return {
            **dict(hall_id=hall_id, token=f"q{service}{n:06d}", business_day=hall.clock.now.date()),
            **dict(prefix="Q" if service == "S1" else "R", seq=n + 1, number=f"{service}{n:04d}"),
            **dict(service_id=ids[service], status="waiting", rank_at=issued, issued_at=issued),
            **dict(channel="kiosk", priority_class=None, priority_confirmed=False, recalls=0),
        }

    def priority(n: int) -> dict[str, Any]:
        ranked = start + timedelta(minutes=30, seconds=n)  # behind most of the queue, called first
        return {
            **ticket("S1", n),
            **dict(token=f"pS1{n:06d}", prefix="P", number=f"P{n:04d}", priority_class="elderly"),
            **dict(rank_at=ranked, issued_at=ranked),
        }

    rows = [ticket("S1", n) for n in range(LONG)] + [ticket("S2", n) for n in range(SHORT)]
    rows += [priority(n) for n in range(PRIORITY)]
    hall.runtime.writer.run_sync(lambda conn, _: conn.execute(insert(t.tickets), rows))


def statements_of(hall: Hall, path: str, who: str) -> tuple[Any, list[tuple[str, Any]]]:
    """The answer to a GET and the statements it ran on the tickets or their counts."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "tickets" in statement or "queue_lengths" in statement:
            seen.append((statement, parameters))

    engine = hall.runtime.read_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        response = hall.client.get(path, headers=hall.as_(who))
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert response.status_code == 200, response.text
    return response.json(), seen


def sqlite_steps(conn: Connection, statement: str, parameters: Any) -> int:
    """Virtual-machine instructions SQLite runs for a statement: a step or more per row it reads."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.set_progress_handler(count, 1)
    try:
        conn.exec_driver_sql(statement, parameters).all()
    finally:
        raw.set_progress_handler(None, 1)
    return steps


def ticket_rows_read(node: dict[str, Any]) -> int:
    """Rows a PostgreSQL plan node (and those under it) read from the tickets table."""
    read = 0
    if node.get("Relation Name") == "tickets":
        kept = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
        read += kept + node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
    return read + sum(ticket_rows_read(child) for child in node.get("Plans", []))


@pytest.mark.parametrize(("path", "who"), READS)
def test_a_queue_read_costs_the_same_however_long_the_queue(hall: Hall, path: str, who: str) -> None:
    answer, seen = statements_of(hall, path, who)
    key = "service_code" if path == "/api/v1/hall" else "code"
    queues = answer["queues"] if path == "/api/v1/hall" else answer
    waiting = {q[key]: q["waiting"] for q in queues}
    assert waiting == {"S1": LONG + PRIORITY, "S2": SHORT, "S3": 0, "S4": 0}
    if path == "/api/v1/hall":
        longest = {q[key]: q["longest_wait_seconds"] for q in queues}
        assert longest == {"S1": 3600, "S2": 3600, "S3": 0, "S4": 0}  # the first of each, an hour ago
    reads_are_bounded(hall, seen)


def test_the_citys_waiting_figure_costs_the_same_however_long_the_queues(hall: Hall) -> None:
    answer, seen = statements_of(hall, "/api/v1/city/halls", "city")
    assert {h["code"]: h["waiting"] for h in answer["halls"]} == {"t1": LONG + PRIORITY + SHORT, "t2": 0}
    reads_are_bounded(hall, seen)


class Recording:
    """A driver cursor that notes each statement run on it (the hot path's raw statements)."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.seen: list[tuple[str, Any]] = []

    def execute(self, statement: str, parameters: Any) -> Any:
        self.seen.append((statement, parameters))
        return self.cursor.execute(statement, parameters)

    def fetchone(self) -> Any:
        return self.cursor.fetchone()

    def fetchall(self) -> Any:
        return self.cursor.fetchall()


@pytest.mark.parametrize(
    ("token", "ahead"),
    [("qS1000010", PRIORITY + 10), ("pS1000001", 1)],  # a normal ticket 11th in its class; a priority one
    ids=["normal", "priority"],
)
def test_a_tickets_people_ahead_walk_only_the_tickets_before_it(hall: Hall, token: str, ahead: int) -> None:
    status = hall.client.get(f"/api/v1/tickets/{token}")
    assert status.status_code == 200 and status.json()["people_ahead"] == ahead

    def count(uow: UnitOfWork) -> tuple[int, list[tuple[str, Any]]]:
        store = uow.stores.tickets
        row = store.by_token(token)
        assert row is not None
        recording = Recording(store.raw.cursor)
        store.raw._cursor = recording  # this unit of work's cursor, noted
        return store.count_ahead(row), recording.seen

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        core.append((statement, parameters))  # anything not on the raw cursor

    core: list[tuple[str, Any]] = []
    event.listen(hall.runtime.read_engine, "before_cursor_execute", capture)
    try:
        counted, seen = hall.runtime.read_sync(count)
    finally:
        event.remove(hall.runtime.read_engine, "before_cursor_execute", capture)
    assert counted == ahead
    seen += [(statement, parameters) for statement, parameters in core if "count(" in statement]
    reads_are_bounded(hall, seen, rows=ahead + 1)


def test_the_pushed_queue_reads_its_first_places_not_the_whole_queue(hall: Hall) -> None:
    """After a call, the people-ahead push reads the first places of the queue (priority ones first)."""

    def first(uow: UnitOfWork) -> tuple[list[str], list[tuple[str, Any]]]:
        store = uow.stores.tickets
        row = store.by_token("qS1000000")
        assert row is not None
        recording = Recording(store.raw.cursor)
        store.raw._cursor = recording
        places = store.queue(row.hall_id, row.service_id, limit=5)
        return [place.token for place in places], recording.seen

    tokens, seen = hall.runtime.read_sync(first)
    assert tokens == ["pS1000000", "pS1000001", "qS1000000", "qS1000001", "qS1000002"]
    reads_are_bounded(hall, seen, rows=5 + PRIORITY)


def reads_are_bounded(hall: Hall, seen: list[tuple[str, Any]], rows: int = 2) -> None:
    """No statement seen reads the long queue ticket by ticket: on PostgreSQL, at most ``rows`` rows
    of the tickets (by default a seek per queue with anyone waiting)."""
    assert seen, "the read took nothing from the queue"
    engine = hall.runtime.read_engine
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            for statement, parameters in seen:
                assert sqlite_steps(conn, statement, parameters) < LONG, statement
        else:
            conn.exec_driver_sql("ANALYZE tickets")
            conn.exec_driver_sql("ANALYZE queue_lengths")
            for statement, parameters in seen:
                explained = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
                plan = explained.scalar_one()
                plan = json.loads(plan) if isinstance(plan, str) else plan
                assert ticket_rows_read(plan[0]["Plan"]) <= rows, (statement, plan)
