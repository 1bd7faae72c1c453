"""The store's API for the rest of the bot: questions by username, answers as frozen views.

Every method opens its own session (one unit of work) and returns plain dataclasses, so no
caller ever holds a session, an ORM object or a line of SQL. Whatever a caller passes in is
bound as a parameter, never formatted into a statement.
"""

from __future__ import annotations

import unicodedata
from datetime import timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.store.database import make_engine
from bot.store.models import Company, Contract, Invoice, Order, User
from bot.store.passwords import dummy_hash, verify_password
from bot.store.views import ContractView, InvoiceView, OrderView, UserView

JST = ZoneInfo("Asia/Tokyo")
# Longer "order numbers" are not ours; refusing them early keeps junk out of the logs.
MAX_ORDER_NUMBER_LENGTH = 32


def _user_view(user: User, company: Company) -> UserView:
    return UserView(
        username=user.username,
        display_name=user.display_name,
        company_name=company.name,
        role=user.role,
        group_name=user.group_name or None,
        has_business_d_account=bool(user.has_business_d_account),
        is_sole_proprietor=company.corporate_number is None,
        trade_name=company.trade_name,
    )


def _order_view(order: Order, orderer: User) -> OrderView:
    return OrderView(
        order_number=order.order_number,
        orderer_username=orderer.username,
        orderer=orderer.display_name,
        service=order.service,
        service_family=order.service_family,
        quantity=order.quantity,
        ordered_at=order.ordered_at.astimezone(timezone.utc).astimezone(JST),
        status=order.status,
        planned_start_date=order.planned_start_date,
        web_only_plan=bool(order.web_only_plan),
    )


def _contract_view(contract: Contract) -> ContractView:
    return ContractView(
        contract_number=contract.contract_number,
        service=contract.service,
        service_family=contract.service_family,
        started_on=contract.started_on,
        licence_count=contract.licence_count,
        billing_cycle=contract.billing_cycle,
        payment_method=contract.payment_method,
    )


def _invoice_view(invoice: Invoice) -> InvoiceView:
    return InvoiceView(
        invoice_number=invoice.invoice_number,
        service_family=invoice.service_family,
        billing_month=invoice.billing_month,
        amount_yen=invoice.amount_yen,
        due_date=invoice.due_date,
        paid=bool(invoice.paid),
    )


def normalise_order_number(text: str) -> str:
    """`ＯＲＤ－１０００００１` or ` ord-10000001 ` as typed → `ORD-10000001`."""
    return unicodedata.normalize("NFKC", text).strip().upper()


_NEWEST_ORDERS_FIRST = (Order.ordered_at.desc(), Order.id.desc())
_NEWEST_INVOICES_FIRST = (Invoice.billing_month.desc(), Invoice.invoice_number.desc())


