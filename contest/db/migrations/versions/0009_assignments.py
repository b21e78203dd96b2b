"""who judges whom (评委分组): drawn or uploaded assignments of judges to entrants' items, and each change of them
(who, when, why, a draw's seed and conflicts, the marks given by then)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.String(length=64), nullable=False),
        sa.Column("entrant", sa.String(length=64), nullable=False),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=64), nullable=False),
        sa.Column("judge", sa.String(length=64), nullable=False),
        sa.Column("panel", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["contest_id"], ["contests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assignments") as batch:
        batch.create_index("ix_assignments_entrant", ["contest_id", "round", "entrant"], unique=False)
        batch.create_index("ix_assignments_judge", ["contest_id", "round", "judge"], unique=False)
    op.create_table(
        "assignment_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("seed", sa.String(length=40), nullable=False),
        sa.Column("conflicts", sa.JSON(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("marks", sa.Integer(), nullable=False),
        sa.Column("kept", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["contest_id"], ["contests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["token_id"], ["tokens.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assignment_changes") as batch:
        batch.create_index(batch.f("ix_assignment_changes_contest_id"), ["contest_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("assignment_changes") as batch:
        batch.drop_index(batch.f("ix_assignment_changes_contest_id"))
    op.drop_table("assignment_changes")
    with op.batch_alter_table("assignments") as batch:
        batch.drop_index("ix_assignments_judge")
        batch.drop_index("ix_assignments_entrant")
    op.drop_table("assignments")
