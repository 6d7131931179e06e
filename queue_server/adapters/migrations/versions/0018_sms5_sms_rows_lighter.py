"""a ticket with SMS writes fewer B-trees: its opt-in keyed by the ticket's id (not its random
token), the outbox's two status indexes made one, and neither table checks a foreign key

Revision ID: 0018_sms5
Revises: 0017_pgcut
Create Date: 2026-12-07 20:00:00.000000
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

import queue_server.adapters.tables

revision = "0018_sms5"
down_revision = "0017_pgcut"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Utc = queue_server.adapters.tables.UtcDateTime
OUTBOX_FK = "fk_outbox_hall_id_halls"
KEPT = "hall_id, number, phone_cipher, phone_hash, phone_masked, ahead_sent, created_at, language"


def _subscriptions(name: str, key: sa.Column[Any], *extra: Any) -> None:
    """The opt-ins' table under ``name``, keyed by ``key`` (its columns otherwise the same)."""
    op.create_table(
        name,
        key,
        sa.Column("hall_id", Id, nullable=False),
        sa.Column("number", sa.String(length=12), nullable=False),
        sa.Column("phone_cipher", sa.String(length=200), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("phone_masked", sa.String(length=16), nullable=False),
        sa.Column("ahead_sent", sa.Boolean(), nullable=False),
        sa.Column("created_at", Utc(), nullable=False),
        sa.Column("language", sa.String(length=8), server_default="zh-CN", nullable=False),
        sa.PrimaryKeyConstraint(key.name, name=f"pk_{name}"),
        *extra,
    )


def _swap(new: str) -> None:
    """The table ``new`` (filled) takes the opt-ins' name and its primary key's."""
    op.drop_table("sms_subscriptions")
    op.rename_table(new, "sms_subscriptions")
    if op.get_bind().dialect.name == "postgresql":  # SQLite keeps no name for an INTEGER key
        op.execute(f"ALTER TABLE sms_subscriptions RENAME CONSTRAINT pk_{new} TO pk_sms_subscriptions")


def upgrade() -> None:
    # A new table, filled from the old through the tickets (an opt-in's token is its ticket's).
    _subscriptions("sms_subscriptions_new", sa.Column("ticket_id", Id, autoincrement=False, nullable=False))
    op.execute(
        f"INSERT INTO sms_subscriptions_new (ticket_id, {KEPT})"
        f" SELECT t.id, {', '.join('s.' + c for c in KEPT.split(', '))}"
        " FROM sms_subscriptions AS s JOIN tickets AS t ON t.token = s.token"
    )
    _swap("sms_subscriptions_new")
    # On SQLite the table is rebuilt (its rows copied once): SQLite drops no constraint in place.
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(OUTBOX_FK, type_="foreignkey")
    op.create_index("ix_outbox_status", "outbox", ["status", "hall_id", "destination", "next_at"])
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_index("ix_outbox_hall_status", table_name="outbox")


def downgrade() -> None:
    op.create_index("ix_outbox_hall_status", "outbox", ["hall_id", "status", "destination"])
    op.create_index("ix_outbox_due", "outbox", ["status", "next_at"])
    op.drop_index("ix_outbox_status", table_name="outbox")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_foreign_key(OUTBOX_FK, "halls", ["hall_id"], ["id"])
    _subscriptions(
        "sms_subscriptions_old",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"], name="fk_sms_subscriptions_hall_id_halls"),
    )
    op.execute(
        f"INSERT INTO sms_subscriptions_old (token, {KEPT})"
        f" SELECT t.token, {', '.join('s.' + c for c in KEPT.split(', '))}"
        " FROM sms_subscriptions AS s JOIN tickets AS t ON t.id = s.ticket_id"
    )
    _swap("sms_subscriptions_old")
