"""The shop's business rules, as pure functions.

Every rule here comes from the seed FAQ page (seed/faq_page.txt) and nothing else. No I/O:
orders, invoices and roles come in as arguments, and "now" is always an argument, so each rule
can be unit-tested with fixed dates. All times are judged in Japan time (JST).
"""

from __future__ import annotations

import calendar
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

import holidays

JST = ZoneInfo("Asia/Tokyo")

SERVICE_FAMILIES = ("bizd_required", "mypage_contract", "business_plus", "home5g", "other")
ROLES = ("admin", "general")

# 「お申し込みが13時以降となった場合、翌営業日扱い」: 13:00 itself already counts as "after".
APPLICATION_CUTOFF = time(13, 0)
# Both centers: 9:00~17:00, closed on 土・日・祝日・年末年始.
OPENS_AT = time(9, 0)
CLOSES_AT = time(17, 0)

# 30万円: below it the invoice has a barcode, above it none; the page says nothing of "exactly".
BARCODE_LIMIT_YEN = 300_000

CONTACT_CENTER_LINE = (
    "NTTドコモビジネスコンタクトセンター 0120-003300(9:00~17:00 ※土・日・祝日・年末年始を除く)"
)

# Expanded lazily, one year at a time, as days are asked about.
_NATIONAL_HOLIDAYS = holidays.Japan()
_WEEKDAYS_JP = "月火水木金土日"


# ---------------------------------------------------------------- calendar


def _check_family(service_family: str) -> None:
    if service_family not in SERVICE_FAMILIES:
        raise ValueError(
            f"unknown service family {service_family!r}: use one of {', '.join(SERVICE_FAMILIES)}"
        )


def _in_jst(moment: datetime) -> datetime:
    # A naive datetime could be server-local or UTC; guessing would shift deadlines by 9 hours.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass a timezone-aware datetime")
    return moment.astimezone(JST)


def is_weekend_or_national_holiday(day: date) -> bool:
    """Saturday, Sunday or a Japanese national holiday (振替休日 and 国民の休日 included): 土日祝."""
    return day.weekday() >= 5 or day in _NATIONAL_HOLIDAYS


def is_year_end_holiday(day: date) -> bool:
    """12/29 to 1/3: 年末年始."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: date) -> bool:
    """Not a weekend, not a national holiday, not 年末年始 (12/29–1/3)."""
    return not (is_weekend_or_national_holiday(day) or is_year_end_holiday(day))


def next_business_day(day: date) -> date:
    """The first business day strictly after `day`."""
    return business_day_on_or_after(day + timedelta(days=1))


def business_day_on_or_after(day: date) -> date:
    """`day` itself when it is a business day, else the next one."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def application_business_day(ordered_at: datetime) -> date:
    """The business day an application counts from: 13:00 JST or later, or a closed day, moves on."""
    local = _in_jst(ordered_at)
    if is_business_day(local.date()) and local.time() < APPLICATION_CUTOFF:
        return local.date()
    return next_business_day(local.date())


# ---------------------------------------------------------------- payments


def payment_due_date(
    service_family: str, billing_month: date, printed_due_date: date | None
) -> date | None:
    """When an invoice must be paid; None when only the (unknown) printed date would tell."""
    _check_family(service_family)
    if service_family != "bizd_required":
        # 「各請求書に記載の期日までにお支払いください」: no rule of ours, only the invoice knows.
        return printed_due_date
    last_day = billing_month.replace(
        day=calendar.monthrange(billing_month.year, billing_month.month)[1]
    )
    # The page says 「末日が土日祝日の場合は、翌営業日」 and names no 年末年始, so a 12/31 on a
    # weekday stays the due date; the earlier reading is also the one that never makes a payment late.
    due = last_day
    while is_weekend_or_national_holiday(due):
        due += timedelta(days=1)
    return due


def invoice_kind(amount_yen: int) -> str:
    """The invoice for an amount: barcode below 30万円, none above, ask for exactly 30万円."""
    if amount_yen < 0:
        raise ValueError(f"negative invoice amount {amount_yen}: pass the billed amount in yen")
    if amount_yen < BARCODE_LIMIT_YEN:
        return "barcode"  # 金融機関 and コンビニエンスストア
    if amount_yen > BARCODE_LIMIT_YEN:
        return "no_barcode"  # 金融機関 only
    return "ask_billing_center"


