"""a round's ceremony reveal (by place or award tier, and how far it has gone), and the field as it was when its
board was frozen (entrants and panel), so a frozen board never shows a name or an entrant added after the freeze

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("round_states") as batch:
        batch.add_column(sa.Column("frozen_field", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reveal_by", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("reveal_step", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("round_states") as batch:
        batch.drop_column("reveal_step")
        batch.drop_column("reveal_by")
        batch.drop_column("frozen_field")
