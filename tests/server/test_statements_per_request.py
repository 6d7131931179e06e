"""What a ticket's life costs the writer, counted in SQL statements (not timed): a window's request
reads its window row and its ticket once, and never reads back a row it has just written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from queue_server.services.tickets.day import expire_past_days
from tests.server.conftest import Hall
from tests.server.test_evaluations_api import concluded, evaluation_of, rate

# The count comes from sqlite3's trace callback (statements with their values): SQLite only.
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

MARKERS = {
    "call-next": "UPDATE tickets SET status='called'",
    "start": "UPDATE tickets SET status='serving'",
    "conclude": "UPDATE tickets SET status='concluded'",
}

TICKET_WRITES = ("INSERT INTO tickets ", "UPDATE tickets ", "DELETE FROM tickets ")


@pytest.fixture
def statements(hall: Hall) -> Iterator[list[str]]:
    """The SQL the writer runs from now on."""
    seen: list[str] = []

    def note(sql: str) -> None:
        # Entering a trigger is traced as the statement that fired it, once more (sqlite3 shows the
        # statement, not SQLite's "-- TRIGGER" line): the triggers on tickets keep the waiting counts
        # (queue_lengths) inside the job's own write, which is no statement of the job's.
        if not (seen and sql == seen[-1] and sql.startswith(TICKET_WRITES)):
            seen.append(sql)

    def trace(on: bool, uow: Any) -> None:
        uow.stores.conn.connection.dbapi_connection.set_trace_callback(note if on else None)

    hall.runtime.write_sync(lambda uow: trace(True, uow))
    yield seen
    hall.runtime.write_sync(lambda uow: trace(False, uow))


CORE = "-- built by SQLAlchemy Core: "
# A cached catalogue's version check, run by whichever job comes more than half a second after the
# last one (``UnitOfWork.catalogue``): on a loaded machine any request may carry it, so it is not
# a request's own cost.
VERSION_CHECK = "SELECT halls.id, halls.catalogue_version"


@pytest.fixture
def built(hall: Hall, statements: list[str]) -> Iterator[list[str]]:
    """The statements too, with a line before each that SQLAlchemy Core built (and compiled, or
    found in its cache); the hot path's statements go to the driver's cursor as written."""

    def note(_conn: Any, element: Any, *_args: Any) -> None:
        statements.append(CORE + type(element).__name__)

    event.listen(hall.runtime.write_engine, "before_execute", note)
    yield statements
    event.remove(hall.runtime.write_engine, "before_execute", note)


def jobs_with(statements: list[str], marker: str) -> list[list[str]]:
    """Every writer job that ran ``marker``: the writer runs a batch of jobs in one transaction,
    each under its own savepoint (a lone job straight in its transaction), and other jobs, the
    server's own housekeeping, may share the batch."""
    found: list[list[str]] = []
    current: list[str] = []
    for sql in statements:
        if sql.startswith(("BEGIN", "SAVEPOINT")):
            current = []
        elif sql.startswith(("COMMIT", "RELEASE")):
            if any(s.startswith(marker) for s in current):
                found.append(current)
            current = []
        elif sql.startswith(VERSION_CHECK):
            if current[-1:] == [CORE + "Select"]:
                current.pop()  # the check's own note that SQLAlchemy Core built it
        else:
            current.append(sql)
    return found


def job_with(statements: list[str], marker: str) -> list[str]:
    """The statements of the one writer job that ran ``marker``."""
    found = jobs_with(statements, marker)
    assert len(found) == 1, found
    return found[0]


def read_back(job: list[str]) -> list[str]:
    """The job's reads, by key, of a row of a table it had already written to."""
    written: set[str] = set()
    found = []
    for sql in job:
        words = sql.split()
        if words[0] in ("INSERT", "UPDATE"):
            written.add(words[2] if words[0] == "INSERT" else words[1])
        elif words[0] == "SELECT" and any(
            f"WHERE {table}.id = " in sql or f"WHERE {table}.ticket_id = " in sql for table in written
        ):
            found.append(sql)
    return found


def reads(job: list[str], table: str) -> int:
    """How many times the job read a row of ``table`` by its id."""
    return sum(1 for sql in job if sql.startswith("SELECT") and f"WHERE {table}.id = " in sql)


