"""Initial store: companies, users, orders, contracts, invoices.

Revision ID: 0001
Revises:
Create Date: 2026-02-01

The allowed values are written out here rather than imported from models.py: a migration
describes the schema as it was at this revision, whatever the models say later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

FAMILIES = (
    "service_family IN ('bizd_required', 'mypage_contract', 'business_plus', 'home5g', 'other')"
)


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("corporate_number", sa.String(13), nullable=True),
        sa.Column("trade_name", sa.String(200), nullable=True),
        sa.CheckConstraint(
            "corporate_number IS NULL OR length(corporate_number) = 13",
            name=op.f("ck_companies_corporate_number"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("corporate_number", name=op.f("uq_companies_corporate_number")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("group_name", sa.String(200), nullable=True),
        sa.Column("has_business_d_account", sa.Boolean(), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'general')", name=op.f("ck_users_role")),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_users_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_index(op.f("ix_users_company_id"), "users", ["company_id"])
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_number", sa.String(32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("service_family", sa.String(32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("planned_start_date", sa.Date(), nullable=True),
        sa.Column("web_only_plan", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "status IN ('受付', '審査中', '手続き中', '開通済み', 'キャンセル')",
            name=op.f("ck_orders_status"),
        ),
        sa.CheckConstraint(FAMILIES, name=op.f("ck_orders_service_family")),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_orders_quantity")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_orders_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("order_number", name=op.f("uq_orders_order_number")),
    )
    op.create_index(op.f("ix_orders_user_id"), "orders", ["user_id"])
    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_number", sa.String(32), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("service_family", sa.String(32), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("licence_count", sa.Integer(), nullable=False),
        sa.Column("billing_cycle", sa.String(20), nullable=False),
        sa.Column("payment_method", sa.String(20), nullable=False),
        sa.CheckConstraint(FAMILIES, name=op.f("ck_contracts_service_family")),
        sa.CheckConstraint(
            "billing_cycle IN ('annual', 'monthly')", name=op.f("ck_contracts_billing_cycle")
        ),
        sa.CheckConstraint(
            "payment_method IN ('invoice', 'direct_debit', 'credit_card')",
            name=op.f("ck_contracts_payment_method"),
        ),
        sa.CheckConstraint("licence_count >= 1", name=op.f("ck_contracts_licence_count")),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_contracts_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("contract_number", name=op.f("uq_contracts_contract_number")),
    )
    op.create_index(op.f("ix_contracts_company_id"), "contracts", ["company_id"])
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_number", sa.String(32), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("service_family", sa.String(32), nullable=False),
        sa.Column("billing_month", sa.Date(), nullable=False),
        sa.Column("amount_yen", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.CheckConstraint("invoice_number LIKE 'R%'", name=op.f("ck_invoices_invoice_number")),
        sa.CheckConstraint(FAMILIES, name=op.f("ck_invoices_service_family")),
        sa.CheckConstraint("amount_yen >= 0", name=op.f("ck_invoices_amount_yen")),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_invoices_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("invoice_number", name=op.f("uq_invoices_invoice_number")),
    )
    op.create_index(op.f("ix_invoices_company_id"), "invoices", ["company_id"])


def downgrade() -> None:
    for table in ("invoices", "contracts", "orders", "users", "companies"):
        op.drop_table(table)
