"""Staff accounts (agents, content editors), agents' judgements and the conversation log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.CheckConstraint("role IN ('agent', 'content')", name=op.f("ck_staff_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_username")),
    )
    op.create_table(
        "judgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("judged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("judged_by", sa.String(100), nullable=False),
        sa.Column("text", sa.String(2000), nullable=False),
        sa.Column("predicted", sa.String(200), nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judgements")),
    )
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("username", sa.String(100), nullable=True),
        sa.Column("text", sa.String(2000), nullable=False),
        sa.Column("intent", sa.String(200), nullable=True),
        sa.Column("faq_id", sa.String(200), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("reply", sa.String(8000), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_turns")),
    )
    op.create_index(op.f("ix_turns_at"), "turns", ["at"])
    op.create_index(op.f("ix_turns_conversation_id"), "turns", ["conversation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_turns_conversation_id"), table_name="turns")
    op.drop_index(op.f("ix_turns_at"), table_name="turns")
    for table in ("turns", "judgements", "staff"):
        op.drop_table(table)
