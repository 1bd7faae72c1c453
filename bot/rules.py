"""The shop's business rules, as pure functions.

Every rule here comes from the seed FAQ page (seed/faq_page.txt) and nothing else: each one
that states a fact to a customer names its passage (a `*_SEED` constant or a `seed` field,
quoted word for word; tests/actions/test_traceability.py finds each on the page). No I/O:
orders, invoices and roles come in as arguments, "now" is always an argument, and so may be the
business calendar (年末年始 and the shop's other closure days, bot/business_calendar.py), so
each rule can be unit-tested with fixed dates. All times are judged in Japan time (JST).
"""

from __future__ import annotations

import calendar
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.business_calendar import (
    BusinessCalendar,
    is_weekend_or_national_holiday,
    shop_calendar,
)

JST = ZoneInfo("Asia/Tokyo")

SERVICE_FAMILIES = ("bizd_required", "mypage_contract", "business_plus", "home5g", "other")
ROLES = ("admin", "general")

# 13:00 itself already counts as "after".
APPLICATION_CUTOFF = time(13, 0)
APPLICATION_CUTOFF_SEED = "お申し込みが13時以降となった場合、翌営業日扱い"
# Below it the invoice has a barcode, above it none; the page says nothing of "exactly".
BARCODE_LIMIT_YEN = 300_000
BARCODE_SEED = ("【ご請求金額が30万円未満の場合】", "【ご請求金額が30万円を超える場合】")

CONTACT_CENTER_LINE = (
    "NTTドコモビジネスコンタクトセンター 0120-003300(9:00~17:00 ※土・日・祝日・年末年始を除く)"
)
# Where the seed links 「こちら」 to a page it does not name, replies point to that link.
FAQ_PAGE = "オンラインショップの「よくあるご質問」ページ"


def faq_link(question: str, mark: str = "") -> str:
    """The seed page's own link under `question` (its ①–④ `mark` when it has several)."""
    return f"{FAQ_PAGE}の「{question}」にある{mark}リンク先"


_WEEKDAYS_JP = "月火水木金土日"


# ---------------------------------------------------------------- calendar


def _check_family(service_family: str) -> None:
    if service_family not in SERVICE_FAMILIES:
        raise ValueError(
            f"unknown service family {service_family!r}: use one of {', '.join(SERVICE_FAMILIES)}"
        )


def in_jst(moment: datetime) -> datetime:
    # A naive datetime could be server-local or UTC; guessing would shift deadlines by 9 hours.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass a timezone-aware datetime")
    return moment.astimezone(JST)


def is_business_day(day: date, calendar: BusinessCalendar | None = None) -> bool:
    """Not 土日祝, not 年末年始, not a closure day of the shop's calendar (default: the setting)."""
    return (calendar or shop_calendar()).is_business_day(day)


def next_business_day(day: date, calendar: BusinessCalendar | None = None) -> date:
    """The first business day strictly after `day`."""
    return business_day_on_or_after(day + timedelta(days=1), calendar)


def business_day_on_or_after(day: date, calendar: BusinessCalendar | None = None) -> date:
    """`day` itself when it is a business day, else the next one."""
    while not is_business_day(day, calendar):
        day += timedelta(days=1)
    return day


def after_cutoff(ordered_at: datetime, calendar: BusinessCalendar | None = None) -> bool:
    """Whether the seed's 13時 rule moved the application: 13:00 JST or later on a business day."""
    local = in_jst(ordered_at)
    return is_business_day(local.date(), calendar) and local.time() >= APPLICATION_CUTOFF


def application_business_day(
    ordered_at: datetime, calendar: BusinessCalendar | None = None
) -> date:
    """The business day an application counts from: 13:00 JST or later, or a closed day, moves on."""
    local = in_jst(ordered_at)
    if is_business_day(local.date(), calendar) and local.time() < APPLICATION_CUTOFF:
        return local.date()
    return next_business_day(local.date(), calendar)


# ---------------------------------------------------------------- payments


DUE_DATE_SEED = (
    "請求書発行月の月末となります。",
    "末日が土日祝日の場合は、翌営業日が支払期限日となります。",
)
PRINTED_DUE_DATE_SEED = "各請求書に記載の期日までにお支払いください。"


def payment_due_date(
    service_family: str,
    billing_month: date,
    printed_due_date: date | None,
    business_calendar: BusinessCalendar | None = None,
) -> date | None:
    """When an invoice must be paid; None when only the (unknown) printed date would tell."""
    _check_family(service_family)
    if service_family != "bizd_required":
        # PRINTED_DUE_DATE_SEED: no rule of ours, only the invoice knows.
        return printed_due_date
    last_day = billing_month.replace(
        day=calendar.monthrange(billing_month.year, billing_month.month)[1]
    )
    # DUE_DATE_SEED moves only a 末日 that is 土日祝, so a 12/31 on a weekday stays the due date
    # (the earlier reading never makes a payment late); a moved one lands on a 営業日 of the
    # shop's calendar, never inside 年末年始.
    if is_weekend_or_national_holiday(last_day):
        return next_business_day(last_day, business_calendar)
    return last_day


def invoice_kind(amount_yen: int) -> str:
    """The invoice for an amount: barcode below 30万円, none above; the seed is silent on exactly."""
    if amount_yen < 0:
        raise ValueError(f"negative invoice amount {amount_yen}: pass the billed amount in yen")
    if amount_yen < BARCODE_LIMIT_YEN:
        return "barcode"  # 金融機関 and コンビニエンスストア
    if amount_yen > BARCODE_LIMIT_YEN:
        return "no_barcode"  # 金融機関 only
    return "see_invoice"


