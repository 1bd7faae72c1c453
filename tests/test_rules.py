"""The business rules against the seed FAQ page, with real calendar edges from the holidays library.

Calendar, application day, due dates, invoices and payment methods; the routes (cancellation,
roles, contacts, opening hours) are in test_rules_routes.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import holidays
import pytest

from bot import rules
from bot.contact_routes import opening_status
from bot.rules import (
    JST,
    after_cutoff,
    application_business_day,
    business_day_on_or_after,
    cancellation_route,
    credit_card_allowed,
    invoice_kind,
    is_business_day,
    next_business_day,
    payment_due_date,
    payment_methods,
)
from tests.seed_page import in_seed

JAPAN = holidays.Japan()


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)


# ---------------------------------------------------------------- calendar


def test_jst_is_tokyo():
    assert jst(2026, 7, 1, 0, 0).utcoffset() == timedelta(hours=9)


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2026, 11, 27), True),  # Friday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), False),  # Sunday
        (date(2026, 11, 3), False),  # 文化の日 (Tuesday)
        (date(2026, 5, 6), False),  # 振替休日
        (date(2026, 9, 22), False),  # 国民の休日 between two holidays
        (date(2025, 11, 24), False),  # 振替休日 for 勤労感謝の日 on Sunday
        (date(2026, 12, 28), True),  # last business day of the year
        (date(2026, 12, 29), False),
        (date(2026, 12, 30), False),
        (date(2026, 12, 31), False),
        (date(2027, 1, 1), False),
        (date(2027, 1, 2), False),
        (date(2027, 1, 3), False),
        (date(2027, 1, 4), True),  # first business day of the year (Monday)
    ],
)
def test_is_business_day(day, expected):
    assert is_business_day(day) is expected


def test_holiday_examples_are_real_holidays():
    # Guards the table above against a wrong guess about the calendar.
    for day in (date(2026, 11, 3), date(2026, 5, 6), date(2026, 9, 22), date(2025, 11, 24)):
        assert day in JAPAN and day.weekday() < 5


def test_every_year_end_day_is_closed_even_on_weekdays():
    for year in range(2024, 2031):
        closed = [date(year, 12, 29) + timedelta(days=n) for n in range(6)]
        assert not any(is_business_day(day) for day in closed)


def test_next_business_day_is_strictly_after():
    assert next_business_day(date(2026, 11, 26)) == date(2026, 11, 27)  # Thu → Fri
    assert next_business_day(date(2026, 11, 27)) == date(2026, 11, 30)  # Fri → Mon
    assert next_business_day(date(2026, 7, 17)) == date(2026, 7, 21)  # Fri → Tue (海の日)
    assert next_business_day(date(2026, 12, 28)) == date(2027, 1, 4)  # over 年末年始
    assert next_business_day(date(2026, 9, 18)) == date(2026, 9, 24)  # シルバーウィーク


def test_business_day_on_or_after():
    assert business_day_on_or_after(date(2026, 11, 27)) == date(2026, 11, 27)
    assert business_day_on_or_after(date(2026, 11, 28)) == date(2026, 11, 30)
    assert business_day_on_or_after(date(2026, 12, 29)) == date(2027, 1, 4)
    assert business_day_on_or_after(date(2026, 1, 3)) == date(2026, 1, 5)  # 1/4 is a Sunday


# ---------------------------------------------------------------- application day


@pytest.mark.parametrize(
    "ordered_at, expected",
    [
        (jst(2026, 11, 26, 12, 59), date(2026, 11, 26)),
        (jst(2026, 11, 26, 12, 59, 59), date(2026, 11, 26)),
        (jst(2026, 11, 26, 13, 0), date(2026, 11, 27)),  # 13時以降 includes 13:00
        (jst(2026, 11, 26, 0, 0), date(2026, 11, 26)),
        (jst(2026, 11, 26, 23, 59), date(2026, 11, 27)),
        (jst(2026, 11, 27, 15, 0), date(2026, 11, 30)),  # Friday afternoon → Monday
        (jst(2026, 7, 17, 15, 0), date(2026, 7, 21)),  # Friday → Tuesday, Monday is 海の日
        (jst(2026, 11, 28, 10, 0), date(2026, 11, 30)),  # Saturday morning
        (jst(2026, 11, 3, 9, 0), date(2026, 11, 4)),  # holiday morning
        (jst(2026, 12, 28, 12, 0), date(2026, 12, 28)),
        (jst(2026, 12, 28, 13, 0), date(2027, 1, 4)),
        (jst(2026, 12, 30, 10, 0), date(2027, 1, 4)),
    ],
)
def test_application_business_day(ordered_at, expected):
    assert application_business_day(ordered_at) == expected


@pytest.mark.parametrize(
    "ordered_at, by_cutoff",
    [
        (jst(2026, 11, 26, 12, 59), False),
        (jst(2026, 11, 26, 13, 0), True),  # a business day at 13:00: the seed's 13時 rule
        (jst(2026, 12, 28, 13, 0), True),
        (jst(2026, 11, 28, 14, 0), False),  # Saturday: moved because the day is closed
        (jst(2026, 11, 3, 9, 0), False),  # 文化の日
        (jst(2026, 12, 30, 15, 0), False),  # 年末年始
    ],
)
def test_after_cutoff_is_the_13_oclock_rule_only(ordered_at, by_cutoff):
    assert after_cutoff(ordered_at) is by_cutoff


def test_application_day_converts_utc_to_jst():
    # 03:59 UTC is 12:59 JST, 04:00 UTC is 13:00 JST.
    assert application_business_day(datetime(2026, 11, 26, 3, 59, tzinfo=timezone.utc)) == date(
        2026, 11, 26
    )
    assert application_business_day(datetime(2026, 11, 26, 4, 0, tzinfo=timezone.utc)) == date(
        2026, 11, 27
    )
    # 20:00 UTC Wednesday is already 05:00 Thursday in Tokyo: counts as Thursday.
    assert application_business_day(datetime(2026, 11, 25, 20, 0, tzinfo=timezone.utc)) == date(
        2026, 11, 26
    )


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        application_business_day(datetime(2026, 11, 26, 10, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        opening_status(datetime(2026, 11, 26, 10, 0))


# ---------------------------------------------------------------- due dates


@pytest.mark.parametrize(
    "billing_month, expected",
    [
        (date(2026, 11, 1), date(2026, 11, 30)),  # Monday, stays
        (date(2026, 11, 17), date(2026, 11, 30)),  # any day of the month names the month
        (date(2025, 2, 1), date(2025, 2, 28)),  # Friday
        (date(2026, 2, 1), date(2026, 3, 2)),  # 2/28 Saturday → Monday
        (date(2028, 2, 1), date(2028, 2, 29)),  # leap year, Tuesday
        (date(2026, 1, 1), date(2026, 2, 2)),  # 1/31 Saturday → Monday
        (date(2025, 11, 1), date(2025, 12, 1)),  # 11/30 Sunday → Monday
        (date(2026, 5, 1), date(2026, 6, 1)),  # 5/31 Sunday → Monday
        (date(2029, 4, 1), date(2029, 5, 1)),  # 4/30 is a 振替休日 → Tuesday
        # 翌営業日 of the business calendar: past 年末年始 (default 12/29–1/3), not onto 1/2 or 1/3
        (date(2022, 12, 1), date(2023, 1, 4)),  # 12/31 Sat
        (date(2023, 12, 1), date(2024, 1, 4)),  # 12/31 Sun
        (date(2026, 12, 1), date(2026, 12, 31)),  # 12/31 Thursday: not 土日祝, stays
    ],
)
def test_bizd_due_date_is_month_end_moved_off_weekends_and_holidays(billing_month, expected):
    assert payment_due_date("bizd_required", billing_month, None) == expected


def test_due_date_examples_fall_where_the_table_says():
    assert date(2026, 1, 31).weekday() == 5
    assert date(2025, 11, 30).weekday() == 6
    assert date(2029, 4, 30) in JAPAN and date(2029, 4, 30).weekday() == 0
    assert date(2023, 1, 2) in JAPAN


def test_bizd_due_date_ignores_the_printed_date():
    assert payment_due_date("bizd_required", date(2026, 11, 1), date(2026, 12, 15)) == date(
        2026, 11, 30
    )


@pytest.mark.parametrize("family", ["mypage_contract", "business_plus", "home5g", "other"])
def test_other_families_use_the_printed_due_date(family):
    assert payment_due_date(family, date(2026, 1, 1), date(2026, 2, 10)) == date(2026, 2, 10)
    assert payment_due_date(family, date(2026, 1, 1), None) is None


def test_unknown_family_is_refused():
    for call in (
        lambda: payment_due_date("ocn", date(2026, 1, 1), None),
        lambda: payment_methods("ocn"),
        lambda: credit_card_allowed("ocn"),
        lambda: cancellation_route("OCN光", "ocn"),
    ):
        with pytest.raises(ValueError, match="unknown service family"):
            call()


# ---------------------------------------------------------------- invoices


@pytest.mark.parametrize(
    "amount, kind",
    [
        (0, "barcode"),
        (1, "barcode"),
        (299_999, "barcode"),
        (300_000, "see_invoice"),
        (300_001, "no_barcode"),
        (5_000_000, "no_barcode"),
    ],
)
def test_invoice_kind(amount, kind):
    assert invoice_kind(amount) == kind


def test_negative_invoice_amount_is_refused():
    with pytest.raises(ValueError):
        invoice_kind(-1)


# ---------------------------------------------------------------- payment methods


def test_home5g_payment_rule():
    rule = payment_methods("home5g")
    assert set(rule.methods) == {"direct_debit", "invoice"}
    assert rule.card_only_at_docomo_shop
    assert not rule.first_payment_invoice_only
    assert not rule.see_business_plus_page
    assert any("ドコモショップ" in note for note in rule.notes)
    assert "合算" in rule.summary


def test_bizd_required_payment_rule():
    rule = payment_methods("bizd_required")
    assert rule.methods == ("invoice", "direct_debit", "credit_card")
    assert rule.first_payment_invoice_only
    assert not rule.card_only_at_docomo_shop
    assert "※初回のお支払い方法は、「請求書によるお支払い」のみとなります。" in rule.notes
    assert (
        "※ご契約内容によってはクレジットカードでのお支払いがご利用いただけない場合がございます。"
        in rule.notes
    )


def test_business_plus_payment_rule_points_to_its_page():
    rule = payment_methods("business_plus")
    assert rule.methods == ()
    assert rule.see_business_plus_page
    assert not rule.first_payment_invoice_only


@pytest.mark.parametrize("family", ["mypage_contract", "other"])
def test_ocn_and_other_services_payment_rule(family):
    rule = payment_methods(family)
    assert rule.methods == ("invoice", "direct_debit")
    assert rule.first_payment_invoice_only
    assert not rule.card_only_at_docomo_shop and not rule.see_business_plus_page
    assert "※口座振替のお手続き完了までは2カ月程度かかります。" in rule.notes
    assert "※一部サービスは口座振替に対応しておりません。" in rule.notes
    assert "※初回のお支払い方法は、「請求書によるお支払い」のみとなります。" in rule.notes


def test_notes_are_quoted_from_the_seed_page():
    for family in rules.SERVICE_FAMILIES:
        for note in payment_methods(family).notes:
            assert in_seed(note), f"{family}: {note} is not on the seed page"


@pytest.mark.parametrize(
    "family, allowed",
    [
        ("bizd_required", True),
        ("home5g", False),
        ("mypage_contract", False),
        ("business_plus", False),
        ("other", False),
    ],
)
def test_credit_card_allowed(family, allowed):
    assert credit_card_allowed(family) is allowed
    assert ("credit_card" in payment_methods(family).methods) is allowed
