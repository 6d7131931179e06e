"""The dispatcher's writer jobs, counted in SQL statements (not timed): under a kiosk issuing with
SMS on every ticket they run on the writer's one thread a few times a second, beside the tickets.
The claim leases and reads its batch in two statements, the record job stores a round's deliveries
in one (and counts them in one a destination), all on the driver's cursor, none built through
SQLAlchemy Core: built per call, the claim's query cost more Python than its SQL."""

from __future__ import annotations

import pytest

from tests.server.conftest import Hall
from tests.server.test_sms_notices_api import put_settings, settled_figures
from tests.server.test_statements_per_request import CORE, built, jobs_with, statements

__all__ = ["built", "statements"]  # the fixtures, shared with the requests' counts

# The count comes from sqlite3's trace callback (statements with their values): SQLite only.
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

LEASE = "UPDATE outbox SET lease_owner"
SENT = "UPDATE outbox SET status"


def test_the_dispatchers_claim_and_record_run_on_the_drivers_cursor(hall: Hall, built: list[str]) -> None:
    assert put_settings(hall, notices={"enabled": True}).status_code == 200  # the log-only gateway
    built.clear()
    for i in range(3):
        hall.issue("S1", phone=f"1380013800{i}", sms=True)
    assert settled_figures(hall) == [("sms", 3, 0, 0)]
    snapshot = list(built)
    claims = jobs_with(snapshot, LEASE)
    records = jobs_with(snapshot, SENT)
    assert claims and records, snapshot
    for job in claims + records:
        assert not [sql for sql in job if sql.startswith(CORE)], job
        outbox = [sql for sql in job if " outbox" in sql and not sql.startswith(CORE)]
        leases = [sql for sql in outbox if sql.startswith(LEASE)]
        # A claim: the due messages' ids, then one statement that leases and returns them.
        assert len(leases) <= 1 and (not leases or "RETURNING" in leases[0]), job
        assert not [sql for sql in outbox if sql.startswith("SELECT outbox.")], job  # no read-back
    for job in records:
        sent = [sql for sql in job if sql.startswith(SENT)]
        assert len(sent) == 1 and "RETURNING" in sent[0], job
        assert len([sql for sql in job if sql.startswith("INSERT INTO outbox_sent")]) == 1, job
