"""contest revisions: every change of a contest file from the organizer console (who, when, why, old and new file)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contest_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("device", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("marks", sa.Integer(), nullable=False),
        sa.Column("old_definition", sa.Text(), nullable=False),
        sa.Column("new_definition", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["contest_id"], ["contests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["token_id"], ["tokens.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contest_revisions") as batch:
        batch.create_index(batch.f("ix_contest_revisions_contest_id"), ["contest_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contest_revisions") as batch:
        batch.drop_index(batch.f("ix_contest_revisions_contest_id"))
    op.drop_table("contest_revisions")
