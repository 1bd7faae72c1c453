"""Which center to call for the topic, its number and hours, and whether it is open now."""

from __future__ import annotations

from datetime import datetime
from typing import Any, List

from actions.replies import Message, contact, opening_line, text
from bot.rules import center_for_topic


def contact_reply(
    customer: Any | None, store: Any, now: datetime, topic: str | None, handoff: bool
) -> List[Message]:
    """The right center for the topic (billing or the rest), open now or not, web-only plans."""
    web_only = False
    if customer is not None:
        orders = store.orders_of(customer.username)
        web_only = bool(orders) and orders[0].web_only_plan
    center = center_for_topic(topic or "", web_only_plan=web_only)
    intro = (
        "担当者へのお問い合わせは、次の窓口で承ります。"
        if handoff
        else "お問い合わせ先は次のとおりです。"
    )
    if center == "inquiry_form":
        body = (
            f"{intro}\nご注文のweb限定プランについては、お電話では受け付けておりません。"
            f"{contact('inquiry_form')}からお問い合わせください(ログイン前には表示されません)。"
        )
        return [text(body)]
    if topic:
        main = contact(center)
        other = "billing_center" if center == "contact_center" else "contact_center"
        other_topic = "ご請求・お支払い" if other == "billing_center" else "ご注文・ご契約・解約"
        body = f"{intro}\n■{main}\n(なお、{other_topic}については {contact(other)})"
    else:
        body = (
            f"{intro}\n■ご注文・ご契約・解約など: {contact('contact_center')}\n"
            f"■請求先・お支払方法など請求について: {contact('billing_center')}"
        )
    body += (
        f"\n{opening_line(now)}\nログイン後は、{contact('inquiry_form')}からもお問い合わせいただけます。"
        "\n※web限定プランについては、お電話では受け付けておりません。"
    )
    return [text(body)]
