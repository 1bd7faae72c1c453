"""Answers about the customer's own orders (status, start date, mails, change, history)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, List

from actions.replies import ORDER_NOT_FOUND, Message, intent_button, lines, quote, said, text
from bot.contact_routes import route_for_topic
from bot.rules import (
    APPLICATION_CUTOFF_SEED,
    CAN_ORDER_SEED,
    COLLEAGUE_SEED,
    JST,
    ORDER_CHANGE_SEED,
    after_cutoff,
    application_business_day,
    can_order,
    format_jp_date,
    order_change_possibility,
)

OPEN_STATUSES = ("受付", "審査中", "手続き中")
MAX_LISTED = 5

NO_ORDERS = said("ログイン中のアカウントのご注文はまだありません。")
ORDER_STATUS = said("ご注文の状況は次のとおりです。")
RECENT_ORDERS = said("最近のご注文です。詳しく見たいご注文を選んでください。")
NOTHING_TO_ACTIVATE = said("現在、開通をお待ちいただいているご注文はありません。")
START_TITLE = said("お客さまのご注文の利用開始の予定です。")
START_LINE = said("{order}: 受付日 {day}{reason}、{planned}。")
CUTOFF_REASON = said(f"({APPLICATION_CUTOFF_SEED})", APPLICATION_CUTOFF_SEED)
PLANNED = said("開通予定日は {day} です")
NOT_PLANNED = said("開通予定日の登録はまだありません")
START_FOOTER = said(
    "※ご利用開始日については、各サービス・商品ごとに異なります。",
    "ご利用開始日については、各サービス・商品ごとに異なります。",
)
ACTIVATION_TITLE = said("お客さまのご注文の開通予定です。")
ACTIVATED_ELSEWHERE = said(
    "現在、開通をお待ちいただいているご注文はありません。"
    "開通済みのご注文はマイページの「注文一覧」でご確認いただけます。"
)
NOTICE_TIMING = said(
    "{order}: 開通予定日の登録はまだありません(状況: {status})。開通のお知らせ発行時期はサービスにより異なります。",
    "開通のお知らせ発行時期はサービスにより異なります。",
)
NOTICE_PAST = said("{order}: 開通予定日({day})を過ぎています。")
NOTICE_UPCOMING = said("{order}: 開通予定日は {day} です。")
NOTICE_ROUTE = route_for_topic("activation_notice_missing").say
NO_COMPLETED_ORDER = said("ログイン中のアカウントには、ご注文が見つかりません。")
COMPLETION_ROUTE = route_for_topic("completion_mail_missing").say
LATEST_ORDER = said("ログイン中のアカウントの最新のご注文は {order}(状況: {status})です。")
NO_RESEND = quote(
    "注文完了メールの再送はいたしかねますので、注文完了状況はマイページの「注文一覧」よりご確認ください。"
)
CHANGE_TITLE = said("お客さまのご注文と、変更・キャンセルについてのご案内です。")
CHANGE_LINE = said("{order}(状況: {status}): {verdict}")
_CHANGE_TEXT = {
    "may_be_possible": quote(ORDER_CHANGE_SEED[0]),
    "may_not_be_possible": quote(ORDER_CHANGE_SEED[0]),
    "completed": quote(ORDER_CHANGE_SEED[1]),
    "already_cancelled": said("すでにキャンセルされています。"),
}
CHANGE_ROUTE = route_for_topic("order_change_cancel").say
NO_COLLEAGUE_ORDERS = said("同じユーザー管理グループの他のご担当者のご注文はありません。")
COLLEAGUE_TITLE = said("同じユーザー管理グループの他のご担当者のご注文です。")
NOT_BIZD_MEMBER = said("ログイン中のアカウントはビジネスdアカウントではありません。")
GENERAL_ROLE = said("ログイン中のアカウントは「一般ユーザーロール」です。")
NO_GROUP = said("ログイン中のアカウントはユーザー管理グループに所属していません。")
COLLEAGUE_RULE = quote(*COLLEAGUE_SEED)
BIZD_NEEDED = quote(CAN_ORDER_SEED[0])
ADMIN_NEEDED = quote(*CAN_ORDER_SEED[1:])
ADMIN_BIZD = said("ログイン中のアカウントは「管理者ロール」のビジネスdアカウントです。")
BIZD_ROUTE = route_for_topic("bizd_cannot_proceed").say


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
        return [text(lines(ORDER_STATUS, [order_line(order)]))]
    orders = store.orders_of(customer.username)
    if not orders:
        return [text(NO_ORDERS)]
    return [
        text(
            lines(
                RECENT_ORDERS,
                map(order_line, orders[:MAX_LISTED]),
            ),
            buttons=order_buttons(orders),
        )
    ]


def _name(order: Any) -> str:
    return f"{order.order_number} {order.service}"


def _start_line(order: Any) -> str:
    # The 13時 rule is the seed's; a closed day moves the count on, with no reason given for it.
    reason = CUTOFF_REASON if after_cutoff(order.ordered_at) else ""
    planned = (
        PLANNED.format(day=format_jp_date(order.planned_start_date))
        if order.planned_start_date
        else NOT_PLANNED
    )
    day = format_jp_date(application_business_day(order.ordered_at))
    return START_LINE.format(order=_name(order), day=day, reason=reason, planned=planned)


def service_start_date(customer: Any, store: Any, now: datetime) -> List[Message]:
    """The planned start of each open order, counted from its application business day."""
    open_orders = [o for o in store.orders_of(customer.username) if o.status in OPEN_STATUSES]
    if not open_orders:
        return [text(NOTHING_TO_ACTIVATE)]
    items = map(_start_line, open_orders[:MAX_LISTED])
    return [text(lines(START_TITLE, items, START_FOOTER))]


def activation_notice_missing(customer: Any, store: Any, now: datetime) -> List[Message]:
    """Whether the planned date has passed for each open order, and whom to ask."""
    today = now.astimezone(JST).date()
    items = [
        _activation_line(order, today)
        for order in store.orders_of(customer.username)
        if order.status in OPEN_STATUSES
    ]
    if not items:
        return [text(ACTIVATED_ELSEWHERE)]
    return [text(lines(ACTIVATION_TITLE, items[:MAX_LISTED], "\n".join(NOTICE_ROUTE)))]


def _activation_line(order: Any, today: date) -> str:
    if order.planned_start_date is None:
        return NOTICE_TIMING.format(order=_name(order), status=order.status)
    planned = format_jp_date(order.planned_start_date)
    if order.planned_start_date < today:
        return NOTICE_PAST.format(order=_name(order), day=planned)
    return NOTICE_UPCOMING.format(order=_name(order), day=planned)


def completion_mail_missing(customer: Any, store: Any, now: datetime) -> List[Message]:
    """The latest order on the account (the mail is not resent); none may mean not complete."""
    orders = [o for o in store.orders_of(customer.username) if o.status != "キャンセル"]
    if not orders:
        return [text("\n".join([NO_COMPLETED_ORDER, *COMPLETION_ROUTE]))]
    latest = LATEST_ORDER.format(order=_name(orders[0]), status=orders[0].status)
    return [text(f"{latest}\n{NO_RESEND}")]


def order_change_cancel(customer: Any, store: Any, now: datetime) -> List[Message]:
    """For each recent order: its status and the seed's word on changing it, and how to ask."""
    orders = store.orders_of(customer.username)[:MAX_LISTED]
    if not orders:
        return [text(NO_ORDERS)]
    items = [
        CHANGE_LINE.format(
            order=_name(o),
            status=o.status,
            verdict=_CHANGE_TEXT[order_change_possibility(o.status)],
        )
        for o in orders
    ]
    return [text(lines(CHANGE_TITLE, items, "\n".join(CHANGE_ROUTE)))]