@pytest.mark.parametrize("action", list(MARKERS))
def test_a_window_request_reads_its_window_and_ticket_once(
    hall: Hall, statements: list[str], action: str
) -> None:
    """The window's row comes with the ticket it holds, in one statement, and a call's move returns
    the ticket it claims: no request reads a ticket by itself (a start or a conclusion read the
    window, then its ticket; a call read the ticket it picked, then moved it)."""
    assert hall.act("1", "open").status_code == 200
    hall.issue("S1")
    for step in ("call-next", "start", "conclude"):
        statements.clear()
        assert hall.act("1", step).status_code == 200
        if step == action:
            break
    job = job_with(statements, MARKERS[action])
    assert reads(job, "windows") == 1, job
    assert reads(job, "tickets") == 0, job
    assert read_back(job) == []


def test_a_conclusion_folds_its_handling_time_into_the_services_figure_in_one_statement(
    hall: Hall, statements: list[str]
) -> None:
    """It read the service's figure (locked, on PostgreSQL), then stored the new one: two statements.
    Now the statement that stores it folds the case in (``test_writer_work.py``: the same figure)."""
    assert hall.act("1", "open").status_code == 200
    for _ in range(2):
        hall.issue("S1")
        assert hall.act("1", "call-next").status_code == 200
        statements.clear()
        assert hall.act("1", "conclude").status_code == 200
        job = job_with(statements, MARKERS["conclude"])
        figures = [sql for sql in job if "service_stats" in sql]
        assert len(figures) == 1 and figures[0].startswith("INSERT INTO service_stats"), job


def test_the_pads_rating_reads_nothing_it_wrote(hall: Hall, statements: list[str]) -> None:
    assert hall.act("1", "open").status_code == 200
    evaluation = evaluation_of(hall, concluded(hall))
    statements.clear()
    assert rate(hall, evaluation["id"], level="satisfied").status_code == 201
    job = job_with(statements, "UPDATE evaluations SET status='rated'")
    assert reads(job, "evaluations") == 1, job
    assert read_back(job) == []
    assert len(job) <= 4, job  # was 7: its clerk and departments are kept, no follow-up looked for


def test_the_pads_rating_reads_its_ticket_with_its_evaluation(hall: Hall, statements: list[str]) -> None:
    """The reply and the announcement name the ticket: its number and token come in the statement
    that reads the evaluation, not in one of their own."""
    assert hall.act("1", "open").status_code == 200
    evaluation = evaluation_of(hall, concluded(hall))
    statements.clear()
    rated = rate(hall, evaluation["id"], level="satisfied")
    assert rated.status_code == 201 and rated.json()["ticket"] == evaluation["ticket"], rated.text
    job = job_with(statements, "UPDATE evaluations SET status='rated'")
    assert [sql for sql in job if "FROM tickets" in sql] == [], job
    assert reads(job, "evaluations") == 1, job


@pytest.fixture
def read_statements(hall: Hall) -> Iterator[list[str]]:
    """The SQL the reading connections run from now on (a pad's question goes to the reader thread)."""
    seen: list[str] = []

    def checkout(dbapi_connection: Any, *_args: Any) -> None:
        dbapi_connection.set_trace_callback(seen.append)

    def checkin(dbapi_connection: Any, *_args: Any) -> None:
        dbapi_connection.set_trace_callback(None)

    event.listen(hall.runtime.read_engine, "checkout", checkout)
    event.listen(hall.runtime.read_engine, "checkin", checkin)
    yield seen
    event.remove(hall.runtime.read_engine, "checkout", checkout)
    event.remove(hall.runtime.read_engine, "checkin", checkin)


def test_the_pads_question_reads_its_ticket_with_its_evaluation_and_no_follow_up(
    hall: Hall, read_statements: list[str]
) -> None:
    """Its ticket's number and token come with the evaluation, in one statement; and the evaluation
    is pending: only a bad rating opens a follow-up, in the transaction that rates it, so there is
    none to look for (the reply's follow-up fields stay empty)."""
    assert hall.act("1", "open").status_code == 200
    evaluation_of(hall, concluded(hall))  # the first question after this reads the catalogue
    concluded(hall)
    read_statements.clear()
    asked = hall.client.get("/api/v1/windows/1/pending-evaluation", headers=hall.as_("evaluator1"))
    assert asked.status_code == 200 and asked.json()["status"] == "pending", asked.text
    # (other reads, a report's, may run meanwhile: only the question's own shapes are looked for)
    pending = [sql for sql in read_statements if "evaluations.status = 'pending'" in sql]
    assert len(pending) == 1, read_statements
    looked_for = [sql for sql in read_statements if "FROM evaluation_follow_ups WHERE" in sql]
    assert looked_for == [], looked_for
    assert [sql for sql in read_statements if "FROM tickets WHERE tickets.id IN" in sql] == []
    assert asked.json()["ticket"] == "A002"


