"""how many tickets wait per hall and service, kept by triggers on tickets (an issue's "people
ahead" read in one seek instead of counting the queue)

Revision ID: 0013_qlen
Revises: 0012_outbox2
Create Date: 2026-12-07 14:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

from queue_server.adapters.queue_lengths import BACK_FILL, create_triggers, drop_triggers

revision = "0013_qlen"
down_revision = "0012_outbox2"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "queue_lengths",
        sa.Column("hall_id", Id, nullable=False),
        sa.Column("service_id", Id, nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("waiting_priority", sa.Integer(), nullable=False),
        # no foreign keys: see tables.queue_lengths
        sa.PrimaryKeyConstraint("hall_id", "service_id", name="pk_queue_lengths"),
    )
    # Counted once from today's rows, then kept by the triggers (both in this one transaction:
    # the server does not run while the schema migrates).
    op.execute(BACK_FILL)
    create_triggers(op.get_bind())


def downgrade() -> None:
    drop_triggers(op.get_bind())
    op.drop_table("queue_lengths")
