"""The demo data: data/demo_store.yml, checked, then inserted once into an empty store."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Optional

import yaml
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store import models
from bot.store.database import make_engine
from bot.store.migrations import upgrade
from bot.store.models import Company, Contract, Invoice, Order, Staff, User
from bot.store.passwords import hash_password

DEMO_DATA = Path(__file__).resolve().parents[2] / "data" / "demo_store.yml"


class SeedDataError(ValueError):
    """The demo YAML breaks a rule of the store; the message names the record and the fix."""


# A check returns what is wrong with a value, or None when it is fine.
Check = Callable[[Any], Optional[str]]


def _pattern(regex: str, example: str) -> Check:
    def check(value: Any) -> str | None:
        ok = isinstance(value, str) and re.fullmatch(regex, value)
        return None if ok else f"write it like {example}"

    return check


def _among(values: tuple[str, ...]) -> Check:
    return lambda value: None if value in values else f"use one of {', '.join(values)}"


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-empty text"


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _list(value: Any) -> str | None:
    return None if isinstance(value, list) else "must be a list"


def _whole(value: Any, minimum: int) -> str | None:
    # YAML's true is an int to Python; a count of `true` is a typo, not 1.
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
    return None if ok else f"must be a whole number of at least {minimum}"


def _count(value: Any) -> str | None:
    return _whole(value, 1)


def _yen(value: Any) -> str | None:
    return _whole(value, 0)


def _date(value: Any) -> str | None:
    ok = isinstance(value, date) and not isinstance(value, datetime)
    return None if ok else "write a date: 2026-01-31"


def _aware(value: Any) -> str | None:
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return None
    return "write a time with its offset: 2026-01-31 14:05:00+09:00"


def _first_of_month(value: Any) -> str | None:
    return _date(value) or (None if value.day == 1 else "write the 1st of the billed month")


# kind -> field -> (required, check)
_FIELDS: dict[str, dict[str, tuple[bool, Check]]] = {
    "company": {
        "name": (True, _text),
        "corporate_number": (False, _pattern(r"\d{13}", '"1234567890123" (13 digits, quoted)')),
        "trade_name": (False, _text),
        "users": (True, _list),
        "contracts": (False, _list),
        "invoices": (False, _list),
    },
    "user": {
        "username": (True, _pattern(r"[a-z0-9_.-]+", "yamada (lower-case ASCII)")),
        "password": (True, _text),
        "display_name": (True, _text),
        "role": (True, _among(models.ROLES)),
        "group_name": (False, _text),
        "has_business_d_account": (True, _flag),
        "orders": (False, _list),
    },
    "order": {
        "order_number": (True, _pattern(r"ORD-\d{8}", "ORD-10000001")),
        "service": (True, _text),
        "service_family": (True, _among(models.SERVICE_FAMILIES)),
        "quantity": (True, _count),
        "ordered_at": (True, _aware),
        "status": (True, _among(models.ORDER_STATUSES)),
        "planned_start_date": (False, _date),
        "web_only_plan": (False, _flag),
    },
    "contract": {
        "contract_number": (True, _pattern(r"C-\d+", "C-2001")),
        "service": (True, _text),
        "service_family": (True, _among(models.SERVICE_FAMILIES)),
        "started_on": (True, _date),
        "licence_count": (True, _count),
        "billing_cycle": (True, _among(models.BILLING_CYCLES)),
        "payment_method": (True, _among(models.PAYMENT_METHODS)),
    },
    "staff": {
        "username": (True, _pattern(r"[a-z0-9_.-]+", "agent (lower-case ASCII)")),
        "password": (True, _text),
        "display_name": (True, _text),
        "role": (True, _among(models.STAFF_ROLES)),
    },
    "invoice": {
        "invoice_number": (True, _pattern(r"R\d{10}", "R1234567890")),
        "service_family": (True, _among(models.SERVICE_FAMILIES)),
        "billing_month": (True, _first_of_month),
        "amount_yen": (True, _yen),
        "due_date": (True, _date),
        "paid": (False, _flag),
    },
}


def _checked(kind: str, record: Any, where: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise SeedDataError(f"{where}: expected a mapping of fields for one {kind}")
    fields = _FIELDS[kind]
    unknown = sorted(set(record) - set(fields))
    if unknown:
        raise SeedDataError(
            f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(fields)}"
        )
    for name, (required, check) in fields.items():
        value = record.get(name)
        if value is None:
            if required:
                raise SeedDataError(f"{where}: {kind} needs `{name}`")
            continue
        problem = check(value)
        if problem:
            raise SeedDataError(f"{where}: `{name}` {value!r}: {problem}")
    return record


def load_demo_data(path: Path = DEMO_DATA) -> list[dict[str, Any]]:
    """The companies of the demo YAML, each checked field by field."""
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    companies = document.get("companies") if isinstance(document, dict) else None
    if not isinstance(companies, list) or not companies:
        raise SeedDataError(f"{path}: expected a top-level `companies:` list")
    for c, company in enumerate(companies):
        where = f"{path}: companies[{c}]"
        _checked("company", company, where)
        for kind, plural in (("user", "users"), ("contract", "contracts"), ("invoice", "invoices")):
            for i, record in enumerate(company.get(plural) or []):
                _checked(kind, record, f"{where}.{plural}[{i}]")
        for u, user in enumerate(company["users"]):
            for o, order in enumerate(user.get("orders") or []):
                _checked("order", order, f"{where}.users[{u}].orders[{o}]")
    _check_unique(companies, path, load_staff(path))
    return companies


def load_staff(path: Path = DEMO_DATA) -> list[dict[str, Any]]:
    """The shop's staff accounts of the demo YAML (agents and content editors), checked."""
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    staff = document.get("staff") if isinstance(document, dict) else None
    if staff is None:
        return []
    if not isinstance(staff, list):
        raise SeedDataError(f"{path}: `staff:` must be a list of accounts")
    for i, record in enumerate(staff):
        _checked("staff", record, f"{path}: staff[{i}]")
    return staff


