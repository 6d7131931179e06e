"""a booking keeps the language it was made in: its reminder's wording (zh-CN or en)

Revision ID: 0019_booklang
Revises: 0018_sms5
Create Date: 2026-12-07 23:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_booklang"
down_revision = "0018_sms5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "appointments",
        sa.Column("language", sa.String(length=8), nullable=False, server_default="zh-CN"),
    )


def downgrade() -> None:
    op.drop_column("appointments", "language")
