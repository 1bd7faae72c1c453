"""Answers about the customer's contracts: where to see them, how to cancel, fees."""

from __future__ import annotations

from datetime import datetime
from typing import Any, List

from actions.replies import NO_CONTRACTS, Message, contact, intent_button, lines, text
from bot.rules import cancellation_route, format_jp_date

CYCLE_NAMES = {"annual": "年額", "monthly": "月額"}
WHERE_TO_SEE = {
    "bizd_required": "マイページの「契約一覧」",
    "mypage_contract": "マイページの「契約一覧」",
    "business_plus": "ビジネスプラスのご案内ページ",
}


def contract_line(contract: Any) -> str:
    """One contract as a list item."""
    return (
        f"{contract.contract_number} {contract.service}({format_jp_date(contract.started_on)}から、"
        f"{contract.licence_count}ライセンス、{CYCLE_NAMES.get(contract.billing_cycle, contract.billing_cycle)})"
    )


def contract_details(customer: Any, store: Any, now: datetime) -> List[Message]:
    """The customer's contracts and where to see each one's details."""
    contracts = store.contracts_of(customer.username)
    if not contracts:
        return [text(NO_CONTRACTS)]
    items = [
        f"{contract_line(c)} — 詳細: {WHERE_TO_SEE.get(c.service_family) or contact('contact_center')}"
        for c in contracts
    ]
    return [text(lines("ご契約中のサービスです。", items))]


def _route_text(contract: Any) -> str:
    route = cancellation_route(contract.service, contract.service_family)
    return f"{contract.contract_number} {contract.service}: {route.label} {route.instruction}"


def cancellation_method(
    customer: Any, store: Any, now: datetime, contract_number: str | None = None
) -> List[Message]:
    """The cancellation route of one contract; buttons to choose when there are several."""
    contracts = store.contracts_of(customer.username)
    if not contracts:
        return [text(NO_CONTRACTS)]
    chosen = [c for c in contracts if c.contract_number == contract_number]
    if chosen:
        return [text(f"解約のお手続き先は次のとおりです。\n・{_route_text(chosen[0])}")]
    if len(contracts) == 1:
        return [text(f"ご契約中のサービスの解約のお手続き先です。\n・{_route_text(contracts[0])}")]
    buttons = [
        intent_button(
            f"{c.service}({c.contract_number})",
            "choose_contract",
            contract_number=c.contract_number,
        )
        for c in contracts
    ]
    return [
        text(
            "ご契約中のサービスが複数あります。解約したいご契約を選んでください。", buttons=buttons
        )
    ]


def cancellation_fee(customer: Any, store: Any, now: datetime) -> List[Message]:
    """Where each of the customer's contracts states its cancellation terms."""
    contracts = store.contracts_of(customer.username)
    if not contracts:
        return [text(NO_CONTRACTS)]
    items = [f"{contract_line(c)}: 各サービスの利用規約をご確認ください" for c in contracts]
    return [
        text(
            lines(
                "違約金の有無はご契約のサービス・商品によって異なります。ご契約中のサービスです。",
                items,
                f"ご不明な場合は{contact('contact_center')}までお問い合わせください。",
            )
        )
    ]