def _check_unique(
    companies: list[dict[str, Any]], path: Path, staff: list[dict[str, Any]] = ()
) -> None:
    users = [user for company in companies for user in company["users"]]
    keys = {
        # one login form for everybody: a staff name may not be a customer's name
        "username": users + list(staff),
        "order_number": [order for user in users for order in user.get("orders") or []],
        "contract_number": [c for company in companies for c in company.get("contracts") or []],
        "invoice_number": [i for company in companies for i in company.get("invoices") or []],
        "corporate_number": [c for c in companies if c.get("corporate_number")],
    }
    for key, records in keys.items():
        seen: set[str] = set()
        for record in records:
            if record[key] in seen:
                raise SeedDataError(f"{path}: {key} {record[key]!r} is used twice; make it unique")
            seen.add(record[key])


def _fields(record: dict[str, Any], model: type) -> dict[str, Any]:
    # A field left null takes the column's default (false for flags), like a field left out.
    return {k: v for k, v in record.items() if k in model.__table__.columns and v is not None}


def _insert(session: Session, companies: list[dict[str, Any]]) -> None:
    for record in companies:
        company = Company(**_fields(record, Company))
        session.add(company)
        session.flush()  # the company's id, for the rows that point at it
        for contract in record.get("contracts") or []:
            session.add(Contract(company_id=company.id, **_fields(contract, Contract)))
        for invoice in record.get("invoices") or []:
            session.add(
                Invoice(company_id=company.id, **{"paid": False, **_fields(invoice, Invoice)})
            )
        for member in record["users"]:
            user = User(
                company_id=company.id,
                password_hash=hash_password(member["password"]),
                **{
                    **_fields(member, User),
                    "group_name": (member.get("group_name") or "").strip() or None,
                },
            )
            session.add(user)
            session.flush()
            for order in member.get("orders") or []:
                session.add(
                    Order(user_id=user.id, **{"web_only_plan": False, **_fields(order, Order)})
                )


def _is_empty(session: Session, model: type = Company) -> bool:
    return session.execute(select(model.id).limit(1)).first() is None


def _missing_demo_staff(session: Session, staff: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The demo accounts a store lacks, if all its staff are demo accounts (else none).

    A store with staff of its own (a real shop) never gets a demo account with a known password.
    """
    present = set(session.execute(select(Staff.username)).scalars())
    demo = {member["username"] for member in staff}
    if not present <= demo:
        return []
    return [member for member in staff if member["username"] not in present]


def _insert_staff(session: Session, staff: list[dict[str, Any]]) -> None:
    for member in staff:
        session.add(
            Staff(password_hash=hash_password(member["password"]), **_fields(member, Staff))
        )


def ensure_seeded(url: str | Engine | None = None, data: Path = DEMO_DATA) -> bool:
    """Migrates the store, then fills it with the demo data if it is empty; True if it did."""
    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        upgrade(engine)
        companies = load_demo_data(data)
        staff = load_staff(data)
        try:
            with Session(engine, future=True) as session, session.begin():
                # Staff accounts came later (0002, admin in 0003): a store seeded before them
                # gets them now.
                _insert_staff(session, _missing_demo_staff(session, staff))
                if not _is_empty(session):
                    return False
                _insert(session, companies)
        except IntegrityError:
            # Another process seeded between our check and our insert: that is fine.
            with Session(engine, future=True) as session:
                if _is_empty(session):
                    raise
            return False
        return True
    finally:
        if engine is not url:
            engine.dispose()