def test_earlier_days_are_swept_for_open_tickets_once_a_day(hall: Hall, statements: list[str]) -> None:
    def sweep() -> int:
        return int(hall.runtime.write_sync(lambda uow: expire_past_days(uow, 1, limit=5)))

    issued = hall.issue("S1")
    assert sweep() == 0  # nothing of an earlier day is open: noted until the day turns
    statements.clear()
    assert sweep() == 0
    assert not [sql for sql in statements if "FROM tickets" in sql]  # not looked for again today
    hall.clock.advance(days=1)
    assert sweep() == 1  # a new day: yesterday's ticket expires
    status = hall.client.get(f"/api/v1/tickets/{issued['token']}").json()["status"]
    assert status == "expired"


def test_a_conclusion_and_its_rating_read_nothing_the_catalogue_keeps(
    hall: Hall, statements: list[str]
) -> None:
    """The 好差评 settings, the service's guide, the clerk and the departments are kept with the
    hall's catalogue (``tests/server/test_hot_path_caches.py``: a change is seen at once)."""
    assert hall.act("1", "open").status_code == 200
    evaluation_of(hall, concluded(hall))  # the first conclusion reads them once
    ticket = hall.issue("S1")
    assert hall.act("1", "call-next").status_code == 200
    statements.clear()
    assert hall.act("1", "conclude").status_code == 200
    job = job_with(statements, MARKERS["conclude"])
    kept = [s for s in job if s.startswith("SELECT") and any(f"FROM {t}" in s for t in KEPT)]
    assert kept == [], kept
    assert len(job) <= 10, job  # was 12: the settings, the guide and the clerk were read
    statements.clear()
    assert rate(hall, evaluation_of(hall, ticket)["id"], level="satisfied").status_code == 201
    job = job_with(statements, "UPDATE evaluations SET status='rated'")
    assert not [s for s in job if "FROM departments" in s], job


KEPT = ("halls", "services", "users", "departments")


@pytest.mark.parametrize(("action", "most"), [("call-next", 0), ("start", 0), ("conclude", 0)])
def test_a_window_request_builds_few_statements_with_sqlalchemy_core(
    hall: Hall, built: list[str], action: str, most: int
) -> None:
    """A window's request runs on the driver's cursor: SQLAlchemy Core building and compiling its
    statements cost more than the database's work (once the caches are filled)."""
    assert hall.act("1", "open").status_code == 200
    hall.issue("S1")
    hall.issue("S1")
    for step in ("call-next", "start", "conclude"):  # the first round fills the caches
        assert hall.act("1", step).status_code == 200
    for step in ("call-next", "start", "conclude"):
        built.clear()
        assert hall.act("1", step).status_code == 200
        if step == action:
            break
    job = job_with(built, MARKERS[action])
    core = [sql for sql in job if sql.startswith(CORE)]
    assert len(core) <= most, job


def test_the_pads_rating_builds_no_statement_with_sqlalchemy_core(hall: Hall, built: list[str]) -> None:
    """The rating reads its evaluation and its ticket's number on the driver's cursor, as the pad's
    question for the window's pending evaluation does."""
    assert hall.act("1", "open").status_code == 200
    first = evaluation_of(hall, concluded(hall))  # the first round fills the caches
    assert rate(hall, first["id"], level="satisfied").status_code == 201
    evaluation = evaluation_of(hall, concluded(hall))
    built.clear()
    assert rate(hall, evaluation["id"], level="satisfied").status_code == 201
    job = job_with(built, "UPDATE evaluations SET status='rated'")
    assert [sql for sql in job if sql.startswith(CORE)] == [], job


@pytest.mark.parametrize("priority", [False, True])
def test_an_issue_reads_its_people_ahead_without_counting_the_queue(
    hall: Hall, statements: list[str], priority: bool
) -> None:
    """The people ahead are one seek in the counts the triggers keep (``queue_lengths``): counting
    the waiting tickets walked the queue entry by entry, more the longer it grew."""
    body = {"priority_class": "elderly"} if priority else {}
    for _ in range(3):
        hall.issue("S1", **body)
    statements.clear()
    assert hall.issue("S1", **body)["people_ahead"] == 3
    job = job_with(statements, "INSERT INTO tickets")
    counted = [sql for sql in job if "count(" in sql.lower() and "FROM tickets" in sql]
    assert counted == [], counted
    assert len([sql for sql in job if "FROM queue_lengths" in sql]) == (2 if priority else 1), job
