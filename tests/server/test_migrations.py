"""Alembic migrations: they build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from queue_server.adapters.db import normalise_url
from queue_server.adapters.migrate import upgrade
from queue_server.adapters.tables import metadata


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
