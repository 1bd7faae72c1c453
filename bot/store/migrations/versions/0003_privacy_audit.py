"""The audit log of who looked at or changed a customer's data, and the `admin` staff role.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _staff_roles(roles: tuple[str, ...]) -> None:
    # SQLite cannot alter a CHECK constraint: batch mode copies the table with the new one.
    with op.batch_alter_table("staff", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_staff_role"), type_="check")
        batch.create_check_constraint(
            op.f("ck_staff_role"), "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"
        )


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("customer", sa.String(100), nullable=True),
        sa.Column("client", sa.String(200), nullable=False),
        sa.Column("detail", sa.String(2000), nullable=False),
        sa.CheckConstraint(
            "action IN ('answer_as_customer', 'export', 'erase', 'purge')",
            name=op.f("ck_audit_log_action"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_customer"), "audit_log", ["customer"])
    _staff_roles(("agent", "content", "admin"))


def downgrade() -> None:
    op.execute("DELETE FROM staff WHERE role = 'admin'")
    _staff_roles(("agent", "content"))
    op.drop_index(op.f("ix_audit_log_customer"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
