"""Answers about the customer's payments and invoices, per service family of their contracts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List

from actions.replies import NO_CONTRACTS, NO_INVOICES, Message, lines, said, text
from bot.contact_routes import route_for_topic
from bot.rules import (
    BARCODE_SEED,
    CARD_SEED,
    DUE_DATE_SEED,
    PRINTED_DUE_DATE_SEED,
    credit_card_allowed,
    format_jp_date,
    format_yen,
    invoice_kind,
)
from bot.rules import (
    payment_due_date as due_date_for,
)
from bot.rules import (
    payment_methods as payment_rule,
)

FAMILY_NAMES = {
    "bizd_required": "ビジネスdアカウント必須サービス",
    "mypage_contract": "Microsoft 365 / Box over VPN / Biz安否確認",
    "business_plus": "ビジネスプラス",
    "home5g": "home 5G・homeでんわ",
    "other": "OCNなど",
}


METHODS_TITLE = said("ご契約中のサービスでご利用いただけるお支払い方法です。")
# The rule's summary and notes are the seed's sentences (bot/rules.py, PaymentRule).
METHODS_LINE = said("{services}: {summary}{notes}")
CARD_TITLE = said("ご契約中のサービスごとのクレジットカード決済の可否です。")
CARD_LINE = said("{service}: {verdict}")
CARD_OK = said("クレジットカード決済をご利用いただけます。{notes}", CARD_SEED)
CARD_NOT_HERE = said("クレジットカード決済の対象外です。{seed}{summary}{notes}", CARD_SEED)
CARD_ROUTE = route_for_topic("credit_card_available").say


def _by_family(contracts: List[Any]) -> Dict[str, List[Any]]:
    families: Dict[str, List[Any]] = {}
    for contract in contracts:
        families.setdefault(contract.service_family, []).append(contract)
    return families


def _methods_line(family: str, contracts: List[Any]) -> str:
    rule = payment_rule(family)
    services = "、".join(sorted({c.service for c in contracts}))
    return METHODS_LINE.format(services=services, summary=rule.summary, notes="".join(rule.notes))


def payment_methods(customer: Any, store: Any, now: datetime) -> List[Message]:
    """The payment methods of each service family the customer has contracted."""
    contracts = store.contracts_of(customer.username)
    if not contracts:
        return [text(NO_CONTRACTS)]
    items = [_methods_line(f, cs) for f, cs in _by_family(contracts).items()]
    return [text(lines(METHODS_TITLE, items))]


def _card_verdict(family: str) -> str:
    rule = payment_rule(family)
    if credit_card_allowed(family):
        return CARD_OK.format(notes="".join(rule.notes))
    if rule.card_only_at_docomo_shop or rule.see_business_plus_page:
        # home 5G: the seed's ドコモショップ sentence; ビジネスプラス: only the seed's link.
        return f"{rule.summary}{''.join(rule.notes)}"
    return CARD_NOT_HERE.format(seed=CARD_SEED, summary=rule.summary, notes="".join(rule.notes))


def credit_card_available(customer: Any, store: Any, now: datetime) -> List[Message]:
    """Whether each of the customer's contracts can be paid by card."""
    contracts = store.contracts_of(customer.username)
    if not contracts:
        return [text(NO_CONTRACTS)]
    items = [
        CARD_LINE.format(service=c.service, verdict=_card_verdict(c.service_family))
        for c in contracts
    ]
    return [text(lines(CARD_TITLE, items, "\n".join(CARD_ROUTE)))]


def latest_invoices(customer: Any, store: Any) -> List[Any]:
    """The invoices of the latest billing month (one per service: a month can have several)."""
    invoices = store.invoices_of(customer.username)
    if not invoices:
        return []
    month = max(invoice.billing_month for invoice in invoices)
    return [invoice for invoice in invoices if invoice.billing_month == month]


