"""How many tickets wait per (hall, service), kept by the database itself on every change of a ticket.

Issuing a ticket tells its holder how many people are ahead. Counting the waiting tickets for that
walks the queue index entry by entry (SQLite counts them one by one), so an issue cost more the
longer the queue. The ``queue_lengths`` table holds the count instead, and triggers on ``tickets``
keep it: a row that leaves the waiting state (or its hall, service or priority) is taken off, a row
that enters it is added, in the same statement's transaction. Exact by construction, whatever code
(or hand) changes a ticket; a savepoint or transaction rolled back takes its counts back with it.

On PostgreSQL the trigger updates a row of the ticket's own hall: every writer takes that hall's
advisory lock before touching any row of it (``pg_locks``), so the count rows add no lock order.

The same statements serve the migration (``0013_qlen``) and a schema made from the metadata
(``metadata.create_all``: the triggers are created after the ``tickets`` table).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, event

# A change that moves a ticket in or out of a count: only these fire the update trigger's body.
_MOVES = (
    "(OLD.status = 'waiting' OR NEW.status = 'waiting') AND (OLD.status <> NEW.status "
    "OR OLD.hall_id <> NEW.hall_id OR OLD.service_id <> NEW.service_id "
    "OR (OLD.priority_class IS NULL) <> (NEW.priority_class IS NULL))"
)
_WATCHED = "status, service_id, priority_class, hall_id"


def _one_if_priority(row: str) -> str:
    return f"CASE WHEN {row}.priority_class IS NULL THEN 0 ELSE 1 END"


def _take(row: str, guard: str = "") -> str:
    # ``guard``: SQLite's trigger bodies have no IF, so its update trigger guards each statement.
    return (
        "UPDATE queue_lengths SET waiting = waiting - 1, "
        f"waiting_priority = waiting_priority - {_one_if_priority(row)} "
        f"WHERE {guard}hall_id = {row}.hall_id AND service_id = {row}.service_id;"
    )


def _add(row: str, guard: str = "") -> str:
    # SELECT … WHERE, not VALUES, so that SQLite's statement can carry the guard (an upsert's SELECT
    # needs a WHERE anyway, to tell its ON CONFLICT from a join's ON).
    return (
        "INSERT INTO queue_lengths (hall_id, service_id, waiting, waiting_priority) "
        f"SELECT {row}.hall_id, {row}.service_id, 1, {_one_if_priority(row)} "
        f"WHERE {guard or 'true'} "
        "ON CONFLICT (hall_id, service_id) DO UPDATE SET waiting = queue_lengths.waiting + 1, "
        "waiting_priority = queue_lengths.waiting_priority + excluded.waiting_priority;"
    )


_LEFT = "OLD.status = 'waiting' AND "
_ENTERED = "NEW.status = 'waiting'"
SQLITE_CREATE = (
    "CREATE TRIGGER tickets_queue_insert AFTER INSERT ON tickets "
    f"WHEN NEW.status = 'waiting' BEGIN {_add('NEW')} END",
    "CREATE TRIGGER tickets_queue_delete AFTER DELETE ON tickets "
    f"WHEN OLD.status = 'waiting' BEGIN {_take('OLD')} END",
    f"CREATE TRIGGER tickets_queue_update AFTER UPDATE OF {_WATCHED} ON tickets WHEN {_MOVES} "
    f"BEGIN {_take('OLD', _LEFT)} {_add('NEW', _ENTERED)} END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS tickets_queue_update",
    "DROP TRIGGER IF EXISTS tickets_queue_delete",
    "DROP TRIGGER IF EXISTS tickets_queue_insert",
)

POSTGRESQL_CREATE = (
    "CREATE OR REPLACE FUNCTION hallq_queue_lengths() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP <> 'INSERT' THEN IF OLD.status = 'waiting' THEN {_take('OLD')} END IF; END IF; "
    f"IF TG_OP <> 'DELETE' THEN IF NEW.status = 'waiting' THEN {_add('NEW')} END IF; END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER tickets_queue_insert AFTER INSERT ON tickets FOR EACH ROW "
    "WHEN (NEW.status = 'waiting') EXECUTE FUNCTION hallq_queue_lengths()",
    "CREATE TRIGGER tickets_queue_delete AFTER DELETE ON tickets FOR EACH ROW "
    "WHEN (OLD.status = 'waiting') EXECUTE FUNCTION hallq_queue_lengths()",
    f"CREATE TRIGGER tickets_queue_update AFTER UPDATE OF {_WATCHED} ON tickets FOR EACH ROW "
    f"WHEN ({_MOVES}) EXECUTE FUNCTION hallq_queue_lengths()",
)
POSTGRESQL_DROP = (
    "DROP TRIGGER IF EXISTS tickets_queue_update ON tickets",
    "DROP TRIGGER IF EXISTS tickets_queue_delete ON tickets",
    "DROP TRIGGER IF EXISTS tickets_queue_insert ON tickets",
    "DROP FUNCTION IF EXISTS hallq_queue_lengths()",
)

# Today's waiting tickets counted once, when the table is made on a database that has some.
BACK_FILL = (
    "INSERT INTO queue_lengths (hall_id, service_id, waiting, waiting_priority) "
    f"SELECT hall_id, service_id, count(*), sum({_one_if_priority('tickets')}) "
    "FROM tickets WHERE status = 'waiting' GROUP BY hall_id, service_id"
)


def create_triggers(conn: Connection) -> None:
    """The triggers that keep ``queue_lengths``, in the connection's dialect."""
    statements = POSTGRESQL_CREATE if conn.dialect.name == "postgresql" else SQLITE_CREATE
    for statement in statements:
        # On the driver as written: plpgsql's text is no place for bind-parameter parsing.
        conn.exec_driver_sql(statement)


def drop_triggers(conn: Connection) -> None:
    """Remove what ``create_triggers`` made."""
    statements = POSTGRESQL_DROP if conn.dialect.name == "postgresql" else SQLITE_DROP
    for statement in statements:
        conn.exec_driver_sql(statement)


def keep_counts(tickets: Table) -> None:
    """Create the triggers whenever the metadata creates the ``tickets`` table."""

    def after_create(_target: Table, connection: Connection, **_kw: Any) -> None:
        create_triggers(connection)

    event.listen(tickets, "after_create", after_create)
