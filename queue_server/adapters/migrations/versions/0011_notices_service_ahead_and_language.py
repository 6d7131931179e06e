"""SMS notices: a service's own "N ahead", the language a ticket's notices are worded in, and an
appointment's reminder sent once

Revision ID: 0011_notices
Revises: 0010_house
Create Date: 2026-12-07 08:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import queue_server.adapters.tables

revision = "0011_notices"
down_revision = "0010_house"
branch_labels = None
depends_on = None

Utc = queue_server.adapters.tables.UtcDateTime


def upgrade() -> None:
    op.add_column("services", sa.Column("notice_ahead_at", sa.Integer(), nullable=True))
    op.add_column(
        "sms_subscriptions",
        sa.Column("language", sa.String(length=8), nullable=False, server_default="zh-CN"),
    )
    op.add_column("appointments", sa.Column("reminded_at", Utc(), nullable=True))


def downgrade() -> None:
    op.drop_column("appointments", "reminded_at")
    op.drop_column("sms_subscriptions", "language")
    op.drop_column("services", "notice_ahead_at")
