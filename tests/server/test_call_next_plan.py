"""Call-next's look-back at the window's latest calls reads its own index, not the hall's events.

At the end of a big hall's day the hall-wide events index made this query cost ~50 ms a call (against
~0.3 ms on a per-window index); the plan, not a timing, is what a test can hold steady.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from tests.server.conftest import Hall


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # PostgreSQL plans by table statistics
def test_the_priority_look_back_uses_the_per_window_index(hall: Hall) -> None:
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM events" in statement and "ORDER BY events.id DESC" in statement:
            seen.append((statement, parameters))

    event.listen(hall.runtime.write_engine, "before_cursor_execute", capture)
    try:
        hall.open_all()
        hall.issue("S1", priority_class="elderly")
        hall.issue("S1")
        assert hall.act("1", "call-next").status_code == 200
    finally:
        event.remove(hall.runtime.write_engine, "before_cursor_execute", capture)
    assert seen, "call-next did not look back at the window's calls"
    statement, parameters = seen[-1]
    with hall.runtime.read_engine.connect() as conn:
        plan = " ".join(
            str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        )
    assert "ix_events_window_type" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # read newest-first from the index, no sort
