"""the outbox's delivered counts per hall and destination, and its per-status index (the manager's
figures no longer count the history of messages sent)

Revision ID: 0012_outbox2
Revises: 0011_notices
Create Date: 2026-12-07 08:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_outbox2"
down_revision = "0011_notices"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "outbox_sent",
        sa.Column("hall_id", Id, nullable=False),
        sa.Column("destination", sa.String(length=20), nullable=False),
        sa.Column("sent", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"], name=op.f("fk_outbox_sent_hall_id_halls")),
        sa.PrimaryKeyConstraint("hall_id", "destination", name="pk_outbox_sent"),
    )
    # What was delivered before the counts were kept: counted once, here.
    op.execute(
        "INSERT INTO outbox_sent (hall_id, destination, sent) "
        "SELECT hall_id, destination, count(*) FROM outbox WHERE status = 'sent' "
        "GROUP BY hall_id, destination"
    )
    op.create_index("ix_outbox_hall_status", "outbox", ["hall_id", "status", "destination"], unique=False)
    op.drop_index("ix_outbox_hall", table_name="outbox")  # the same columns, in the order that walked


def downgrade() -> None:
    op.create_index("ix_outbox_hall", "outbox", ["hall_id", "destination", "status"], unique=False)
    op.drop_index("ix_outbox_hall_status", table_name="outbox")
    op.drop_table("outbox_sent")
