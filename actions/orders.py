"""Answers about the customer's own orders (status, start date, mails, change, history)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, List

from actions.replies import ORDER_NOT_FOUND, Message, contact, intent_button, lines, text
from bot.rules import (
    JST,
    application_business_day,
    can_order,
    format_jp_date,
    order_change_possibility,
)

OPEN_STATUSES = ("受付", "審査中", "手続き中")
MAX_LISTED = 5


def order_line(order: Any) -> str:
    """One order as a list item."""
    planned = (
        f"、開通予定日 {format_jp_date(order.planned_start_date)}"
        if order.planned_start_date
        else ""
    )
    ordered = order.ordered_at.astimezone(JST)
    return (
        f"{order.order_number} {order.service}(数量 {order.quantity})"
        f" {ordered:%Y年%m月%d日 %H:%M} ご注文 — 状況: {order.status}{planned}"
    )


def order_buttons(orders: List[Any]) -> List[dict]:
    """One button per order, asking for that order's status."""
    return [
        intent_button(order.order_number, "check_order_status", order_number=order.order_number)
        for order in orders[:MAX_LISTED]
    ]


def order_status(customer: Any, store: Any, order_number: str | None) -> List[Message]:
    """One order by number, or the list of the customer's orders to choose from."""
    if order_number:
        order = store.order_for(customer.username, order_number)
        if order is None:
            return [text(ORDER_NOT_FOUND)]
        return [text(f"ご注文の状況は次のとおりです。\n・{order_line(order)}")]
    orders = store.orders_of(customer.username)
    if not orders:
        return [text("ログイン中のアカウントのご注文はまだありません。")]
    return [
        text(
            lines(
                "最近のご注文です。詳しく見たいご注文を選んでください。",
                map(order_line, orders[:MAX_LISTED]),
            ),
            buttons=order_buttons(orders),
        )
    ]


def _start_line(order: Any) -> str:
    counted = application_business_day(order.ordered_at)
    ordered = order.ordered_at.astimezone(JST)
    late = "(13時以降のお申し込みのため翌営業日扱い)" if counted != ordered.date() else ""
    planned = (
        f"開通予定日は {format_jp_date(order.planned_start_date)} です"
        if order.planned_start_date
        else "開通予定日はまだ決まっていません"
    )
    return (
        f"{order.order_number} {order.service}: 受付日 {format_jp_date(counted)}{late}、{planned}。"
    )


def service_start_date(customer: Any, store: Any, now: datetime) -> List[Message]:
    """The planned start of each open order, counted from its application business day."""
    open_orders = [o for o in store.orders_of(customer.username) if o.status in OPEN_STATUSES]
    if not open_orders:
        return [text("現在、開通をお待ちいただいているご注文はありません。")]
    return [
        text(
            lines(
                "お客さまのご注文の利用開始の予定です。", map(_start_line, open_orders[:MAX_LISTED])
            )
        )
    ]


def activation_notice_missing(customer: Any, store: Any, now: datetime) -> List[Message]:
    """Whether the planned date has passed for each open order, and whom to ask."""
    today = now.astimezone(JST).date()
    items = []
    for order in store.orders_of(customer.username):
        if order.status not in OPEN_STATUSES:
            continue
        items.append(_activation_line(order, today))
    if not items:
        return [
            text(
                "現在、開通をお待ちいただいているご注文はありません。開通済みのご注文はマイページの「注文一覧」でご確認いただけます。"
            )
        ]
    return [text(lines("お客さまのご注文の開通予定です。", items[:MAX_LISTED]))]


def _activation_line(order: Any, today: date) -> str:
    if order.planned_start_date is None:
        return f"{order.order_number} {order.service}: 開通予定日は未定です(状況: {order.status})。決まりしだいご案内します。"
    planned = format_jp_date(order.planned_start_date)
    if order.planned_start_date < today:
        return (
            f"{order.order_number} {order.service}: 開通予定日({planned})を過ぎています。"
            f"お手数ですが、{contact('inquiry_form')}よりお問い合わせください。"
        )
    return (
        f"{order.order_number} {order.service}: 開通予定日は {planned} です。"
        "この日までに案内が届かない場合はお問い合わせください。"
    )


