"""a partial index of the pending evaluations by window: a pad's question after every conclusion
seeks its window's newest pending evaluation instead of walking every evaluation ever stored

Revision ID: 0014_evalwin
Revises: 0013_qlen
Create Date: 2026-12-07 17:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_evalwin"
down_revision = "0013_qlen"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index(
        "ix_evaluations_window_pending",
        "evaluations",
        ["window_id", "id"],
        unique=False,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_evaluations_window_pending", table_name="evaluations")
