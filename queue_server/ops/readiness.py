"""Whether a server process can do its work: the database answers, its schema is at the head
migration, and (on PostgreSQL) the LISTEN connection that carries other processes' events is up.

A load balancer or nginx health check sends traffic only to processes that are ready; ``/healthz``
(the process answers at all) is what a supervisor restarts on.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from queue_server.adapters.migrate import alembic_config

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Readiness:
    """Each check as ``ok`` or why not (a short word, never a connection string)."""

    database: str
    migrations: str
    listener: str

    @property
    def ready(self) -> bool:
        """Whether every check passed."""
        return self.database == "ok" and self.migrations == "ok" and self.listener in ("ok", "n/a")

    def as_fields(self) -> dict[str, object]:
        """The checks as error fields / a JSON body."""
        return {"database": self.database, "migrations": self.migrations, "listener": self.listener}


@functools.cache
def head_revisions() -> frozenset[str]:
    """The head revision(s) of the migrations this code ships (read once per process)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def check(engine: Engine, listener_connected: bool | None) -> Readiness:
    """Run the checks on a reader connection (blocking: call it off the event loop)."""
    listener = "n/a" if listener_connected is None else ("ok" if listener_connected else "down")
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except Exception as error:
        message = str(error).lower()
        if "alembic_version" in message:
            return Readiness("ok", "missing", listener)
        log.warning("readiness: database unreachable (%s)", type(error).__name__)
        return Readiness("down", "unknown", listener)
    migrations = "ok" if frozenset(rows) == head_revisions() else "behind"
    return Readiness("ok", migrations, listener)