def completion_mail_missing(customer: Any, store: Any, now: datetime) -> List[Message]:
    """An order that exists is complete (the mail is not resent); none may mean not complete."""
    orders = [o for o in store.orders_of(customer.username) if o.status != "キャンセル"]
    if not orders:
        return [
            text(
                "ログイン中のアカウントには完了したご注文が見つかりません。ご注文が完了していない可能性がございますので、"
                f"{contact('inquiry_form')}よりお問い合わせください。"
            )
        ]
    latest = orders[0]
    return [
        text(
            f"最新のご注文 {latest.order_number}({latest.service})は受け付けが完了しています(状況: {latest.status})。"
            "注文完了メールの再送はいたしかねますので、ご注文の内容はマイページの「注文一覧」でご確認ください。"
        )
    ]


_CHANGE_TEXT = {
    "may_be_possible": "まだお手続きが完了していないため、変更・キャンセルをご相談いただける場合があります。",
    "may_not_be_possible": "お手続きが進んでいるため、変更・キャンセルができない場合があります。",
    "completed": "お申し込みが完了しているため、変更・キャンセルはできません。ご利用をやめる場合は解約のお手続きになります。",
    "already_cancelled": "すでにキャンセルされています。",
}


def order_change_cancel(customer: Any, store: Any, now: datetime) -> List[Message]:
    """For each recent order: whether its status still allows a change, and how to ask."""
    orders = store.orders_of(customer.username)[:MAX_LISTED]
    if not orders:
        return [text("ログイン中のアカウントのご注文はまだありません。")]
    items = [
        f"{o.order_number} {o.service}(状況: {o.status}): {_CHANGE_TEXT[order_change_possibility(o.status)]}"
        for o in orders
    ]
    return [
        text(
            lines(
                "お客さまのご注文ごとの変更・キャンセルの可否の目安です。",
                items,
                f"ご相談は{contact('inquiry_form')}よりお問い合わせください。",
            )
        )
    ]


def order_history(customer: Any, store: Any, now: datetime) -> List[Message]:
    """The customer's own recent orders."""
    return order_status(customer, store, None)


def colleague_order_history(customer: Any, store: Any, now: datetime) -> List[Message]:
    """Colleagues' orders for an admin of the same group; why not, for everyone else."""
    orders = store.colleague_orders(customer.username)
    if orders is None:
        return [text(_colleague_refusal(customer))]
    if not orders:
        return [text("同じユーザー管理グループの他のご担当者のご注文はありません。")]
    return [
        text(
            lines(
                "同じユーザー管理グループの他のご担当者のご注文です。",
                [f"{o.orderer}: {order_line(o)}" for o in orders[:MAX_LISTED]],
            )
        )
    ]


def _colleague_refusal(customer: Any) -> str:
    if not customer.has_business_d_account:
        return "他のご担当者の注文履歴の確認は、ビジネスdアカウント会員の方のみご利用いただけます。"
    if customer.role != "admin":
        return (
            "ログイン中のアカウントは「一般ユーザーロール」のため、他のご担当者の注文履歴は確認できません。"
            "確認には、同じポイント/ユーザー管理グループに所属する「管理者ロール」のアカウントが必要です。"
        )
    return "ログイン中のアカウントはユーザー管理グループに所属していないため、他のご担当者の注文履歴は確認できません。"


def bizd_cannot_proceed(customer: Any, store: Any, now: datetime) -> List[Message]:
    """Why ordering stops, from the customer's role and account type."""
    if not customer.has_business_d_account:
        return [
            text(
                "ログイン中のアカウントはビジネスdアカウントではありません。ビジネスdアカウント必須サービスのご注文には、ビジネスdアカウントでの会員登録が必要です。"
            )
        ]
    if not can_order(customer.role, customer.has_business_d_account):
        return [
            text(
                "ログイン中のアカウントは「一般ユーザーロール」のため、ご注文いただけません。"
                "ご注文には「管理者ロール」のアカウントでログインしてください。"
            )
        ]
    return [
        text(
            "ログイン中のアカウントは「管理者ロール」のビジネスdアカウントのため、ロールによる制限はありません。"
            f"それでも手続きに進めない場合は、{contact('inquiry_form')}よりお問い合わせください。"
        )
    ]