INVOICE_HEAD = said("請求書番号 {number}({family}、{amount})")
DUE_LINE = said("{invoice}: {day}{paid}")
PAID = said("(お支払い済み)")
SEE_PRINTED_DATE = said("{invoice}: " + PRINTED_DUE_DATE_SEED, PRINTED_DUE_DATE_SEED)
DUE_TITLE = said("{month}発行のご請求の支払期限日です。")
BIZD_DUE_RULE = said(
    "■ビジネスdアカウント必須サービスの場合\n" + "".join(DUE_DATE_SEED),
    "■ビジネスdアカウント必須サービスの場合",
    *DUE_DATE_SEED,
)
LATEST_INVOICE = said("最新のご請求(請求書番号 {number}、{amount})について:\n{detail}")
_KIND_TEXT = {
    "barcode": said(
        BARCODE_SEED[0] + "\nバーコードが記載された請求書を発行いたします。"
        "本請求書では金融機関やコンビニエンスストアでのお支払いが可能となります。"
        "※ただし一部金融機関窓口・コンビニエンスストアでは請求書お支払いに対応していない場合がございます。",
        BARCODE_SEED[0],
        "バーコードが記載された請求書を発行いたします。",
        "本請求書では金融機関やコンビニエンスストアでのお支払いが可能となります。",
        "※ただし一部金融機関窓口・コンビニエンスストアでは請求書お支払いに対応していない場合がございます。",
    ),
    "no_barcode": said(
        BARCODE_SEED[1] + "\nバーコードが記載されていない請求書を発行します。"
        "こちらの請求書ではコンビニエンスストアでのお支払いはできませんので、"
        "大変お手数となりますが、お近くの金融機関にてお支払いをお願いします。",
        BARCODE_SEED[1],
        "バーコードが記載されていない請求書を発行します。",
        "こちらの請求書ではコンビニエンスストアでのお支払いはできませんので、"
        "大変お手数となりますが、お近くの金融機関にてお支払いをお願いします。",
    ),
    # The seed states the two sides of 30万円, not the amount itself.
    "see_invoice": said(
        "ご請求金額により、お届けする請求書の種類が異なります。お手元の請求書をご確認ください。",
        "ご請求金額により、お届けする請求書の種類が異なります。",
    ),
}


def _invoice_head(invoice: Any) -> str:
    return INVOICE_HEAD.format(
        number=invoice.invoice_number,
        family=FAMILY_NAMES.get(invoice.service_family, ""),
        amount=format_yen(invoice.amount_yen),
    )


def _due_line(invoice: Any) -> str:
    due = due_date_for(invoice.service_family, invoice.billing_month, invoice.due_date)
    if due is None:
        return SEE_PRINTED_DATE.format(invoice=_invoice_head(invoice))
    paid = PAID if invoice.paid else ""
    return DUE_LINE.format(invoice=_invoice_head(invoice), day=format_jp_date(due), paid=paid)


def payment_due_date(customer: Any, store: Any, now: datetime) -> List[Message]:
    """The real due dates of the customer's latest invoices."""
    invoices = latest_invoices(customer, store)
    if not invoices:
        return [text(NO_INVOICES)]
    bizd = any(i.service_family == "bizd_required" for i in invoices)
    title = DUE_TITLE.format(month=f"{invoices[0].billing_month:%Y年%-m月}")
    return [text(lines(title, map(_due_line, invoices), BIZD_DUE_RULE if bizd else ""))]


def invoice_type(customer: Any, store: Any, now: datetime) -> List[Message]:
    """Barcode or not, from the amount of the customer's latest invoice."""
    invoice = store.latest_invoice(customer.username)
    if invoice is None:
        return [text(NO_INVOICES)]
    detail = _KIND_TEXT[invoice_kind(invoice.amount_yen)]
    amount = format_yen(invoice.amount_yen)
    return [
        text(LATEST_INVOICE.format(number=invoice.invoice_number, amount=amount, detail=detail))
    ]
