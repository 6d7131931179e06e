"""the queue index ends with the issue time, so a service's longest-waiting ticket is one seek (the
board's snapshot read it by scanning the service's whole queue)

Revision ID: 0014_qlen2
Revises: 0013_qlen
Create Date: 2026-12-07 17:00:00.000000
"""

from alembic import op

revision = "0014_qlen2"
down_revision = "0013_qlen"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Replaced, not added beside: the longer key serves every query the old one served, and the
    # tickets keep one queue index to maintain on each move.
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.create_index("ix_tickets_queue", "tickets", ["hall_id", "status", "service_id", "issued_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.create_index("ix_tickets_queue", "tickets", ["hall_id", "status", "service_id"])
