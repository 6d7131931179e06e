"""whether an alert of a subject still stands, read from its own index (housekeeping's raises)

Revision ID: 0008_house
Revises: 0007_consoles
Create Date: 2026-12-07 05:00:00.000000
"""

from alembic import op

revision = "0008_house"
down_revision = "0007_consoles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_alerts_subject", "alerts", ["hall_id", "subject"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_alerts_subject", table_name="alerts")
