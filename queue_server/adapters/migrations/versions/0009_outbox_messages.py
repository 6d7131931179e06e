"""the outbox (SMS notices, the 好差评 push) and the tickets whose holders asked for SMS

Revision ID: 0009_outbox
Revises: 0008_advisor
Create Date: 2026-12-07 05:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import queue_server.adapters.tables

revision = "0009_outbox"
down_revision = "0008_advisor"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Utc = queue_server.adapters.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("hall_id", Id, nullable=False),
        sa.Column("destination", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("ordering_key", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", Utc(), nullable=False),
        sa.Column("next_at", Utc(), nullable=False),
        sa.Column("lease_owner", sa.String(length=60), nullable=True),
        sa.Column("lease_until", Utc(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", Utc(), nullable=True),
        sa.Column("settled_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"], name=op.f("fk_outbox_hall_id_halls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_at"], unique=False)
    op.create_index("ix_outbox_order", "outbox", ["ordering_key", "status", "id"], unique=False)
    op.create_index("ix_outbox_hall", "outbox", ["hall_id", "destination", "status"], unique=False)
    op.create_table(
        "sms_subscriptions",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("hall_id", Id, nullable=False),
        sa.Column("number", sa.String(length=12), nullable=False),
        sa.Column("phone_cipher", sa.String(length=200), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("phone_masked", sa.String(length=16), nullable=False),
        sa.Column("ahead_sent", sa.Boolean(), nullable=False),
        sa.Column("created_at", Utc(), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"], name=op.f("fk_sms_subscriptions_hall_id_halls")),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_sms_subscriptions")),
    )


def downgrade() -> None:
    op.drop_table("sms_subscriptions")
    op.drop_index("ix_outbox_hall", table_name="outbox")
    op.drop_index("ix_outbox_order", table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
