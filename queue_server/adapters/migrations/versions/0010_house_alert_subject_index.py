"""whether an alert of a subject still stands, read from its own index (housekeeping's raises)

Revision ID: 0010_house
Revises: 0009_outbox
Create Date: 2026-12-07 05:00:00.000000
"""

from alembic import op

revision = "0010_house"
down_revision = "0009_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_alerts_subject", "alerts", ["hall_id", "subject"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_alerts_subject", table_name="alerts")