@dataclass(frozen=True)
class PaymentRule:
    """How a service family may be paid for: `summary` and `notes` are the seed's own sentences."""

    methods: tuple[str, ...]
    summary: str = ""
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
    summary="「請求書払い」と「口座振替」に対応しています。",
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
        summary="NTTドコモビジネスオンラインショップでお申し込みいただいた場合は「口座振替」"
        "または既存のドコモ回線と合算した「請求書払い」です。",
        card_only_at_docomo_shop=True,
        notes=(
            "クレジットカード決済をご希望の場合は、ドコモショップにてお手続きをお願いします。",
            "※口座振替によるお支払いの場合、お支払い期限日にご指定の口座から振替させていただきますが、"
            "金融機関の手続き状況により一時的に請求書が発行される場合があります。",
        ),
    ),
    "bizd_required": PaymentRule(
        methods=("invoice", "direct_debit", "credit_card"),
        summary="「請求書払い」「口座振替」「クレジットカード決済」に対応しています。",
        first_payment_invoice_only=True,
        notes=(_FIRST_PAYMENT_NOTE, _CARD_MAY_BE_UNAVAILABLE_NOTE),
    ),
    "business_plus": PaymentRule(
        methods=(),
        see_business_plus_page=True,
        # 「お支払いについてはこちらをご覧ください。」: the link, not a page the seed never names.
        summary="お支払いについては、"
        f"{faq_link('支払い方法は何に対応していますか?', 'ビジネスプラスの')}をご覧ください。",
    ),
    # Microsoft 365 / Box over VPN / Biz安否確認 count as 「OCNなど上記以外のサービス」 here.
    "mypage_contract": _OTHER_SERVICES_RULE,
    "other": _OTHER_SERVICES_RULE,
}


def payment_methods(service_family: str) -> PaymentRule:
    """The payment methods and caveats for a service family."""
    _check_family(service_family)
    return _PAYMENT_RULES[service_family]


CARD_SEED = "「ビジネスdアカウント必須サービス」のみクレジットカード決済が可能です。"


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
    seed: str  # the route's passage under 「解約方法を教えてください。」


def _normalise_name(name: str) -> str:
    # "NewsPicks +dプレミアム会員プラン" is written with and without the space on the same page.
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(folded.split())


_OWN_GUIDE_SERVICES = (
    "ビジネスd福利厚生",
    "NewsPicks +dプレミアム会員プラン",
    "まるごとビジネスサポート",
)

_CANCELLATION_QUESTION = "解約方法を教えてください。"
_ROUTES = {
    1: CancellationRoute(
        1,
        "①",
        f"{faq_link(_CANCELLATION_QUESTION, '①')}をご確認ください。",
        "①「ビジネスd福利厚生」「NewsPicks +dプレミアム会員プラン」「まるごとビジネスサポート」"
        "をご契約中の場合",
    ),
    2: CancellationRoute(
        2,
        "②",
        f"{faq_link(_CANCELLATION_QUESTION, '②')}をご確認ください。",
        "②「Microsoft 365 from NTTドコモビジネス」「Box over VPN」「Biz安否確認/一斉通報ライトプラン」"
        "「①以外でビジネスdアカウント必須サービス」をご契約中の場合",
    ),
    3: CancellationRoute(
        3,
        "③",
        f"{faq_link(_CANCELLATION_QUESTION, '③')}をご確認ください。",
        "③ビジネスプラスをご契約中の場合",
    ),
    4: CancellationRoute(
        4,
        "④",
        f"{CONTACT_CENTER_LINE}にて承ります。",
        f"{CONTACT_CENTER_LINE}にて承ります。",
    ),
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

ORDER_CHANGE_SEED = (
    "お申し出のタイミングやお申し込みのサービス・商品によって異なります。",
    "※お申し込みが完了すると変更・キャンセルができないものがあります。",
)
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


CAN_ORDER_SEED = (
    "一部サービスの注文、お見積り作成、サービスのご利用にはビジネスdアカウントでの会員登録が必要です。",
    "NTTドコモビジネスオンラインショップにおける「一般ユーザーロール」でログインされている方は、"
    "ご注文いただけません。",
    "注文には「管理者ロール」である必要があります。",
)


def can_order(role: str, has_business_d_account: bool) -> bool:
    """Whether a member may order a ビジネスdアカウント必須 service: a ビジネスd member with 管理者ロール."""
    _check_role(role)
    return has_business_d_account and role == "admin"


COLLEAGUE_SEED = (
    "ビジネスdアカウント会員の方のみ、マイページのユーザー管理機能で確認可能です。",
    "ただし、他担当がビジネスdアカウント会員における同一のポイント/ユーザー管理グループに所属している、"
    "かつ自分がNTTドコモビジネスオンラインショップでの管理者ロールである必要があります。",
)


def can_see_colleague_orders(
    role: str, has_business_d_account: bool, own_group: str | None, other_group: str | None
) -> bool:
    """Whether a member may see a colleague's orders: ビジネスd member, admin, same user group."""
    _check_role(role)
    same_group = bool(own_group) and own_group == other_group
    return has_business_d_account and role == "admin" and same_group


# ---------------------------------------------------------------- formatting


def format_jp_date(day: date) -> str:
    """Like 2026年11月30日(月)."""
    return f"{day.year}年{day.month}月{day.day}日({_WEEKDAYS_JP[day.weekday()]})"


def format_yen(amount: int) -> str:
    """Like 300,000円."""
    return f"{amount:,}円"
