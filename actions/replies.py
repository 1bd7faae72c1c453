"""Reply pieces shared by the actions: contacts, the login hint, lists, buttons."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any, Dict, Iterable, List

from bot.faq.catalog import Catalog, load_catalog
from bot.rules import JST, format_jp_date, opening_status

LOGIN_HINT = (
    "ログインしてからお尋ねいただくと、お客さまのご注文・ご契約・ご請求に合わせてお答えします。"
)
ANONYMOUS_ORDER_STATUS = (
    "ご注文の状況は、ログイン後、マイページの「注文一覧」でご確認いただけます。"
    "「詳細」をクリックすると各注文の詳細が表示されます。\n" + LOGIN_HINT
)
ORDER_NOT_FOUND = (
    "ご指定の注文番号のご注文は、ログイン中のアカウントのご注文には見つかりませんでした。"
    "注文番号をお確かめのうえ、マイページの「注文一覧」もご確認ください。"
)
NO_CONTRACTS = "ログイン中のアカウントでご契約中のサービスは見つかりませんでした。"
NO_INVOICES = "ログイン中のアカウントのご請求はまだありません(請求書は概ねご利用開始月の翌月中旬に発行されます)。"

Message = Dict[str, Any]


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The contacts of faq_catalog.yml (read once per process)."""
    return load_catalog()


def contact(key: str) -> str:
    """A contact as answers name it: name, number and hours."""
    return catalog().contacts[key].render()


def opening_line(now: datetime) -> str:
    """Whether the phone centers are open now, and when they open next."""
    status = opening_status(now)
    if status.open_now:
        return "現在、電話窓口は受付時間内です(9:00~17:00)。"
    opening = status.next_opening.astimezone(JST)
    return (
        "現在、電話窓口は受付時間外です。"
        f"次の受付開始は {format_jp_date(opening.date())} {opening:%H:%M} です。"
    )


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
