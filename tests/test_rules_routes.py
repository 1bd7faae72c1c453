"""The seed's routes as rules: cancellation ①–④, roles, contacts and the centers' opening hours."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from bot import rules
from bot.contact_routes import TOPIC_ROUTES, Center, opening_status, route_for_topic
from bot.rules import (
    JST,
    CancellationRoute,
    can_order,
    can_see_colleague_orders,
    cancellation_route,
    format_jp_date,
    format_yen,
    order_change_possibility,
)
from tests.seed_page import in_seed

ROOT = Path(__file__).resolve().parents[1]


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)


# ---------------------------------------------------------------- cancellation


@pytest.mark.parametrize(
    "service, family, number",
    [
        ("ビジネスd福利厚生", "bizd_required", 1),
        ("NewsPicks +dプレミアム会員プラン", "bizd_required", 1),
        ("NewsPicks+dプレミアム会員プラン", "bizd_required", 1),
        ("NewsPicks　＋dプレミアム会員プラン", "bizd_required", 1),  # full-width space and plus
        ("まるごとビジネスサポート", "bizd_required", 1),
        ("まるごとビジネスサポート 回数無制限プラン", "bizd_required", 1),
        ("ビジネスdリモートデスクトップ", "bizd_required", 2),
        ("ビジネスd安否確認 ベーシックプラン", "bizd_required", 2),
        ("Microsoft 365 from NTTドコモビジネス", "mypage_contract", 2),
        ("Box over VPN", "mypage_contract", 2),
        ("Biz安否確認/一斉通報ライトプラン", "mypage_contract", 2),
        ("ビジネスプラス 会計", "business_plus", 3),
        ("OCN光", "other", 4),
        ("OCN モバイル ONE for business", "other", 4),
        ("home 5G", "home5g", 4),
    ],
)
def test_cancellation_route(service, family, number):
    route = cancellation_route(service, family)
    assert isinstance(route, CancellationRoute)
    assert route.number == number
    assert route.label == "①②③④"[number - 1]


def test_route_one_is_decided_by_name_not_family():
    assert cancellation_route("まるごとビジネスサポート", "other").number == 1


def test_route_instructions_say_where_to_go():
    for service, family, mark in (
        ("ビジネスd福利厚生", "bizd_required", "①"),
        ("Box over VPN", "mypage_contract", "②"),
        ("ビジネスプラス 会計", "business_plus", "③"),
    ):
        route = cancellation_route(service, family)
        # The seed links 「こちら」: the route points to that link and names no page of its own.
        assert f"「解約方法を教えてください。」にある{mark}リンク先" in route.instruction
        assert "ご案内ページ" not in route.instruction and in_seed(route.seed)
    fourth = cancellation_route("OCN光", "other").instruction
    assert "NTTドコモビジネスコンタクトセンター" in fourth
    assert "0120-003300" in fourth
    assert "9:00~17:00" in fourth and "年末年始" in fourth


def test_instructions_invent_no_urls():
    for number in range(1, 5):
        assert "http" not in rules._ROUTES[number].instruction


# ---------------------------------------------------------------- orders and roles


@pytest.mark.parametrize(
    "status, expected",
    [
        ("受付", "may_be_possible"),
        ("審査中", "may_be_possible"),
        ("手続き中", "may_not_be_possible"),
        ("開通済み", "completed"),
        ("キャンセル", "already_cancelled"),
    ],
)
def test_order_change_possibility(status, expected):
    assert order_change_possibility(status) == expected


@pytest.mark.parametrize("status", ["", "発送済み", "shipped"])
def test_unknown_order_status_is_refused(status):
    with pytest.raises(ValueError, match="unknown order status"):
        order_change_possibility(status)


@pytest.mark.parametrize(
    "role, has_account, allowed",
    [
        ("admin", True, True),
        # 「一般ユーザーロール」でログインされている方は、ご注文いただけません
        ("general", True, False),
        ("admin", False, False),  # ビジネスdアカウントでログインされていない為…
        ("general", False, False),
    ],
)
def test_can_order(role, has_account, allowed):
    assert can_order(role, has_account) is allowed


def test_unknown_role_is_refused():
    with pytest.raises(ValueError, match="unknown role"):
        can_order("管理者", True)
    with pytest.raises(ValueError, match="unknown role"):
        can_see_colleague_orders("owner", True, "g1", "g1")


@pytest.mark.parametrize(
    "role, has_account, own, other, allowed",
    [
        ("admin", True, "g1", "g1", True),
        ("general", True, "g1", "g1", False),
        ("admin", False, "g1", "g1", False),
        ("admin", True, "g1", "g2", False),
        ("admin", True, "", "", False),  # no group is not "the same group"
        ("admin", True, None, None, False),
        ("admin", True, "g1", None, False),
    ],
)
def test_can_see_colleague_orders(role, has_account, own, other, allowed):
    assert can_see_colleague_orders(role, has_account, own, other) is allowed


# ---------------------------------------------------------------- centers


@pytest.mark.parametrize("topic", sorted(TOPIC_ROUTES))
def test_every_route_is_said_in_the_seeds_words(topic):
    route = route_for_topic(topic)
    assert route.centers and route.say
    for sentence in route.say:
        assert in_seed(sentence), (topic, sentence)


def test_the_billing_center_is_named_only_for_changing_billing_or_payment():
    billing = {topic for topic, route in TOPIC_ROUTES.items() if Center.BILLING in route.centers}
    assert billing == {"billing_payment_change", "direct_debit_duration", "credit_card_available"}


@pytest.mark.parametrize("topic", ["invoice_type", "receipt", "payment_due_date", "greet", None])
def test_a_topic_the_seed_routes_nowhere_has_no_route(topic):
    assert route_for_topic(topic) is None


def test_catalog_contacts_are_centers():
    catalog = yaml.safe_load((ROOT / "faq_catalog.yml").read_text(encoding="utf-8"))
    assert set(catalog["contacts"]) <= {center.value for center in Center}
    topics = {topic for group in catalog["faq"].values() for topic in group}
    assert set(TOPIC_ROUTES) <= topics


def test_contact_center_line_matches_the_catalog():
    contact = yaml.safe_load((ROOT / "faq_catalog.yml").read_text(encoding="utf-8"))["contacts"][
        "contact_center"
    ]
    assert contact["name"] in rules.CONTACT_CENTER_LINE
    assert contact["phone"] in rules.CONTACT_CENTER_LINE
    assert in_seed(rules.CONTACT_CENTER_LINE)


@pytest.mark.parametrize(
    "now, open_now, next_opening",
    [
        (jst(2026, 11, 26, 8, 59), False, jst(2026, 11, 26, 9, 0)),
        (jst(2026, 11, 26, 9, 0), True, None),
        (jst(2026, 11, 26, 16, 59), True, None),
        (jst(2026, 11, 26, 16, 59, 59), True, None),
        (jst(2026, 11, 26, 17, 0), False, jst(2026, 11, 27, 9, 0)),
        (jst(2026, 11, 27, 17, 30), False, jst(2026, 11, 30, 9, 0)),  # Friday evening
        (jst(2026, 11, 28, 10, 0), False, jst(2026, 11, 30, 9, 0)),  # Saturday
        (jst(2026, 11, 3, 10, 0), False, jst(2026, 11, 4, 9, 0)),  # 文化の日
        (jst(2026, 11, 2, 18, 0), False, jst(2026, 11, 4, 9, 0)),  # evening before a holiday
        (jst(2026, 12, 28, 16, 59), True, None),
        (jst(2026, 12, 31, 10, 0), False, jst(2027, 1, 4, 9, 0)),
        (jst(2027, 1, 3, 10, 0), False, jst(2027, 1, 4, 9, 0)),
        (jst(2026, 1, 3, 10, 0), False, jst(2026, 1, 5, 9, 0)),  # 1/4 is a Sunday
    ],
)
def test_opening_status(now, open_now, next_opening):
    status = opening_status(now)
    assert status.open_now is open_now
    assert status.next_opening == next_opening
    if next_opening is not None:
        assert status.next_opening.tzinfo is not None
        assert status.next_opening.utcoffset() == timedelta(hours=9)


def test_opening_status_converts_utc_to_jst():
    # 23:59 UTC Wednesday is 08:59 Thursday in Tokyo; 00:00 UTC is 09:00.
    before = opening_status(datetime(2026, 11, 25, 23, 59, tzinfo=timezone.utc))
    assert not before.open_now and before.next_opening == jst(2026, 11, 26, 9, 0)
    assert opening_status(datetime(2026, 11, 26, 0, 0, tzinfo=timezone.utc)).open_now
    assert not opening_status(datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)).open_now


# ---------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    "day, text",
    [
        (date(2026, 11, 30), "2026年11月30日(月)"),
        (date(2026, 1, 31), "2026年1月31日(土)"),
        (date(2025, 11, 30), "2025年11月30日(日)"),
        (date(2027, 1, 4), "2027年1月4日(月)"),
    ],
)
def test_format_jp_date(day, text):
    assert format_jp_date(day) == text


@pytest.mark.parametrize(
    "amount, text", [(300_000, "300,000円"), (0, "0円"), (999, "999円"), (1_234_567, "1,234,567円")]
)
def test_format_yen(amount, text):
    assert format_yen(amount) == text
