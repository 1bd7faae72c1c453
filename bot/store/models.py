"""The store's tables: companies, their users, orders, contracts and invoices."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    TypeDecorator,
)
from sqlalchemy.orm import declarative_base

SERVICE_FAMILIES = ("bizd_required", "mypage_contract", "business_plus", "home5g", "other")
ORDER_STATUSES = ("受付", "審査中", "手続き中", "開通済み", "キャンセル")
ROLES = ("admin", "general")
BILLING_CYCLES = ("annual", "monthly")
PAYMENT_METHODS = ("invoice", "direct_debit", "credit_card")

# Named constraints, so Alembic migrations can address them on every backend.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
Base = declarative_base(metadata=metadata)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """A CHECK expression limiting `column` to `values` (values are our constants, not input)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class AwareDateTime(TypeDecorator):
    """A timezone-aware datetime, stored as UTC; SQLite keeps no offset, so it is put back."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the store takes timezone-aware datetimes")
        utc = value.astimezone(timezone.utc)
        # SQLite compares the stored text, so every row must be written in the same zone.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


class Company(Base):
    """A customer: a corporation (法人番号) or a sole proprietor (個人事業主, maybe with 屋号)."""

    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint(
            "corporate_number IS NULL OR length(corporate_number) = 13", name="corporate_number"
        ),
    )

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    corporate_number = Column(String(13), unique=True)  # NULL: 個人事業主
    trade_name = Column(String(200))  # 屋号 of a 個人事業主


class User(Base):
    """A login of a company: 管理者ロール or 一般ユーザーロール, maybe in a user group."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(one_of("role", ROLES), name="role"),)

    id = Column(Integer, primary_key=True)
    company_id = Column(ForeignKey("companies.id"), nullable=False, index=True)
    username = Column(String(100), nullable=False, unique=True)
    display_name = Column(String(200), nullable=False)
    password_hash = Column(String(300), nullable=False)
    role = Column(String(20), nullable=False)
    group_name = Column(String(200))  # ポイント/ユーザー管理グループ
    has_business_d_account = Column(Boolean, nullable=False, default=False)


class Order(Base):
    """An order placed by one user."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(one_of("status", ORDER_STATUSES), name="status"),
        CheckConstraint(one_of("service_family", SERVICE_FAMILIES), name="service_family"),
        CheckConstraint("quantity >= 1", name="quantity"),
    )

    id = Column(Integer, primary_key=True)
    order_number = Column(String(32), nullable=False, unique=True)
    user_id = Column(ForeignKey("users.id"), nullable=False, index=True)
    service = Column(String(200), nullable=False)
    service_family = Column(String(32), nullable=False)
    quantity = Column(Integer, nullable=False)
    ordered_at = Column(AwareDateTime(), nullable=False)
    status = Column(String(20), nullable=False)
    planned_start_date = Column(Date)
    web_only_plan = Column(Boolean, nullable=False, default=False)


class Contract(Base):
    """A service a company has contracted."""

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint(one_of("service_family", SERVICE_FAMILIES), name="service_family"),
        CheckConstraint(one_of("billing_cycle", BILLING_CYCLES), name="billing_cycle"),
        CheckConstraint(one_of("payment_method", PAYMENT_METHODS), name="payment_method"),
        CheckConstraint("licence_count >= 1", name="licence_count"),
    )

    id = Column(Integer, primary_key=True)
    contract_number = Column(String(32), nullable=False, unique=True)
    company_id = Column(ForeignKey("companies.id"), nullable=False, index=True)
    service = Column(String(200), nullable=False)
    service_family = Column(String(32), nullable=False)
    started_on = Column(Date, nullable=False)
    licence_count = Column(Integer, nullable=False)
    billing_cycle = Column(String(20), nullable=False)
    payment_method = Column(String(20), nullable=False)


class Invoice(Base):
    """One month's invoice of a company for one service family."""

    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("invoice_number LIKE 'R%'", name="invoice_number"),
        CheckConstraint(one_of("service_family", SERVICE_FAMILIES), name="service_family"),
        CheckConstraint("amount_yen >= 0", name="amount_yen"),
    )

    id = Column(Integer, primary_key=True)
    invoice_number = Column(String(32), nullable=False, unique=True)
    company_id = Column(ForeignKey("companies.id"), nullable=False, index=True)
    service_family = Column(String(32), nullable=False)
    billing_month = Column(Date, nullable=False)  # always the 1st of the month
    amount_yen = Column(Integer, nullable=False)
    due_date = Column(Date, nullable=False)  # as printed on the invoice
    paid = Column(Boolean, nullable=False, default=False)


