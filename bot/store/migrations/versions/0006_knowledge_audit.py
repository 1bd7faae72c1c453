"""Knowledge publishes and rollbacks in the audit log (who made which FAQ content live, when).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BEFORE = ("answer_as_customer", "export", "erase", "purge")
AFTER = BEFORE + ("knowledge_publish", "knowledge_rollback")


def _actions(actions: tuple[str, ...]) -> None:
    # SQLite cannot alter a CHECK constraint: batch mode copies the table with the new one.
    with op.batch_alter_table("audit_log", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_audit_log_action"), type_="check")
        batch.create_check_constraint(
            op.f("ck_audit_log_action"), "action IN (" + ", ".join(f"'{a}'" for a in actions) + ")"
        )


def upgrade() -> None:
    _actions(AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM audit_log WHERE action LIKE 'knowledge_%'")
    _actions(BEFORE)
