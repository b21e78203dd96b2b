"""an index for the current values of one entrant's item (a correction's check, without scanning the contest)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 17:30:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_marks_entrant_item", "marks", ["contest_id", "entrant", "round", "item"])


def downgrade() -> None:
    op.drop_index("ix_marks_entrant_item", table_name="marks")