@dataclass(frozen=True)
class PaymentRule:
    """How a service family may be paid for, as the seed page states it."""

    methods: tuple[str, ...]
    first_payment_invoice_only: bool = False
    card_only_at_docomo_shop: bool = False
    see_business_plus_page: bool = False
    notes: tuple[str, ...] = ()


_FIRST_PAYMENT_NOTE = "※初回のお支払い方法は、「請求書によるお支払い」のみとなります。"
_CARD_MAY_BE_UNAVAILABLE_NOTE = (
    "※ご契約内容によってはクレジットカードでのお支払いがご利用いただけない場合がございます。"
)
_OTHER_SERVICES_RULE = PaymentRule(
    methods=("invoice", "direct_debit"),
    first_payment_invoice_only=True,
    notes=(
        _FIRST_PAYMENT_NOTE,
        "※口座振替のお手続き完了までは2カ月程度かかります。",
        "※一部サービスは口座振替に対応しておりません。",
    ),
)
_PAYMENT_RULES = {
    "home5g": PaymentRule(
        methods=("direct_debit", "invoice"),
        card_only_at_docomo_shop=True,
        notes=(
            "「請求書払い」は、既存のドコモ回線と合算してのお支払いとなります。",
            "クレジットカード決済をご希望の場合は、ドコモショップにてお手続きをお願いします。",
            "※口座振替によるお支払いの場合、お支払い期限日にご指定の口座から振替させていただきますが、"
            "金融機関の手続き状況により一時的に請求書が発行される場合があります。",
        ),
    ),
    "bizd_required": PaymentRule(
        methods=("invoice", "direct_debit", "credit_card"),
        first_payment_invoice_only=True,
        notes=(_FIRST_PAYMENT_NOTE, _CARD_MAY_BE_UNAVAILABLE_NOTE),
    ),
    "business_plus": PaymentRule(
        methods=(),
        see_business_plus_page=True,
        notes=("お支払いについては、ビジネスプラスのご案内ページをご覧ください。",),
    ),
    # Microsoft 365 / Box over VPN / Biz安否確認 count as 「OCNなど上記以外のサービス」 here.
    "mypage_contract": _OTHER_SERVICES_RULE,
    "other": _OTHER_SERVICES_RULE,
}


def payment_methods(service_family: str) -> PaymentRule:
    """The payment methods and caveats for a service family."""
    _check_family(service_family)
    return _PAYMENT_RULES[service_family]


def credit_card_allowed(service_family: str) -> bool:
    """Card payment through this shop: 「ビジネスdアカウント必須サービス」のみ."""
    _check_family(service_family)
    # home 5G card payment exists only at a docomo shop, which payment_methods() says.
    return service_family == "bizd_required"


# ---------------------------------------------------------------- cancellation


@dataclass(frozen=True)
class CancellationRoute:
    """One of the seed's four cancellation routes ①–④ and where it sends the customer."""

    number: int
    label: str
    instruction: str


def _normalise_name(name: str) -> str:
    # "NewsPicks +dプレミアム会員プラン" is written with and without the space on the same page.
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(folded.split())


_OWN_GUIDE_SERVICES = (
    "ビジネスd福利厚生",
    "NewsPicks +dプレミアム会員プラン",
    "まるごとビジネスサポート",
)

_ROUTES = {
    1: CancellationRoute(
        1,
        "①",
        "「ビジネスd福利厚生」「NewsPicks +dプレミアム会員プラン」「まるごとビジネスサポート」の"
        "解約方法は、ご契約中のサービスのページにある解約のご案内をご確認ください。",
    ),
    2: CancellationRoute(
        2,
        "②",
        "「Microsoft 365 from NTTドコモビジネス」「Box over VPN」「Biz安否確認/一斉通報ライトプラン」"
        "およびビジネスdアカウント必須サービスの解約方法は、各サービスのページにある解約のご案内を"
        "ご確認ください。ご契約中のサービスはマイページの契約一覧からご確認いただけます。",
    ),
    3: CancellationRoute(
        3,
        "③",
        "ビジネスプラスの解約方法は、ビジネスプラスのご案内ページをご確認ください。",
    ),
    4: CancellationRoute(4, "④", f"解約のお手続きは、{CONTACT_CENTER_LINE}にて承ります。"),
}


