"""The demo data: checked on load, complete enough to demo every rule, seeded exactly once."""

from __future__ import annotations

from datetime import date, time, timedelta, timezone
from pathlib import Path

import holidays
import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store import ensure_seeded
from bot.store.database import make_engine
from bot.store.models import Company, Contract, Invoice, Order, User
from bot.store.seed import DEMO_DATA, SeedDataError, load_demo_data

JST = timezone(timedelta(hours=9))
DEMO = load_demo_data()
USERS = [user for company in DEMO for user in company["users"]]
ORDERS = [order for user in USERS for order in user.get("orders") or []]
CONTRACTS = [c for company in DEMO for c in company.get("contracts") or []]
INVOICES = [i for company in DEMO for i in company.get("invoices") or []]


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with Session(engine, future=True) as session:
            return {
                model.__tablename__: session.execute(
                    select(func.count()).select_from(model)
                ).scalar_one()
                for model in (Company, User, Order, Contract, Invoice)
            }
    finally:
        engine.dispose()


# ---------------------------------------------------------------- seeding


def test_seeding_migrates_an_empty_database_and_inserts_the_demo_data(empty_url):
    assert ensure_seeded(empty_url) is True
    assert _counts(empty_url) == {
        "companies": len(DEMO),
        "users": len(USERS),
        "orders": len(ORDERS),
        "contracts": len(CONTRACTS),
        "invoices": len(INVOICES),
    }


def test_seeding_twice_inserts_nothing_the_second_time(empty_url):
    assert ensure_seeded(empty_url) is True
    before = _counts(empty_url)
    assert ensure_seeded(empty_url) is False
    assert _counts(empty_url) == before


def test_a_store_with_data_of_its_own_is_not_seeded(empty_url):
    from bot.store.migrations import upgrade

    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with Session(engine, future=True) as session, session.begin():
            session.add(Company(name="本番の会社", corporate_number="2222222222222"))
        assert ensure_seeded(engine) is False
    finally:
        engine.dispose()
    assert _counts(empty_url)["companies"] == 1


def test_passwords_are_stored_hashed_with_a_salt_each(seeded_url):
    engine = make_engine(seeded_url)
    try:
        with Session(engine, future=True) as session:
            stored = dict(session.execute(select(User.username, User.password_hash)).all())
    finally:
        engine.dispose()
    plain = {user["username"]: user["password"] for user in USERS}
    assert set(stored) == set(plain)
    for username, password_hash in stored.items():
        assert password_hash.startswith("scrypt$")
        assert plain[username] not in password_hash
    assert len(set(stored.values())) == len(stored)


# ---------------------------------------------------------------- what the demo data covers


def test_orders_cover_every_status_and_the_13_oclock_rule():
    assert {order["status"] for order in ORDERS} == {
        "受付",
        "審査中",
        "手続き中",
        "開通済み",
        "キャンセル",
    }
    local_times = [order["ordered_at"].astimezone(JST).time() for order in ORDERS]
    assert any(t >= time(13) for t in local_times)
    assert any(t < time(13) for t in local_times)
    assert any(order.get("web_only_plan") for order in ORDERS)


def test_contracts_cover_every_service_family_and_the_named_services():
    assert {c["service_family"] for c in CONTRACTS} == {
        "bizd_required",
        "mypage_contract",
        "business_plus",
        "home5g",
        "other",
    }
    services = {c["service"] for c in CONTRACTS}
    for named in (
        "まるごとビジネスサポート",
        "ビジネスd福利厚生",
        "NewsPicks+dプレミアム会員プラン",
        "Microsoft 365 from NTTドコモビジネス",
        "Box over VPN",
        "Biz安否確認/一斉通報ライトプラン",
        "OCN光",
        "home 5G",
        "homeでんわ",
    ):
        assert named in services
    assert any(s.startswith("ビジネスプラス") for s in services)
    assert max(len(company.get("contracts") or []) for company in DEMO) >= 3


def test_invoices_sit_on_both_sides_of_300000_yen_and_on_closed_days():
    amounts = {invoice["amount_yen"] for invoice in INVOICES}
    assert 300_000 in amounts
    assert any(a < 300_000 for a in amounts) and any(a > 300_000 for a in amounts)
    japan = holidays.Japan(years=range(2025, 2028))
    due_dates = [invoice["due_date"] for invoice in INVOICES]
    assert any(d.weekday() >= 5 for d in due_dates)
    assert any(d in japan for d in due_dates)
    assert {"billing_month": date(2026, 1, 1), "due_date": date(2026, 1, 31)}.items() <= next(
        i
        for i in INVOICES
        if i["service_family"] == "bizd_required" and i["billing_month"] == date(2026, 1, 1)
    ).items()


def test_companies_include_a_corporation_and_a_sole_proprietor_with_a_trade_name():
    assert any(company.get("corporate_number") for company in DEMO)
    assert any(
        company.get("corporate_number") is None and company.get("trade_name") for company in DEMO
    )
    assert len(DEMO) >= 3


def test_users_include_both_roles_and_a_shared_group():
    assert {user["role"] for user in USERS} == {"admin", "general"}
    company = DEMO[0]
    groups = [user.get("group_name") for user in company["users"]]
    shared = {g for g in groups if g and groups.count(g) >= 2}
    assert shared
    assert any(g not in shared for g in groups)


# ---------------------------------------------------------------- bad data is refused with a reason


def _broken(tmp_path: Path, edit) -> Path:
    document = yaml.safe_load(DEMO_DATA.read_text(encoding="utf-8"))
    edit(document["companies"])
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def _first_order(companies):
    return companies[0]["users"][0]["orders"][0]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c[0].update(corporate_number=1234567890123), "corporate_number"),
        (lambda c: _first_order(c).update(ordered_at="2026-01-05 10:15:00"), "ordered_at"),
        (lambda c: _first_order(c).update(status="発送済み"), "status"),
        (lambda c: c[0]["invoices"][0].update(billing_month=date(2026, 1, 15)), "billing_month"),
        (lambda c: c[0]["invoices"][0].update(invoice_number="1234567890"), "invoice_number"),
        (lambda c: c[0]["users"][0].update(role="owner"), "role"),
        (lambda c: c[1]["users"][0].update(username="yamada"), "used twice"),
        (lambda c: c[0]["users"][0].update(pasword="typo"), "unknown field"),
    ],
)
def test_broken_demo_data_is_refused_naming_the_field(tmp_path, edit, message):
    with pytest.raises(SeedDataError, match=message):
        load_demo_data(_broken(tmp_path, edit))
