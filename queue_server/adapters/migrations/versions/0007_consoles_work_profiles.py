"""work profiles (工作模板): named service sets applied to many windows

Revision ID: 0007_consoles
Revises: 0006
Create Date: 2026-12-06 23:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

import queue_server.adapters.tables

revision = "0007_consoles"
down_revision = "0007_city"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_profiles",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("hall_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("updated_at", queue_server.adapters.tables.UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"], name=op.f("fk_work_profiles_hall_id_halls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_profiles")),
        sa.UniqueConstraint("hall_id", "name", name=op.f("uq_work_profiles_hall_id")),
    )


def downgrade() -> None:
    op.drop_table("work_profiles")
