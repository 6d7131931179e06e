"""the managers' test texts of the last minutes, so every server process counts one allowance

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
        "sms_test_sends",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("hall_id", Id, nullable=False),
        sa.Column("sent_at", Utc(), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"], name=op.f("fk_sms_test_sends_hall_id_halls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_test_sends")),
    )
    op.create_index("ix_sms_test_sends_hall_id", "sms_test_sends", ["hall_id", "sent_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sms_test_sends_hall_id", table_name="sms_test_sends")
    op.drop_table("sms_test_sends")
