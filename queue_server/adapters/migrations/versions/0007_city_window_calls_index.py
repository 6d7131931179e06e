"""a window's latest calls read from their own index (the priority rule's look-back)

Revision ID: 0007_city
Revises: 0006
Create Date: 2026-12-06 22:50:00.000000
"""

from alembic import op

revision = "0007_city"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_window_type", "events", ["window_id", "type", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_events_window_type", table_name="events")
