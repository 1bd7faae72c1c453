"""Reply pieces shared by the actions: contacts, the login hint, lists, buttons.

Every reply template is made with `said(template, *seed)`: `seed` is the passages of
seed/faq_page.txt (word for word) its statements about the shop rest on; a template with no
seed states only the customer's own data. tests/actions/test_traceability.py checks both.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any, Dict, Iterable, List

from bot.contact_routes import opening_status
from bot.faq.catalog import Catalog, load_catalog
from bot.rules import JST, format_jp_date


class Said(str):
    """A reply template, and the seed passages it rests on (`seed`)."""

    seed: tuple[str, ...]


TEMPLATES: List[Said] = []


def said(template: str, *seed: str) -> Said:
    """Declares a reply template and the seed passages it rests on (none: the customer's data)."""
    made = Said(template)
    made.seed = seed
    TEMPLATES.append(made)
    return made


def quote(*passages: str) -> Said:
    """A template that is the seed's own passages, one a line."""
    return said("\n".join(passages), *passages)


LOGIN_HINT = said(
    "ログインしてからお尋ねいただくと、お客さまのご注文・ご契約・ご請求に合わせてお答えします。"
)
ANONYMOUS_ORDER_STATUS = said(
    "ご注文の状況は、ログイン後、マイページの「注文一覧」よりご確認ください。"
    "「詳細」をクリックすると、各注文情報の詳細を確認することができます。\n" + LOGIN_HINT,
    "ログイン後、マイページの「注文一覧」よりご確認ください。",
    "「詳細」をクリックすると、各注文情報の詳細を確認することができます。",
)
ORDER_NOT_FOUND = said(
    "ご指定の注文番号のご注文は、ログイン中のアカウントのご注文には見つかりませんでした。"
    "注文番号をお確かめのうえ、マイページの「注文一覧」もご確認ください。"
)
NO_CONTRACTS = said("ログイン中のアカウントでご契約中のサービスは見つかりませんでした。")
NO_INVOICES = said(
    "ログイン中のアカウントのご請求はまだありません。"
    "請求書の発行時期はサービス・商品によって異なります。"
    "初月無料対象のサービス以外は概ね、ご利用開始月の翌月中旬です。",
    "サービス・商品によって異なります。",
    "初月無料対象のサービス以外は概ね、ご利用開始月の翌月中旬です。",
)
OPEN_NOW = said("現在、電話窓口は受付時間内です。")
CLOSED_NOW = said("現在、電話窓口は受付時間外です。次の受付開始日は {day} です。")

Message = Dict[str, Any]


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The contacts of faq_catalog.yml (read once per process)."""
    return load_catalog()


def contact(key: str) -> str:
    """A contact as answers name it: name, number and hours."""
    return catalog().contacts[key].render()


def opening_line(now: datetime) -> str:
    """Whether the phone centers are open now, else the day they open next (the hours: the contact)."""
    status = opening_status(now)
    if status.open_now:
        return OPEN_NOW
    return CLOSED_NOW.format(day=format_jp_date(status.next_opening.astimezone(JST).date()))


def text(body: str, buttons: List[Dict[str, str]] | None = None) -> Message:
    """One bot message."""
    message: Message = {"text": body}
    if buttons:
        message["buttons"] = buttons
    return message


def lines(title: str, items: Iterable[str], footer: str = "") -> str:
    """A title, a bulleted list and an optional footer."""
    body = "\n".join([title, *(f"・{item}" for item in items)])
    return f"{body}\n{footer}" if footer else body


def intent_button(title: str, intent: str, **entities: str) -> Dict[str, str]:
    """A button whose payload sets an intent and entities directly (no NLU involved)."""
    return {"title": title, "payload": f"/{intent}{json.dumps(entities, ensure_ascii=False)}"}
