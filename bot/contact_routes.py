"""Whom the seed sends a customer to for each topic, and whether the phone centers are open now.

Like bot/rules.py: pure functions, every routed topic in the seed's own sentences (`say`), the
business calendar (bot/business_calendar.py) deciding which days the centers are closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import Enum

from bot.business_calendar import BusinessCalendar
from bot.rules import (
    CONTACT_CENTER_LINE,
    JST,
    cancellation_route,
    in_jst,
    is_business_day,
    next_business_day,
)

# Both centers keep these hours, closed on the days of the business calendar.
OPENS_AT = time(9, 0)
CLOSES_AT = time(17, 0)
HOURS_SEED = (
    "0120-003300(9:00~17:00 ※土・日・祝日・年末年始を除く)",
    "ビリングカスタマセンタ:0120-047-128 (土日祝年末年始を除く 9:00-17:00)",
)


class Center(str, Enum):
    """Where a customer is sent; the first three values are the contact keys of faq_catalog.yml."""

    CONTACT = "contact_center"
    BILLING = "billing_center"
    INQUIRY_FORM = "inquiry_form"
    SALES_REP = "sales_rep"  # 弊社担当者
    INVOICE_NUMBER = "invoice_number"  # the number printed on the invoice


@dataclass(frozen=True)
class ContactRoute:
    """Whom the seed sends a topic's customer to: `say` is the seed's own sentences, in order."""

    centers: tuple[Center, ...]
    say: tuple[str, ...]


_FORM_AFTER_LOGIN = "ログイン後のページ上部またはMENU内の「お問い合わせ」よりお問い合わせください。"
_SALES_REP = (
    "※ビジネスdアカウント必須サービスの場合は弊社担当者にお問い合わせください。",
    "担当者がわからない場合はログイン後のページ上部、または右上MENUバー内にある「お問い合わせ」から"
    "お問い合わせください。",
)
# Only the topics the seed routes; any other topic gets the overview of what each center takes.
TOPIC_ROUTES = {
    "order_quantity_limit": ContactRoute(
        (Center.CONTACT, Center.SALES_REP, Center.INQUIRY_FORM),
        (
            "ご注文数量の単位の上限を超えるご注文をご希望のお客さまは下記より受付しています。",
            "■NTTドコモビジネスコンタクトセンター",
            "0120-003300(9:00~17:00 ※土・日・祝日・年末年始を除く)",
            "※web限定プランについては、お電話では受け付けておりません。",
            *_SALES_REP,
        ),
    ),
    "completion_mail_missing": ContactRoute(
        (Center.INQUIRY_FORM,),
        (
            "マイページの注文一覧にご注文のサービス・商品がない場合、ご注文が完了していない可能性が"
            "ございますので、その際はログイン後のページ上部の「お問い合わせ」よりお問い合わせを"
            "お願いします。",
        ),
    ),
    "activation_notice_missing": ContactRoute(
        (Center.INQUIRY_FORM,),
        (
            f"開通予定日までに受領していない場合は、{_FORM_AFTER_LOGIN}",
            "※「お問い合わせ」はログイン前には表示されません。",
        ),
    ),
    "order_change_cancel": ContactRoute(
        (Center.INQUIRY_FORM,),
        (f"お問い合わせは{_FORM_AFTER_LOGIN}", "※「お問い合わせ」はログイン前には表示されません。"),
    ),
    "bizd_cannot_proceed": ContactRoute((Center.SALES_REP, Center.INQUIRY_FORM), _SALES_REP),
    "contract_details": ContactRoute(
        (Center.CONTACT,),
        (
            "③OCNなど、上記以外のサービスをご契約中のお客さま",
            "NTTドコモビジネスコンタクトセンター 0120-003300(9:00~17:00 ※土・日・祝日・年末年始を除く)"
            "にて承ります。",
        ),
    ),
    "cancellation_method": ContactRoute(
        (Center.CONTACT,),
        ("④上記以外のサービス・商品をご契約中の場合", cancellation_route("OCN光", "other").seed),
    ),
    "cancellation_fee": ContactRoute(
        (Center.CONTACT,),
        (
            f"各サービスの利用規約をご確認いただくか、{CONTACT_CENTER_LINE}までお問い合わせください。",
        ),
    ),
    "billing_payment_change": ContactRoute(
        (Center.BILLING,),
        (
            "請求先情報の変更は、弊社ビリングカスタマセンタ:0120-047-128 (土日祝年末年始を除く 9:00-17:00)"
            "へご連絡をお願いします。",
        ),
    ),
    "direct_debit_duration": ContactRoute(
        (Center.BILLING,),
        (
            "WEBから申込書をダウンロードしてお申し込みいただく方法と、弊社ビリングカスタマセンタへお電話で"
            "ご連絡いただく方法があります。",
            "それぞれ申込書を記載後に、ビリングカスタマセンタへのお申し込みが必要となります。",
        ),
    ),
    "credit_card_available": ContactRoute(
        (Center.BILLING,),
        (
            "カード決済をご希望の場合、ビリングカスタマセンタ(0120-047-128)へお電話いただき、"
            "オペレーター対応から音声ガイダンスに切り替わりますので、音声ガイダンスに沿って"
            "クレジットカード情報のご登録をお願いします。",
        ),
    ),
    "invoice_issuance": ContactRoute(
        (Center.INVOICE_NUMBER,),
        (
            "各請求書をまとめて郵送をご希望の場合は、ご利用開始後に届く請求書に記載の番号に"
            "お問い合わせください。",
        ),
    ),
}


def route_for_topic(topic: str | None) -> ContactRoute | None:
    """How the seed routes a FAQ topic's customer; None when it names no contact for it."""
    return TOPIC_ROUTES.get(topic or "")


@dataclass(frozen=True)
class OpeningStatus:
    """Whether the phone centers are open at a moment, and when they open next if not."""

    open_now: bool
    next_opening: datetime | None


def opening_status(now: datetime, calendar: BusinessCalendar | None = None) -> OpeningStatus:
    """Open 9:00–17:00 JST on business days (HOURS_SEED); both centers keep these hours."""
    local = in_jst(now)
    today = local.date()
    if is_business_day(today, calendar):
        if OPENS_AT <= local.time() < CLOSES_AT:
            return OpeningStatus(open_now=True, next_opening=None)
        if local.time() < OPENS_AT:
            return OpeningStatus(False, datetime.combine(today, OPENS_AT, tzinfo=JST))
    opens = next_business_day(today, calendar)
    return OpeningStatus(False, datetime.combine(opens, OPENS_AT, tzinfo=JST))
