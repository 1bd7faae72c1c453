"""The business calendar is the shop's setting: 年末年始 and extra closure days, with a default."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot import business_calendar
from bot.business_calendar import BusinessCalendar, calendar_from_env, shop_calendar
from bot.contact_routes import opening_status
from bot.rules import JST, application_business_day, is_business_day, payment_due_date


def test_the_default_is_12_29_to_1_3_and_no_other_day():
    default = calendar_from_env({})
    assert default == BusinessCalendar(year_end=((12, 29), (1, 3)), closed_days=frozenset())
    assert not default.is_business_day(date(2026, 12, 29)) and default.is_business_day(
        date(2026, 12, 28)
    )


def test_the_environment_sets_the_closure_and_extra_days():
    shop = calendar_from_env(
        {
            "SHOP_YEAR_END_CLOSURE": "12-30..01-02",
            "SHOP_CLOSED_DAYS": "2026-08-13, 2026-08-14",
        }
    )
    assert shop.year_end == ((12, 30), (1, 2))
    assert shop.is_business_day(date(2026, 12, 29)) and shop.is_business_day(date(2027, 1, 4))
    assert not shop.is_business_day(date(2026, 12, 30)) and not shop.is_business_day(
        date(2027, 1, 2)
    )
    assert not shop.is_business_day(date(2026, 8, 13)) and shop.is_business_day(date(2026, 8, 12))


def test_none_means_no_year_end_closure():
    shop = calendar_from_env({"SHOP_YEAR_END_CLOSURE": "none"})
    assert shop.is_business_day(date(2026, 12, 31))  # Thursday
    assert not shop.is_business_day(date(2027, 1, 1))  # 元日 is still a national holiday


def test_a_closure_within_one_year():
    shop = calendar_from_env({"SHOP_YEAR_END_CLOSURE": "08-13..08-16"})
    assert not shop.is_business_day(date(2027, 8, 13)) and shop.is_business_day(date(2027, 8, 17))
    assert shop.is_business_day(date(2026, 12, 29))


@pytest.mark.parametrize(
    "env, name",
    [
        ({"SHOP_YEAR_END_CLOSURE": "12/29-1/3"}, "SHOP_YEAR_END_CLOSURE"),
        ({"SHOP_YEAR_END_CLOSURE": "13-01..01-03"}, "SHOP_YEAR_END_CLOSURE"),
        ({"SHOP_CLOSED_DAYS": "2026-08-32"}, "SHOP_CLOSED_DAYS"),
    ],
)
def test_a_wrong_setting_is_refused_with_its_name(env, name):
    with pytest.raises(ValueError, match=name):
        calendar_from_env(env)


def test_due_dates_open_now_and_application_day_follow_the_calendar():
    shop = BusinessCalendar(year_end=None, closed_days=frozenset({date(2026, 11, 27)}))
    # 2022/12/31 Sat, 1/1 Sun, 1/2 振替休日: with no 年末年始 closure the due date is 1/3.
    assert payment_due_date("bizd_required", date(2022, 12, 1), None, shop) == date(2023, 1, 3)
    assert payment_due_date("bizd_required", date(2022, 12, 1), None) == date(2023, 1, 4)
    # An extra closure day (Friday 11/27) closes the phones and moves applications on.
    assert not opening_status(datetime(2026, 11, 27, 10, 0, tzinfo=JST), shop).open_now
    assert opening_status(datetime(2026, 11, 27, 10, 0, tzinfo=JST)).open_now
    thursday_late = datetime(2026, 11, 26, 14, 0, tzinfo=JST)
    assert application_business_day(thursday_late, shop) == date(2026, 11, 30)
    assert application_business_day(thursday_late) == date(2026, 11, 27)


def test_the_shop_calendar_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SHOP_CLOSED_DAYS", "2026-11-26")
    shop_calendar.cache_clear()
    try:
        assert not is_business_day(date(2026, 11, 26))
    finally:
        shop_calendar.cache_clear()
    monkeypatch.delenv("SHOP_CLOSED_DAYS")
    assert is_business_day(date(2026, 11, 26))
    assert business_calendar.YEAR_END_ENV == "SHOP_YEAR_END_CLOSURE"
