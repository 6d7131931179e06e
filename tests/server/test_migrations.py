"""Alembic migrations: they build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, insert, inspect, select, text, update

from queue_server.adapters import tables as t
from queue_server.adapters.db import normalise_url
from queue_server.adapters.migrate import upgrade
from queue_server.adapters.tables import metadata
from tests.support.postgres import create_database


def test_the_migrated_schema_matches_the_declared_tables(db_url: str) -> None:
    upgrade(db_url)  # already at head: a second run changes nothing
    engine = create_engine(normalise_url(db_url))
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert differences == []
    assert {"tickets", "events", "counters", "audit_log", "api_tokens"} <= tables


def test_the_schema_migrates_down_to_nothing_and_back_up(db_url: str) -> None:
    from alembic import command

    from queue_server.adapters.migrate import alembic_config

    engine = create_engine(normalise_url(db_url))
    with engine.begin() as conn:
        config = alembic_config(db_url)
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(db_url)
    engine = create_engine(normalise_url(db_url))
    with engine.connect() as conn:
        assert "tickets" in inspect(conn).get_table_names()
    engine.dispose()


TRIGGERS = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets'",
    "postgresql": "SELECT tgname FROM pg_trigger WHERE tgrelid = 'tickets'::regclass AND NOT tgisinternal",
}


def _migrate(db_url: str, revision: str, *, down: bool = False) -> None:
    from alembic import command

    from queue_server.adapters.migrate import alembic_config

    engine = create_engine(normalise_url(db_url))
    with engine.begin() as conn:
        config = alembic_config(db_url)
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)
    engine.dispose()


def test_the_waiting_counts_are_counted_from_the_tickets_then_kept_and_go_with_a_downgrade(
    db_url: str,
) -> None:
    _migrate(db_url, "0012_outbox2", down=True)  # a database from before the counts were kept
    engine = create_engine(normalise_url(db_url))
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with engine.begin() as conn:
        services = dict(
            conn.execute(select(t.services.c.code, t.services.c.id).where(t.services.c.hall_id == 1)).all()
        )
        rows = [
            ("S1", None, "waiting"),
            ("S1", "elderly", "waiting"),
            ("S1", None, "called"),
            ("S3", None, "waiting"),
        ]
        for seq, (code, priority, status) in enumerate(rows, start=1):
            conn.execute(
                insert(t.tickets).values(
                    hall_id=1,
                    token=f"m{seq}",
                    business_day=date(2026, 3, 2),
                    prefix="M",
                    seq=seq,
                    number=f"M{seq:03}",
                    service_id=services[code],
                    priority_class=priority,
                    status=status,
                    rank_at=now,
                    issued_at=now,
                )
            )
    engine.dispose()
    upgrade(db_url)
    engine = create_engine(normalise_url(db_url))
    kept = text("SELECT service_id, waiting, waiting_priority FROM queue_lengths WHERE hall_id = 1")
    with engine.begin() as conn:
        assert set(conn.execute(kept)) == {(services["S1"], 2, 1), (services["S3"], 1, 0)}
        conn.execute(update(t.tickets).where(t.tickets.c.token == "m2").values(status="called"))
        assert set(conn.execute(kept)) == {(services["S1"], 1, 0), (services["S3"], 1, 0)}
        triggers = set(conn.execute(text(TRIGGERS[engine.dialect.name])).scalars())
    assert triggers == {"tickets_queue_insert", "tickets_queue_update", "tickets_queue_delete"}
    engine.dispose()
    _migrate(db_url, "0012_outbox2", down=True)
    engine = create_engine(normalise_url(db_url))
    with engine.begin() as conn:
        assert "queue_lengths" not in inspect(conn).get_table_names()
        assert list(conn.execute(text(TRIGGERS[engine.dialect.name]))) == []
        # no trigger left to write to the table that is gone
        conn.execute(update(t.tickets).where(t.tickets.c.token == "m1").values(status="called"))
    engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_schema_made_from_the_metadata_keeps_the_waiting_counts_too(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'bare.db'}"
    else:
        url = create_database(request.getfixturevalue("pg_cluster").url, "hallq_bare_metadata")
    engine = create_engine(normalise_url(url))
    metadata.create_all(engine)
    with engine.connect() as conn:
        triggers = set(conn.execute(text(TRIGGERS[kind])).scalars())
    engine.dispose()
    assert triggers == {"tickets_queue_insert", "tickets_queue_update", "tickets_queue_delete"}


def test_an_event_row_checks_no_foreign_key_and_keeps_its_rows_through_the_migration(db_url: str) -> None:
    """Every request of a ticket's life appends event rows (about six a ticket); on PostgreSQL each
    one's hall key cost a lookup and a row lock in ``halls``. The migration drops the key, keeping
    every row (SQLite rebuilds the table), and a downgrade puts it back."""
    _migrate(db_url, "0013_qlen", down=True)  # a database from before
    engine = create_engine(normalise_url(db_url))
    at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with engine.begin() as conn:
        assert [fk["referred_table"] for fk in inspect(conn).get_foreign_keys("events")] == ["halls"]
        conn.execute(
            insert(t.events), [{"hall_id": 1, "at": at, "type": "probe", "data": {"n": n}} for n in range(3)]
        )
        before = conn.execute(select(t.events.c.id, t.events.c.data).order_by(t.events.c.id)).all()
    engine.dispose()
    upgrade(db_url)
    engine = create_engine(normalise_url(db_url))
    with engine.connect() as conn:
        assert inspect(conn).get_foreign_keys("events") == []
        assert conn.execute(select(t.events.c.id, t.events.c.data).order_by(t.events.c.id)).all() == before
        assert {ix["name"] for ix in inspect(conn).get_indexes("events")} == {
            ix.name for ix in t.events.indexes
        }
    engine.dispose()


def test_an_opt_in_moves_to_its_tickets_id_and_back_and_the_outbox_checks_no_hall(db_url: str) -> None:
    """Migration ``0018_sms5``: an opt-in kept under its ticket's token is kept under the ticket's
    id (its columns unchanged), the outbox loses its hall key and its two status indexes become
    one, every row kept; a downgrade puts the token, the key and the indexes back."""
    _migrate(db_url, "0017_pgcut", down=True)  # a database from before
    engine = create_engine(normalise_url(db_url))
    at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with engine.begin() as conn:
        service = conn.execute(select(t.services.c.id).where(t.services.c.hall_id == 1)).scalars().first()
        ticket = dict(hall_id=1, business_day=date(2026, 3, 2), prefix="M", service_id=service)
        moment = dict(status="waiting", rank_at=at, issued_at=at)
        ticket_id = conn.execute(
            insert(t.tickets).values(token="tok1", seq=1, number="M001", **ticket, **moment)
        ).inserted_primary_key[0]
        conn.execute(
            text(
                "INSERT INTO sms_subscriptions (token, hall_id, number, phone_cipher, phone_hash,"
                " phone_masked, ahead_sent, created_at, language)"
                " VALUES ('tok1', 1, 'M001', 'g1.x', 'h1', '138****8000', :sent, :at, 'en')"
            ),
            {"sent": True, "at": at.replace(tzinfo=None)},
        )
        conn.execute(
            insert(t.outbox).values(
                **dict(
                    hall_id=1, destination="sms", kind="sms.taken", idempotency_key="k1", ordering_key="o1"
                ),
                **dict(payload={"text": "hi"}, status="pending", attempts=0, created_at=at, next_at=at),
            )
        )
    engine.dispose()
    upgrade(db_url)
    engine = create_engine(normalise_url(db_url))
    s = t.sms_subscriptions
    with engine.connect() as conn:
        kept = conn.execute(select(s.c.ticket_id, s.c.phone_masked, s.c.ahead_sent, s.c.language)).all()
        assert kept == [(ticket_id, "138****8000", True, "en")]
        assert inspect(conn).get_foreign_keys("outbox") == []
        assert inspect(conn).get_foreign_keys("sms_subscriptions") == []
        indexes = {ix["name"] for ix in inspect(conn).get_indexes("outbox")}
        assert "ix_outbox_status" in indexes and not {"ix_outbox_due", "ix_outbox_hall_status"} & indexes
        assert conn.execute(select(t.outbox.c.idempotency_key)).scalars().all() == ["k1"]
    engine.dispose()
    _migrate(db_url, "0017_pgcut", down=True)
    engine = create_engine(normalise_url(db_url))
    with engine.connect() as conn:
        back = text("SELECT token, phone_masked, language FROM sms_subscriptions")
        assert conn.execute(back).all() == [("tok1", "138****8000", "en")]
        assert [fk["referred_table"] for fk in inspect(conn).get_foreign_keys("outbox")] == ["halls"]
        assert {ix["name"] for ix in inspect(conn).get_indexes("outbox")} >= {
            "ix_outbox_due",
            "ix_outbox_hall_status",
        }
    engine.dispose()
    upgrade(db_url)
