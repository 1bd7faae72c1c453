"""The shop's business calendar: the days the phone centers are closed, and so what a 営業日 is.

The seed page says only 「土・日・祝日・年末年始を除く」. Weekends and national holidays are the
law's; which days are 年末年始, and any other day the shop closes, are the shop's to set:

- ``SHOP_YEAR_END_CLOSURE``: the 年末年始 closure as ``MM-DD..MM-DD`` (default ``12-29..01-03``),
  or ``none`` when the shop closes no extra days at the turn of the year;
- ``SHOP_CLOSED_DAYS``: other closure days, ISO dates separated by commas
  (``2026-08-13,2026-08-14``); empty by default.

The calendar decides due dates, "open now" and the business day an application counts from;
replies never state the closure dates themselves as a fact of the shop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Mapping

import holidays

YEAR_END_ENV = "SHOP_YEAR_END_CLOSURE"
CLOSED_DAYS_ENV = "SHOP_CLOSED_DAYS"
DEFAULT_YEAR_END = "12-29..01-03"

# Expanded lazily, one year at a time, as days are asked about.
_NATIONAL_HOLIDAYS = holidays.Japan()

MonthDay = tuple[int, int]


def is_weekend_or_national_holiday(day: date) -> bool:
    """Saturday, Sunday or a Japanese national holiday (振替休日 and 国民の休日 included): 土日祝."""
    return day.weekday() >= 5 or day in _NATIONAL_HOLIDAYS


@dataclass(frozen=True)
class BusinessCalendar:
    """Closed on 土日祝, on the year-end closure (first..last, across New Year) and on extra days."""

    year_end: tuple[MonthDay, MonthDay] | None = ((12, 29), (1, 3))
    closed_days: frozenset[date] = frozenset()

    def is_year_end(self, day: date) -> bool:
        """Whether `day` falls in the shop's 年末年始 closure."""
        if self.year_end is None:
            return False
        first, last = self.year_end
        month_day = (day.month, day.day)
        if first <= last:
            return first <= month_day <= last
        return month_day >= first or month_day <= last

    def is_business_day(self, day: date) -> bool:
        """Not 土日祝, not 年末年始, not a closure day the shop added."""
        return not (
            is_weekend_or_national_holiday(day) or self.is_year_end(day) or day in self.closed_days
        )


def _month_day(text: str) -> MonthDay:
    month, day = (int(part) for part in text.strip().split("-"))
    date(2024, month, day)  # a leap year, so 02-29 is accepted; raises on 13-01 or 02-30
    return month, day


def parse_year_end(value: str) -> tuple[MonthDay, MonthDay] | None:
    """``MM-DD..MM-DD`` (or ``none``) as the closure's first and last day."""
    if value.strip().lower() == "none":
        return None
    try:
        first, last = value.split("..")
        return _month_day(first), _month_day(last)
    except ValueError:
        raise ValueError(
            f"{YEAR_END_ENV}={value!r}: write the closure as MM-DD..MM-DD "
            f"(e.g. {DEFAULT_YEAR_END}) or none"
        ) from None


def parse_closed_days(value: str) -> frozenset[date]:
    """Comma-separated ISO dates."""
    try:
        return frozenset(
            date.fromisoformat(part.strip()) for part in value.split(",") if part.strip()
        )
    except ValueError:
        raise ValueError(
            f"{CLOSED_DAYS_ENV}={value!r}: list the closure days as YYYY-MM-DD separated by commas"
        ) from None


def calendar_from_env(environ: Mapping[str, str] = os.environ) -> BusinessCalendar:
    """The calendar the environment sets; the default is 年末年始 12/29–1/3 and no other day."""
    return BusinessCalendar(
        year_end=parse_year_end(environ.get(YEAR_END_ENV) or DEFAULT_YEAR_END),
        closed_days=parse_closed_days(environ.get(CLOSED_DAYS_ENV) or ""),
    )


@lru_cache(maxsize=1)
def shop_calendar() -> BusinessCalendar:
    """This process's calendar, read from the environment once."""
    return calendar_from_env()
