"""Whom to contact for a topic, exactly as the seed routes it; whether the phones are open now."""

from __future__ import annotations

from datetime import datetime
from typing import List

from actions.replies import Message, catalog, contact, opening_line, said, text
from bot.contact_routes import Center, route_for_topic

INTRO = said("お問い合わせ先は次のとおりです。")
HANDOFF_INTRO = said("担当者へのお問い合わせは、次の窓口で承ります。")
# For a topic the seed routes nowhere: what the seed sends to each contact, with the contact.
OVERVIEW = said(
    "■ご注文数量の上限を超えるご注文、OCNなどのご契約内容の確認・解約・違約金: {contact_center}\n"
    "※web限定プランについては、お電話では受け付けておりません。\n"
    "■請求先情報・お支払方法の変更: {billing_center}\n"
    "■ご注文についてのお問い合わせ: {inquiry_form}(ログイン前には表示されません)",
    "※web限定プランについては、お電話では受け付けておりません。",
)
CONTACT_LINE = said("■{contact}")
PHONES = (Center.CONTACT, Center.BILLING)


def contact_reply(now: datetime, topic: str | None, handoff: bool) -> List[Message]:
    """The contact the seed names for the topic in its own words; the overview for any other.

    The same for every customer: the seed routes by topic, and its web限定プラン note belongs to
    the quantity-limit route, not to whatever the customer ordered last.
    """
    intro = HANDOFF_INTRO if handoff else INTRO
    route = route_for_topic(topic)
    if route is None:
        overview = OVERVIEW.format(
            contact_center=contact("contact_center"),
            billing_center=contact("billing_center"),
            inquiry_form=contact("inquiry_form"),
        )
        return [text(f"{intro}\n{overview}\n{opening_line(now)}")]
    said_here = "".join(route.say)
    phones = [catalog().contacts[c.value] for c in route.centers if c in PHONES]
    body = [intro, *route.say]
    # A center the seed's sentences name without its number: the catalog's line for it.
    body += [CONTACT_LINE.format(contact=c.render()) for c in phones if c.phone not in said_here]
    if phones:
        body.append(opening_line(now))
    return [text("\n".join(body))]
