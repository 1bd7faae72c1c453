"""The repository API, on the demo data: who may see what, and nothing more."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.store import ContractView, InvoiceView, OrderView, UserView

JST = timezone(timedelta(hours=9))
ALL_USERNAMES = [
    "ito",
    "kobayashi",
    "nakamura",
    "sato",
    "suzuki",
    "takahashi",
    "watanabe",
    "yamada",
]
SQL_SHAPED = [
    "ORD-1' OR '1'='1",
    "'; DROP TABLE orders;--",
    "ORD-10000001'; DELETE FROM orders WHERE '1'='1",
    "' UNION SELECT * FROM users --",
    "%",
    "ORD-1000000_",
]


def _numbers(views) -> list[str]:
    return [v.order_number for v in views]


def _all_order_numbers(store) -> list[str]:
    return sorted(n for u in store.usernames() for n in _numbers(store.orders_of(u)))


# ---------------------------------------------------------------- members


def test_user_describes_the_member_and_company(store):
    assert store.user("yamada") == UserView(
        username="yamada",
        display_name="山田 太郎",
        company_name="株式会社さくら商事",
        role="admin",
        group_name="営業部",
        has_business_d_account=True,
        is_sole_proprietor=False,
        trade_name=None,
    )
    assert store.user("yamada").is_admin
    assert not store.user("sato").is_admin


def test_a_sole_proprietor_is_marked_with_the_trade_name(store):
    takahashi = store.user("takahashi")
    assert takahashi.is_sole_proprietor
    assert takahashi.trade_name == "みどり珈琲店"
    assert takahashi.group_name is None


def test_unknown_user_is_none(store):
    assert store.user("nobody") is None
    assert store.user("") is None
    assert store.user("yamada' OR '1'='1") is None


def test_usernames_are_every_member_sorted(store):
    assert store.usernames() == ALL_USERNAMES


def test_authenticate_accepts_only_the_right_password(store):
    assert store.authenticate("yamada", "yamada-demo") == store.user("yamada")
    assert store.authenticate("yamada", "yamada-demo ") is None
    assert store.authenticate("yamada", "YAMADA-DEMO") is None
    assert store.authenticate("yamada", "sato-demo") is None  # someone else's password
    assert store.authenticate("yamada", "") is None
    assert store.authenticate("nobody", "yamada-demo") is None
    assert store.authenticate("yamada' --", "x") is None
    assert store.authenticate("yamada", None) is None  # type: ignore[arg-type]


# ---------------------------------------------------------------- own orders


def test_orders_of_are_the_members_own_newest_first(store):
    assert _numbers(store.orders_of("yamada")) == ["ORD-10000005", "ORD-10000001"]
    assert _numbers(store.orders_of("sato")) == ["ORD-10000006", "ORD-10000002"]
    assert store.orders_of("nakamura") == []
    assert store.orders_of("nobody") == []
    for username in ALL_USERNAMES:
        orders = store.orders_of(username)
        assert all(o.orderer_username == username for o in orders)
        times = [o.ordered_at for o in orders]
        assert times == sorted(times, reverse=True)


def test_order_times_come_back_aware_in_japan_time(store):
    # 08:30 JST is 23:30 UTC the day before: a lost offset would move the order by a day.
    order = store.order_for("takahashi", "ORD-10000004")
    assert order.ordered_at == datetime(2026, 1, 31, 8, 30, tzinfo=JST)
    assert order.ordered_at.utcoffset() == timedelta(hours=9)
    assert order.ordered_at.date() == date(2026, 1, 31)


def test_order_for_returns_the_members_own_order(store):
    assert store.order_for("sato", "ORD-10000002") == OrderView(
        order_number="ORD-10000002",
        orderer_username="sato",
        orderer="佐藤 花子",
        service="OCN光",
        service_family="other",
        quantity=1,
        ordered_at=datetime(2026, 1, 9, 16, 45, tzinfo=JST),
        status="手続き中",
        planned_start_date=date(2026, 2, 20),
        web_only_plan=True,
    )


def test_order_numbers_are_read_as_typed_in_full_width_or_lower_case(store):
    assert store.order_for("sato", "ＯＲＤ－１００００００２").order_number == "ORD-10000002"
    assert store.order_for("sato", " ord-10000002 ").order_number == "ORD-10000002"


def test_another_members_order_looks_exactly_like_an_unknown_one(store):
    # sato and yamada share a company and a group; still, an order number is no key.
    assert store.order_for("yamada", "ORD-10000002") is None
    assert store.order_for("kobayashi", "ORD-10000001") is None
    assert store.order_for("yamada", "ORD-99999999") is None
    assert store.order_for("nobody", "ORD-10000001") is None
    assert store.order_for("yamada", "") is None
    assert store.order_for("yamada", "ORD-" + "1" * 100) is None


@pytest.mark.parametrize("attack", SQL_SHAPED)
def test_sql_shaped_order_numbers_find_nothing_and_change_nothing(store, attack):
    before = _all_order_numbers(store)
    assert store.order_for("yamada", attack) is None
    assert store.order_for(attack, "ORD-10000001") is None
    assert store.orders_of(attack) == []
    assert store.colleague_orders(attack) is None
    assert _all_order_numbers(store) == before
    assert len(before) == 11


# ---------------------------------------------------------------- colleagues' orders


def test_admin_sees_only_same_company_same_group_colleagues(store):
    orders = store.colleague_orders("yamada")
    # ito and sato (営業部); not suzuki (開発部), not yamada himself, and not あおぞら物流's 営業部.
    assert _numbers(orders) == ["ORD-10000007", "ORD-10000006", "ORD-10000002"]
    assert {o.orderer for o in orders} == {"伊藤 健一", "佐藤 花子"}
    assert _numbers(store.colleague_orders("kobayashi")) == ["ORD-10000011", "ORD-10000010"]


@pytest.mark.parametrize(
    ("username", "why"),
    [
        ("sato", "一般ユーザーロール"),
        ("watanabe", "一般ユーザーロール without ビジネスd"),
        ("ito", "admin without a ビジネスd account"),
        ("takahashi", "admin with ビジネスd but in no group"),
        ("nakamura", "general, no group, no ビジネスd"),
        ("nobody", "unknown"),
    ],
)
def test_colleague_orders_are_none_for_anyone_not_allowed(store, username, why):
    assert store.colleague_orders(username) is None, why


# ---------------------------------------------------------------- contracts and invoices


def test_contracts_are_the_members_companys(store):
    numbers = [c.contract_number for c in store.contracts_of("yamada")]
    assert numbers == ["C-2005", "C-2002", "C-2003", "C-2004", "C-2001"]  # oldest first
    assert [c.contract_number for c in store.contracts_of("sato")] == numbers
    assert [c.contract_number for c in store.contracts_of("takahashi")] == ["C-2007", "C-2006"]
    assert store.contracts_of("nakamura") == []
    assert store.contracts_of("nobody") == []
    assert store.contracts_of("kobayashi")[0] == ContractView(
        contract_number="C-2010",
        service="Biz安否確認/一斉通報ライトプラン",
        service_family="mypage_contract",
        started_on=date(2025, 5, 1),
        licence_count=120,
        billing_cycle="annual",
        payment_method="direct_debit",
    )


def test_invoices_are_the_members_companys_newest_month_first(store):
    invoices = store.invoices_of("yamada")
    assert [i.invoice_number for i in invoices] == [
        "R2602000102",
        "R2602000101",
        "R2601000102",
        "R2601000101",
    ]
    assert [i.invoice_number for i in store.invoices_of("yamada", "bizd_required")] == [
        "R2602000101",
        "R2601000101",
    ]
    assert store.invoices_of("nakamura") == []
    assert {i.invoice_number for i in store.invoices_of("kobayashi")}.isdisjoint(
        i.invoice_number for i in invoices
    )


def test_latest_invoice_is_by_billing_month(store):
    assert store.latest_invoice("takahashi").invoice_number == "R2602000201"
    assert store.latest_invoice("kobayashi").billing_month == date(2026, 1, 1)
    assert store.latest_invoice("yamada", "bizd_required") == InvoiceView(
        invoice_number="R2602000101",
        service_family="bizd_required",
        billing_month=date(2026, 2, 1),
        amount_yen=300_000,
        due_date=date(2026, 2, 28),
        paid=False,
    )
    assert store.latest_invoice("yamada", "home5g") is None
    assert store.latest_invoice("nakamura") is None
    assert store.latest_invoice("nobody") is None


# ---------------------------------------------------------------- what comes out


def test_views_are_frozen_snapshots_not_orm_objects(store):
    views = [
        store.user("yamada"),
        store.orders_of("yamada")[0],
        store.contracts_of("yamada")[0],
        store.latest_invoice("yamada"),
    ]
    for view in views:
        assert dataclasses.is_dataclass(view)
        assert not hasattr(view, "_sa_instance_state")
        with pytest.raises(dataclasses.FrozenInstanceError):
            view.paid = True  # type: ignore[misc]
    assert not any(f.name == "password_hash" for f in dataclasses.fields(UserView))
