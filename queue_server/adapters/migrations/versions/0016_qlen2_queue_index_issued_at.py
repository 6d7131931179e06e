"""the queue index ends with the issue time, so a service's longest-waiting ticket is one seek (the
board's snapshot read it by scanning the service's whole queue); the waiting tickets indexed by
service, priority class and rank, so a ticket's people ahead count only those before it

Revision ID: 0016_qlen2
Revises: 0015_notice2
Create Date: 2026-12-07 17:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_qlen2"
down_revision = "0015_notice2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Replaced, not added beside: the longer key serves every query the old one served.
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.create_index("ix_tickets_queue", "tickets", ["hall_id", "status", "service_id", "issued_at"])
    # Partial: only the waiting tickets, so only a ticket's entering or leaving the queue writes it.
    waiting = sa.text("status = 'waiting'")
    op.create_index(
        "ix_tickets_waiting_rank",
        "tickets",
        ["hall_id", "service_id", "priority_class", "rank_at", "id", "status"],  # see tables.py
        sqlite_where=waiting,
        postgresql_where=waiting,
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_waiting_rank", table_name="tickets")
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.create_index("ix_tickets_queue", "tickets", ["hall_id", "status", "service_id"])