STAFF_ROLES = ("agent", "content", "admin")
FEEDBACK = ("helpful", "unhelpful")  # 役に立った / 役に立たなかった
AUDIT_ACTIONS = (
    "answer_as_customer",
    "export",
    "erase",
    "purge",
    "knowledge_publish",
    "knowledge_rollback",
)


class Staff(Base):
    """A shop employee: support agent (`/agent`), content editor (`/content`) or admin (`/admin`)."""

    __tablename__ = "staff"
    __table_args__ = (CheckConstraint(one_of("role", STAFF_ROLES), name="role"),)

    id = Column(Integer, primary_key=True)
    username = Column(String(100), nullable=False, unique=True)
    display_name = Column(String(200), nullable=False)
    password_hash = Column(String(300), nullable=False)
    role = Column(String(20), nullable=False)


class Judgement(Base):
    """An agent's verdict on how the bot understood a question, with the right label."""

    __tablename__ = "judgements"

    id = Column(Integer, primary_key=True)
    judged_at = Column(AwareDateTime(), nullable=False)
    judged_by = Column(String(100), nullable=False)
    text = Column(String(2000), nullable=False)
    predicted = Column(String(200))  # the label the bot chose (faq/<id>, an intent, or none)
    correct = Column(Boolean, nullable=False)
    label = Column(String(200), nullable=False)  # the right label, as the agent says


class Turn(Base):
    """One chat turn as the web app saw it: the question, how it was understood, the reply."""

    __tablename__ = "turns"
    __table_args__ = (CheckConstraint(one_of("feedback", FEEDBACK), name="feedback"),)

    id = Column(Integer, primary_key=True)
    at = Column(AwareDateTime(), nullable=False, index=True)
    conversation_id = Column(String(64), nullable=False, index=True)
    username = Column(String(100))  # the verified customer, NULL for a visitor
    text = Column(String(2000), nullable=False)
    intent = Column(String(200))
    faq_id = Column(String(200))
    confidence = Column(Float)
    fallback = Column(Boolean, nullable=False, default=False)
    reply = Column(String(8000), nullable=False)
    outcome = Column(String(20), nullable=False, default="ok")  # ok / degraded
    # The "did you mean" candidates the bot had: JSON [[label, confidence], ...], best first.
    candidates = Column(String(2000))
    feedback = Column(String(12))  # NULL until the customer clicks; one value per turn
    feedback_at = Column(AwareDateTime())
    # "context" when the turn was read in the conversation's context (a follow-up), "alone"
    # when it was read on its own although there was a context; NULL for an opening question.
    reading = Column(String(16))


class AuditEntry(Base):
    """Who looked at or changed a customer's data: when, which customer, from which address."""

    __tablename__ = "audit_log"
    __table_args__ = (CheckConstraint(one_of("action", AUDIT_ACTIONS), name="action"),)

    id = Column(Integer, primary_key=True)
    at = Column(AwareDateTime(), nullable=False, index=True)
    actor = Column(String(100), nullable=False)  # a staff username, or who ran a data command
    action = Column(String(40), nullable=False)
    customer = Column(String(100), index=True)  # NULL: not about one customer (purge)
    client = Column(String(200), nullable=False)  # the web client's address, or "cli@<host>"
    detail = Column(String(2000), nullable=False, default="")  # JSON: what was done