class Store:
    """Orders, contracts and invoices as one logged-in member may see them."""

    def __init__(self, engine: Engine | str | None = None) -> None:
        """From an engine, or a URL (None: DATABASE_URL, else the local SQLite file)."""
        self._owns_engine = not isinstance(engine, Engine)
        self._engine = make_engine(engine) if self._owns_engine else engine

    def close(self) -> None:
        """Closes the connections of an engine this store made (a given engine is left alone)."""
        if self._owns_engine:
            self._engine.dispose()

    def _session(self) -> Session:
        return Session(self._engine, future=True)

    @staticmethod
    def _member(session: Session, username: str) -> tuple[User, Company] | None:
        row = session.execute(
            select(User, Company)
            .join(Company, User.company_id == Company.id)
            .where(User.username == username)
        ).first()
        return (row[0], row[1]) if row else None

    # ------------------------------------------------------------ members

    def user(self, username: str) -> UserView | None:
        """The member called `username`, or None."""
        with self._session() as session:
            member = self._member(session, username)
            return _user_view(*member) if member else None

    def authenticate(self, username: str, password: str) -> UserView | None:
        """The member when the password is right; None otherwise, equally slowly either way."""
        if not isinstance(username, str) or not isinstance(password, str):
            return None
        with self._session() as session:
            member = self._member(session, username)
            stored = member[0].password_hash if member else dummy_hash()
            if verify_password(password, stored) and member is not None:
                return _user_view(*member)
            return None

    def usernames(self) -> list[str]:
        """Every member's username, sorted (for the demo login page)."""
        with self._session() as session:
            return list(session.execute(select(User.username).order_by(User.username)).scalars())

    # ------------------------------------------------------------ orders

    def orders_of(self, username: str) -> list[OrderView]:
        """The orders `username` placed, newest first."""
        with self._session() as session:
            rows = session.execute(
                select(Order, User)
                .join(User, Order.user_id == User.id)
                .where(User.username == username)
                .order_by(*_NEWEST_ORDERS_FIRST)
            ).all()
            return [_order_view(order, orderer) for order, orderer in rows]

    def order_for(self, username: str, order_number: str) -> OrderView | None:
        """The order by number, only if `username` placed it.

        Someone else's order and a number that does not exist give the same None, so the
        answer never tells a customer that another customer's order number is real.
        """
        if not isinstance(order_number, str):
            return None
        wanted = normalise_order_number(order_number)
        if not wanted or len(wanted) > MAX_ORDER_NUMBER_LENGTH:
            return None
        with self._session() as session:
            row = session.execute(
                select(Order, User)
                .join(User, Order.user_id == User.id)
                .where(User.username == username, Order.order_number == wanted)
            ).first()
            return _order_view(*row) if row else None

    def colleague_orders(self, username: str) -> list[OrderView] | None:
        """Orders of the other members of the same company and user group, newest first.

        None when `username` may not see them: they must be a ビジネスd member with
        管理者ロール in a ポイント/ユーザー管理グループ.
        """
        with self._session() as session:
            member = self._member(session, username)
            if member is None:
                return None
            viewer, _company = member
            group = (viewer.group_name or "").strip()
            if viewer.role != "admin" or not viewer.has_business_d_account or not group:
                return None
            rows = session.execute(
                select(Order, User)
                .join(User, Order.user_id == User.id)
                .where(
                    User.company_id == viewer.company_id,
                    User.group_name == viewer.group_name,
                    User.id != viewer.id,
                )
                .order_by(*_NEWEST_ORDERS_FIRST)
            ).all()
            return [_order_view(order, orderer) for order, orderer in rows]

    # ------------------------------------------------------------ contracts and invoices

    def contracts_of(self, username: str) -> list[ContractView]:
        """The contracts of `username`'s company, oldest first (as マイページ lists them)."""
        with self._session() as session:
            contracts = session.execute(
                select(Contract)
                .join(User, User.company_id == Contract.company_id)
                .where(User.username == username)
                .order_by(Contract.started_on, Contract.id)
            ).scalars()
            return [_contract_view(contract) for contract in contracts]

    def invoices_of(self, username: str, service_family: str | None = None) -> list[InvoiceView]:
        """The invoices of `username`'s company (of one service family, if given), newest first."""
        return self._invoices(username, service_family)

    def latest_invoice(
        self, username: str, service_family: str | None = None
    ) -> InvoiceView | None:
        """The invoice of the latest billing month (of one service family, if given), or None."""
        invoices = self._invoices(username, service_family, limit=1)
        return invoices[0] if invoices else None

    def _invoices(
        self, username: str, service_family: str | None, limit: int | None = None
    ) -> list[InvoiceView]:
        query = (
            select(Invoice)
            .join(User, User.company_id == Invoice.company_id)
            .where(User.username == username)
            .order_by(*_NEWEST_INVOICES_FIRST)
            .limit(limit)
        )
        if service_family is not None:
            query = query.where(Invoice.service_family == service_family)
        with self._session() as session:
            return [_invoice_view(invoice) for invoice in session.execute(query).scalars()]
