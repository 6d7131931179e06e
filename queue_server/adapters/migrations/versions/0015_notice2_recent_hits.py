"""the managers' test texts and the ticket page's SMS opt-in changes counted in one table of recent
hits by hall, kind and key (a client address as its keyed hash), so every server process counts
one allowance

Revision ID: 0015_notice2
Revises: 0014_evalwin
Create Date: 2026-12-07 17:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import queue_server.adapters.tables

revision = "0015_notice2"
down_revision = "0014_evalwin"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Utc = queue_server.adapters.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "recent_hits",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("hall_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("hit_at", Utc(), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"], name=op.f("fk_recent_hits_hall_id_halls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recent_hits")),
    )
    op.create_index(
        "ix_recent_hits_hall_id", "recent_hits", ["hall_id", "kind", "key", "hit_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_recent_hits_hall_id", table_name="recent_hits")
    op.drop_table("recent_hits")
