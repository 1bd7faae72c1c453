"""Answers about the customer's contracts: where to see them, how to cancel, fees."""

from __future__ import annotations

from datetime import datetime
from typing import Any, List

from actions.replies import NO_CONTRACTS, Message, contact, intent_button, lines, said, text
from bot.contact_routes import route_for_topic
from bot.rules import cancellation_route, faq_link, format_jp_date

CYCLE_NAMES = {"annual": "年額", "monthly": "月額"}
# 「契約中サービスの内容を確認したい。」①–③: where each family's details are.
_MYPAGE = said(
    "マイページの契約一覧",
    "「ビジネスdアカウント必須サービス」をご契約中のお客さまはマイページの契約一覧からご確認ください。",
)
WHERE_TO_SEE = {
    "bizd_required": _MYPAGE,
    "mypage_contract": _MYPAGE,
    "business_plus": said(
        faq_link("契約中サービスの内容を確認したい。", "②の"),
        "②ビジネスプラス商品をご契約中のお客さまは、こちらをご確認ください。",
    ),
}
CONTRACTS_TITLE = said("ご契約中のサービスです。")
CONTRACT_DETAILS = said("{contract} — 詳細: {where}")
OTHER_SERVICES = route_for_topic("contract_details")
ROUTE_LINE = said("{contract}: {label} {instruction}")
ROUTE_CHOSEN = said("解約のお手続き先は次のとおりです。")
ROUTE_ONLY = said("ご契約中のサービスの解約のお手続き先です。")
CHOOSE = said("ご契約中のサービスが複数あります。解約したいご契約を選んでください。")
FEE_TITLE = said(
    "違約金の有無はご契約されたサービス・商品によって異なります。ご契約中のサービスです。",
    "ご契約されたサービス・商品によって異なります。",
)
FEE_LINE = said(
    "{contract}: 各サービスの利用規約をご確認ください", "各サービスの利用規約をご確認いただくか"
)
FEE_FOOTER = said(
    "または{contact_center}までお問い合わせください。",
    "NTTドコモビジネスコンタクトセンター 0120-003300(9:00~17:00 ※土・日・祝日・年末年始を除く)"
    "までお問い合わせください。",
)


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
    # ③ OCNなど上記以外: the seed's own words name the contact center, number and hours.
    other = OTHER_SERVICES.say[1]
    items = [
        CONTRACT_DETAILS.format(
            contract=contract_line(c), where=WHERE_TO_SEE.get(c.service_family) or other
        )
        for c in contracts
    ]
    return [text(lines(CONTRACTS_TITLE, items))]


def _route_text(contract: Any) -> str:
    route = cancellation_route(contract.service, contract.service_family)
    name = f"{contract.contract_number} {contract.service}"
    return ROUTE_LINE.format(contract=name, label=route.label, instruction=route.instruction)


def cancellation_method(
    customer: Any, store: Any, now: datetime, contract_number: str | None = None
) -> List[Message]:
    """The cancellation route of one contract; buttons to choose when there are several."""
    contracts = store.contracts_of(customer.username)
    if not contracts:
        return [text(NO_CONTRACTS)]
    chosen = [c for c in contracts if c.contract_number == contract_number]
    if chosen:
        return [text(lines(ROUTE_CHOSEN, [_route_text(chosen[0])]))]
    if len(contracts) == 1:
        return [text(lines(ROUTE_ONLY, [_route_text(contracts[0])]))]
    buttons = [
        intent_button(
            f"{c.service}({c.contract_number})",
            "choose_contract",
            contract_number=c.contract_number,
        )
        for c in contracts
    ]
    return [text(CHOOSE, buttons=buttons)]


def cancellation_fee(customer: Any, store: Any, now: datetime) -> List[Message]:
    """Where each of the customer's contracts states its cancellation terms."""
    contracts = store.contracts_of(customer.username)
    if not contracts:
        return [text(NO_CONTRACTS)]
    items = [FEE_LINE.format(contract=contract_line(c)) for c in contracts]
    footer = FEE_FOOTER.format(contact_center=contact("contact_center"))
    return [text(lines(FEE_TITLE, items, footer))]