def order_history(customer: Any, store: Any, now: datetime) -> List[Message]:
    """The customer's own recent orders."""
    return order_status(customer, store, None)


def colleague_order_history(customer: Any, store: Any, now: datetime) -> List[Message]:
    """Colleagues' orders for an admin of the same group; the seed's conditions for the others."""
    orders = store.colleague_orders(customer.username)
    if orders is None:
        return [text(f"{_colleague_refusal(customer)}\n{COLLEAGUE_RULE}")]
    if not orders:
        return [text(NO_COLLEAGUE_ORDERS)]
    listed = [f"{o.orderer}: {order_line(o)}" for o in orders[:MAX_LISTED]]
    return [text(lines(COLLEAGUE_TITLE, listed))]


def _colleague_refusal(customer: Any) -> str:
    if not customer.has_business_d_account:
        return NOT_BIZD_MEMBER
    if customer.role != "admin":
        return GENERAL_ROLE
    return NO_GROUP


def bizd_cannot_proceed(customer: Any, store: Any, now: datetime) -> List[Message]:
    """What the seed requires to order, beside the customer's account type and role."""
    if not customer.has_business_d_account:
        return [text(f"{NOT_BIZD_MEMBER}\n{BIZD_NEEDED}")]
    if not can_order(customer.role, customer.has_business_d_account):
        return [text(f"{GENERAL_ROLE}\n{ADMIN_NEEDED}")]
    return [text("\n".join([ADMIN_BIZD, *BIZD_ROUTE]))]
