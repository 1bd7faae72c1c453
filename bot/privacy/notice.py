"""The polite warning a customer gets when a message held data the chat must not take."""

from __future__ import annotations

from typing import Iterable, Mapping

from bot.privacy.detect import KIND_NAMES, KINDS

# What to do instead, per kind; {billing_center} and {inquiry_form} are the catalog's contacts.
INSTEAD = {
    "card": (
        "クレジットカードのご登録・お支払い方法の変更は、{billing_center}へお電話ください。"
        "オペレーター対応から音声ガイダンスに切り替わりますので、ガイダンスに沿って"
        "カード番号・有効期限・セキュリティコードをご登録ください。"
    ),
    "bank_account": (
        "口座振替へのお申し込みは、WEBから申込書をダウンロードする方法"
        "(https://www.ntt.com/b-charge)と、{billing_center}へお電話でご連絡いただく方法があります。"
    ),
    "my_number": (
        "マイナンバー(個人番号)は、お手続きのためにチャットでお伺いすることはございません。"
        "ご入力いただく必要はありません。"
    ),
    "password": (
        "パスワードは当社を含め、どなたにもお伝えにならないでください。"
        "念のため、パスワードの変更をおすすめします。"
    ),
    "email": "ご連絡先のご登録・変更が必要な場合は、{inquiry_form}よりお問い合わせください。",
    "phone": "ご連絡先のご登録・変更が必要な場合は、{inquiry_form}よりお問い合わせください。",
}


def warning(kinds: Iterable[str], contacts: Mapping[str, str]) -> str:
    """The warning for `kinds` (in KINDS order); `contacts` maps a contact key to its text."""
    ordered = [k for k in KINDS if k in set(kinds)]
    if not ordered:
        return ""
    names = "・".join(KIND_NAMES[k] for k in ordered)
    lines = [
        f"ご入力いただいた内容に{names}が含まれていたため、伏せて受け付けました"
        "(伏せた部分はチャットの記録にも残りません)。",
        "大切な情報ですので、チャットでは送信しないようお願いいたします。",
    ]
    seen = set()
    for kind in ordered:
        advice = INSTEAD[kind].format(
            billing_center=contacts.get("billing_center", "ビリングカスタマセンタ"),
            inquiry_form=contacts.get("inquiry_form", "「お問い合わせ」"),
        )
        if advice not in seen:
            seen.add(advice)
            lines.append(advice)
    return "\n".join(lines)
