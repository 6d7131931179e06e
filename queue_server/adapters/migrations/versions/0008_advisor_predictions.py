"""the advisor's stored predictions: per day and service, what was predicted when a proposal was applied

Revision ID: 0008_advisor
Revises: 0007_consoles
Create Date: 2026-12-07 05:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

import queue_server.adapters.tables

revision = "0008_advisor"
down_revision = "0007_consoles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advisor_predictions",
        sa.Column("hall_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("mean_wait", sa.Float(), nullable=False),
        sa.Column("p90_wait", sa.Float(), nullable=False),
        sa.Column("replications", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("made_at", queue_server.adapters.tables.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"], name=op.f("fk_advisor_predictions_hall_id_halls")),
        sa.PrimaryKeyConstraint("hall_id", "day", "service", name="pk_advisor_predictions"),
    )


def downgrade() -> None:
    op.drop_table("advisor_predictions")
