"""What the store hands out: frozen snapshots, never ORM objects bound to a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class UserView:
    """A logged-in member and the company they belong to (no password hash)."""

    username: str
    display_name: str
    company_name: str
    role: str  # "admin" (管理者ロール) or "general" (一般ユーザーロール)
    group_name: str | None  # ポイント/ユーザー管理グループ
    has_business_d_account: bool
    is_sole_proprietor: bool  # 個人事業主: the company has no 法人番号
    trade_name: str | None = None  # 屋号 of a 個人事業主

    @property
    def is_admin(self) -> bool:
        """管理者ロール."""
        return self.role == "admin"


@dataclass(frozen=True)
class OrderView:
    """One order; `ordered_at` is timezone-aware, in Japan time."""

    order_number: str
    orderer_username: str
    orderer: str  # the orderer's display name
    service: str
    service_family: str
    quantity: int
    ordered_at: datetime
    status: str  # 受付, 審査中, 手続き中, 開通済み or キャンセル
    planned_start_date: date | None
    web_only_plan: bool


@dataclass(frozen=True)
class ContractView:
    """One contracted service of the member's company."""

    contract_number: str
    service: str
    service_family: str
    started_on: date
    licence_count: int
    billing_cycle: str  # "annual" or "monthly"
    payment_method: str  # "invoice", "direct_debit" or "credit_card"


@dataclass(frozen=True)
class InvoiceView:
    """One invoice of the member's company; `due_date` is the date printed on it."""

    invoice_number: str
    service_family: str
    billing_month: date  # the 1st of the billed month
    amount_yen: int
    due_date: date
    paid: bool


@dataclass(frozen=True)
class Account:
    """Whoever logged in to the web app, and which surface they may use."""

    username: str
    display_name: str
    role: str  # "customer", "agent" (/agent) or "content" (/content)


@dataclass(frozen=True)
class JudgementView:
    """An agent's verdict on one question."""

    id: int
    judged_at: datetime
    judged_by: str
    text: str
    predicted: str | None
    correct: bool
    label: str


@dataclass(frozen=True)
class TurnView:
    """One logged chat turn."""

    at: datetime
    conversation_id: str
    username: str | None
    text: str
    intent: str | None
    faq_id: str | None
    confidence: float | None
    fallback: bool
    reply: str
    outcome: str
    id: int | None = None
    candidates: tuple[tuple[str, float], ...] = ()  # the "did you mean" candidates, best first
    feedback: str | None = None  # "helpful", "unhelpful" or None
    reading: str | None = None  # "context" when read as a follow-up, "alone", or None


@dataclass(frozen=True)
class AuditView:
    """One row of the audit log; `detail` says what was done (counts, file, conversation)."""

    id: int
    at: datetime
    actor: str
    action: str  # answer_as_customer, export, erase or purge
    customer: str | None
    client: str  # the web client's address, or cli@<host>
    detail: dict
