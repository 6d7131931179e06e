"""Alembic environment: migrations run against queue_server's table metadata."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from queue_server.adapters.tables import metadata

config = context.config


def run_migrations() -> None:
    """Run migrations on the connection handed in by the caller, or on the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
