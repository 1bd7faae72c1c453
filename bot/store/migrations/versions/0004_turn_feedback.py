"""Customers' feedback on an answer (役に立った / 役に立たなかった) and the candidates of a turn.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite cannot add a CHECK constraint to a table: batch mode copies the table with it.
    with op.batch_alter_table("turns", recreate="auto") as batch:
        batch.add_column(sa.Column("candidates", sa.String(2000), nullable=True))
        batch.add_column(sa.Column("feedback", sa.String(12), nullable=True))
        batch.add_column(sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint(
            op.f("ck_turns_feedback"), "feedback IN ('helpful', 'unhelpful')"
        )


def downgrade() -> None:
    with op.batch_alter_table("turns", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_turns_feedback"), type_="check")
        batch.drop_column("feedback_at")
        batch.drop_column("feedback")
        batch.drop_column("candidates")
