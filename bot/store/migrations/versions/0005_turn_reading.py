"""Which reading of a turn the bot used: alone, or in the conversation's context.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("turns", recreate="auto") as batch:
        batch.add_column(sa.Column("reading", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("turns", recreate="auto") as batch:
        batch.drop_column("reading")
