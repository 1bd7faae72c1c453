"""Answers about the customer's payments and invoices, per service family of their contracts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List

from actions.replies import NO_CONTRACTS, NO_INVOICES, Message, contact, lines, text
from bot.rules import (
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

METHOD_NAMES = {
    "invoice": "請求書払い",
    "direct_debit": "口座振替",
    "credit_card": "クレジットカード決済",
}
FAMILY_NAMES = {
    "bizd_required": "ビジネスdアカウント必須サービス",
    "mypage_contract": "Microsoft 365 / Box over VPN / Biz安否確認",
    "business_plus": "ビジネスプラス",
    "home5g": "home 5G・homeでんわ",
    "other": "OCNなど",
}


def _by_family(contracts: List[Any]) -> Dict[str, List[Any]]:
    families: Dict[str, List[Any]] = {}
    for contract in contracts:
        families.setdefault(contract.service_family, []).append(contract)
    return families


def _methods_line(family: str, contracts: List[Any]) -> str:
    rule = payment_rule(family)
    services = "、".join(sorted({c.service for c in contracts}))
    if rule.see_business_plus_page:
        return f"{services}: ビジネスプラスのお支払いのご案内ページをご覧ください。"
    methods = "・".join(METHOD_NAMES[m] for m in rule.methods)
    extra = (
        "(クレジットカード決済はドコモショップでお手続きください)"
        if rule.card_only_at_docomo_shop
        else ""
    )
    notes = "".join(rule.notes)
    return f"{services}: {methods}{extra}。{notes}"


def payment_methods(customer: Any, store: Any, now: datetime) -> List[Message]:
    """The payment methods of each service family the customer has contracted."""
    contracts = store.contracts_of(customer.username)
    if not contracts:
        return [text(NO_CONTRACTS)]
    items = [_methods_line(f, cs) for f, cs in _by_family(contracts).items()]
    return [text(lines("ご契約中のサービスでご利用いただけるお支払い方法です。", items))]


def credit_card_available(customer: Any, store: Any, now: datetime) -> List[Message]:
    """Whether each of the customer's contracts can be paid by card."""
    contracts = store.contracts_of(customer.username)
    if not contracts:
        return [text(NO_CONTRACTS)]
    items = []
    for contract in contracts:
        if credit_card_allowed(contract.service_family):
            verdict = "クレジットカード決済をご利用いただけます(初回は請求書払いのみ。ご契約内容によってはご利用いただけない場合があります)"
        elif contract.service_family == "home5g":
            verdict = "このショップではクレジットカード決済はご利用いただけません。ドコモショップでお手続きください"
        else:
            verdict = (
                "クレジットカード決済はご利用いただけません(請求書払い・口座振替をご利用ください)"
            )
        items.append(f"{contract.service}: {verdict}")
    return [
        text(
            lines(
                "ご契約中のサービスごとのクレジットカード決済の可否です。",
                items,
                f"カード決済への変更は{contact('billing_center')}へお電話ください。",
            )
        )
    ]


def latest_invoices(customer: Any, store: Any) -> List[Any]:
    """The invoices of the latest billing month (one per service: a month can have several)."""
    invoices = store.invoices_of(customer.username)
    if not invoices:
        return []
    month = max(invoice.billing_month for invoice in invoices)
    return [invoice for invoice in invoices if invoice.billing_month == month]


def _invoice_head(invoice: Any) -> str:
    return f"請求書番号 {invoice.invoice_number}({FAMILY_NAMES.get(invoice.service_family, '')}、{format_yen(invoice.amount_yen)})"


def _due_line(invoice: Any) -> str:
    due = due_date_for(invoice.service_family, invoice.billing_month, invoice.due_date)
    if due is None:
        return f"{_invoice_head(invoice)}: 請求書に記載の期日をご確認ください"
    paid = "(お支払い済み)" if invoice.paid else ""
    return f"{_invoice_head(invoice)}: {format_jp_date(due)}{paid}"


def payment_due_date(customer: Any, store: Any, now: datetime) -> List[Message]:
    """The real due dates of the customer's latest invoices."""
    invoices = latest_invoices(customer, store)
    if not invoices:
        return [text(NO_INVOICES)]
    footer = ""
    if any(i.service_family == "bizd_required" for i in invoices):
        footer = "※ビジネスdアカウント必須サービスは請求書発行月の月末が期限で、末日が土日祝日の場合は翌営業日になります。"
    month = f"{invoices[0].billing_month:%Y年%-m月}"
    return [text(lines(f"{month}発行のご請求の支払期限日です。", map(_due_line, invoices), footer))]


_KIND_TEXT = {
    "barcode": "バーコード付きの請求書です。金融機関の窓口やコンビニエンスストアでお支払いいただけます(一部対応していない窓口・店舗があります)。",
    "no_barcode": "30万円を超えるため、バーコードのない請求書です。コンビニエンスストアではお支払いいただけませんので、お近くの金融機関でお支払いください。",
}


def invoice_type(customer: Any, store: Any, now: datetime) -> List[Message]:
    """Barcode or not, from the amount of the customer's latest invoice."""
    invoice = store.latest_invoice(customer.username)
    if invoice is None:
        return [text(NO_INVOICES)]
    kind = invoice_kind(invoice.amount_yen)
    detail = (
        _KIND_TEXT.get(kind) or f"請求書の種類は{contact('billing_center')}へお問い合わせください。"
    )
    return [
        text(
            f"最新のご請求(請求書番号 {invoice.invoice_number}、{format_yen(invoice.amount_yen)})は、{detail}"
        )
    ]
