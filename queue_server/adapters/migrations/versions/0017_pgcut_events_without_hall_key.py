"""the event record's rows check no foreign key: every ticket's life appends about six, and on
PostgreSQL each one's check of its hall (a lookup and a row lock in ``halls``) was a sixth of all
the foreign-key checks a ticket costs

Revision ID: 0017_pgcut
Revises: 0016_qlen2
Create Date: 2026-12-07 17:15:00.000000
"""

from alembic import op

revision = "0017_pgcut"
down_revision = "0016_qlen2"
branch_labels = None
depends_on = None

FK = "fk_events_hall_id_halls"


def upgrade() -> None:
    # On SQLite the table is rebuilt (its rows copied once): SQLite drops no constraint in place.
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_foreign_key(FK, "halls", ["hall_id"], ["id"])