def cancellation_route(service: str, service_family: str) -> CancellationRoute:
    """Which of the routes ①–④ cancels `service`; ① is decided by the service name."""
    _check_family(service_family)
    name = _normalise_name(service)
    # Plans carry the service name first, e.g. 「まるごとビジネスサポート 回数無制限プラン」.
    if any(name.startswith(_normalise_name(own)) for own in _OWN_GUIDE_SERVICES):
        return _ROUTES[1]
    if service_family in ("mypage_contract", "bizd_required"):
        return _ROUTES[2]
    if service_family == "business_plus":
        return _ROUTES[3]
    return _ROUTES[4]


# ---------------------------------------------------------------- orders and roles

_ORDER_CHANGE = {
    "受付": "may_be_possible",
    "審査中": "may_be_possible",
    "手続き中": "may_not_be_possible",
    "開通済み": "completed",
    "キャンセル": "already_cancelled",
}


def order_change_possibility(status: str) -> str:
    """Whether an order in `status` may still be changed or cancelled (ask through お問い合わせ)."""
    try:
        return _ORDER_CHANGE[status.strip()]
    except KeyError:
        raise ValueError(
            f"unknown order status {status!r}: use one of {', '.join(_ORDER_CHANGE)}"
        ) from None


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")


def can_order(role: str, has_business_d_account: bool) -> bool:
    """Whether a member may order a ビジネスdアカウント必須 service: a ビジネスd member with 管理者ロール."""
    _check_role(role)
    return has_business_d_account and role == "admin"


def can_see_colleague_orders(
    role: str, has_business_d_account: bool, own_group: str | None, other_group: str | None
) -> bool:
    """Whether a member may see a colleague's orders: ビジネスd member, admin, same user group."""
    _check_role(role)
    same_group = bool(own_group) and own_group == other_group
    return has_business_d_account and role == "admin" and same_group


# ---------------------------------------------------------------- contact centers


class Center(str, Enum):
    """Where a customer is sent; the values are the contact keys of faq_catalog.yml."""

    CONTACT = "contact_center"
    BILLING = "billing_center"
    INQUIRY_FORM = "inquiry_form"


BILLING_TOPICS = frozenset(
    {
        "payment_methods",
        "payment_due_date",
        "direct_debit_duration",
        "direct_debit_banks",
        "credit_card_available",
        "credit_card_brands",
        "invoice_issuance",
        "invoice_timing",
        "invoice_type",
        "receipt",
        "billing_payment_change",
    }
)


def center_for_topic(topic: str, web_only_plan: bool = False) -> str:
    """The contact key for a FAQ topic: billing, the contact center, or the web inquiry form."""
    if topic in BILLING_TOPICS:
        return Center.BILLING.value
    # 「web限定プランについては、お電話では受け付けておりません」
    if web_only_plan:
        return Center.INQUIRY_FORM.value
    return Center.CONTACT.value


@dataclass(frozen=True)
class OpeningStatus:
    """Whether the phone centers are open at a moment, and when they open next if not."""

    open_now: bool
    next_opening: datetime | None


def opening_status(now: datetime) -> OpeningStatus:
    """Open 9:00–17:00 JST on business days; both centers keep these hours."""
    local = _in_jst(now)
    today = local.date()
    if is_business_day(today):
        if OPENS_AT <= local.time() < CLOSES_AT:
            return OpeningStatus(open_now=True, next_opening=None)
        if local.time() < OPENS_AT:
            return OpeningStatus(False, datetime.combine(today, OPENS_AT, tzinfo=JST))
    return OpeningStatus(False, datetime.combine(next_business_day(today), OPENS_AT, tzinfo=JST))


# ---------------------------------------------------------------- formatting


def format_jp_date(day: date) -> str:
    """Like 2026年11月30日(月)."""
    return f"{day.year}年{day.month}月{day.day}日({_WEEKDAYS_JP[day.weekday()]})"


def format_yen(amount: int) -> str:
    """Like 300,000円."""
    return f"{amount:,}円"
