"""The personal replies say only what the seed page says: one test per finding of issue 23."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from actions import billing, orders
from actions.contact import contact_reply
from actions.personal import ActionContactInfo, ActionPersonalAnswer
from bot.faq.catalog import load_catalog
from bot.rules import JST, is_business_day, payment_due_date
from tests.actions.conftest import as_user, line_with, run, texts, tracker

ROOT = Path(__file__).resolve().parents[2]
CATALOG = load_catalog()
CONTACT_PHONE = CATALOG.contacts["contact_center"].phone
BILLING_PHONE = CATALOG.contacts["billing_center"].phone
NOW = datetime(2026, 2, 17, 10, 0, tzinfo=JST)


def personal(username: str, faq_id: str) -> str:
    return texts(run(ActionPersonalAnswer(), tracker(as_user(username), faq_id=faq_id)))


def contact_for(username: str, topic: str) -> str:
    slots = {"faq_topic": topic}
    return texts(run(ActionContactInfo(), tracker(as_user(username), slots=slots)))


def test_a_completed_order_may_not_be_changed_rather_than_cannot():
    line = line_with(personal("yamada", "order_change_cancel"), "ORD-10000001")  # 開通済み
    assert "変更・キャンセルはできません" not in line and "解約のお手続きになります" not in line
    assert "※お申し込みが完了すると変更・キャンセルができないものがあります。" in line


class _Orders:
    def __init__(self, *ordered_at: datetime) -> None:
        self.orders = [
            SimpleNamespace(
                order_number=f"ORD-9000000{n}",
                service="OCN光",
                status="受付",
                ordered_at=moment,
                planned_start_date=None,
            )
            for n, moment in enumerate(ordered_at)
        ]

    def orders_of(self, username: str) -> list:
        return self.orders


def test_the_13_oclock_reason_is_given_only_when_the_13_oclock_rule_moved_the_day():
    store = _Orders(
        datetime(2026, 11, 28, 10, 0, tzinfo=JST),  # Saturday morning
        datetime(2026, 11, 3, 9, 0, tzinfo=JST),  # 文化の日
        datetime(2026, 11, 26, 13, 0, tzinfo=JST),  # Thursday, 13:00
    )
    reply = texts(orders.service_start_date(SimpleNamespace(username="x"), store, NOW))
    assert "13時" not in line_with(reply, "ORD-90000000")
    assert "受付日 2026年11月30日(月)" in line_with(reply, "ORD-90000000")
    assert "13時" not in line_with(reply, "ORD-90000001")
    assert "お申し込みが13時以降となった場合、翌営業日扱い" in line_with(reply, "ORD-90000002")


def test_no_promise_to_announce_an_undecided_start_date():
    line = line_with(personal("yamada", "activation_notice_missing"), "ORD-10000005")
    assert "決まりしだいご案内します" not in line
    assert "開通のお知らせ発行時期はサービスにより異なります。" in line


def test_no_invoices_keeps_the_first_month_free_exception():
    reply = personal("nakamura", "payment_due_date")
    assert "初月無料対象のサービス以外は概ね、ご利用開始月の翌月中旬です。" in reply


@pytest.mark.parametrize(
    "topic",
    [
        "completion_mail_missing",
        "activation_notice_missing",
        "order_change_cancel",
        "bizd_cannot_proceed",
    ],
)
def test_order_matters_go_to_the_inquiry_form_not_the_phone(topic):
    reply = contact_for("yamada", topic)
    assert CONTACT_PHONE not in reply and BILLING_PHONE not in reply
    assert "「お問い合わせ」" in reply
    if topic == "bizd_cannot_proceed":
        assert "弊社担当者にお問い合わせください" in reply


def test_bundled_invoices_go_to_the_number_on_the_invoice():
    reply = contact_for("yamada", "invoice_issuance")
    assert BILLING_PHONE not in reply
    assert "ご利用開始後に届く請求書に記載の番号にお問い合わせください。" in reply


@pytest.mark.parametrize("topic", ["cancellation_method", "cancellation_fee", "contract_details"])
def test_a_web_only_order_does_not_close_the_phone_for_other_topics(demo_store, topic):
    assert any(o.web_only_plan for o in demo_store.orders_of("sato"))
    reply = contact_for("sato", topic)
    assert CONTACT_PHONE in reply
    assert "お電話では受け付けておりません" not in reply


def test_the_year_end_closure_is_a_setting():
    from bot.business_calendar import BusinessCalendar

    # The shop closes 12/30–1/2 only, and adds a summer day; nothing else about 年末年始 is assumed.
    shop = BusinessCalendar(year_end=((12, 30), (1, 2)), closed_days=frozenset({date(2026, 8, 14)}))
    assert is_business_day(date(2026, 12, 29), shop)  # Tuesday
    assert is_business_day(date(2027, 1, 4), shop) and not is_business_day(date(2027, 1, 1), shop)
    assert not is_business_day(date(2026, 8, 14), shop)  # Friday
    reply = texts(contact_reply(datetime(2026, 12, 30, 10, 0, tzinfo=JST), None, False))
    assert "12月29日" not in reply and "12/29" not in reply and "1月3日" not in reply


@pytest.mark.parametrize("year", range(2020, 2036))
def test_a_december_due_date_is_never_a_closed_day(year):
    due = payment_due_date("bizd_required", date(year, 12, 1), None)
    assert due == date(year, 12, 31) or is_business_day(due)


def test_business_plus_card_payment_points_to_the_seeds_link():
    line = line_with(personal("yamada", "credit_card_available"), "ビジネスプラス 会計:")
    assert "ご利用いただけません" not in line and "請求書払い・口座振替をご利用ください" not in line
    assert "「支払い方法は何に対応していますか?」にあるビジネスプラスのリンク先" in line


def test_ocn_card_answer_keeps_that_some_services_have_no_direct_debit():
    line = line_with(personal("yamada", "credit_card_available"), "OCN光:")
    assert "※一部サービスは口座振替に対応しておりません。" in line


def test_out_of_scope_sends_nobody_to_a_center_the_seed_does_not_name_for_it():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    reply = domain["responses"]["utter_out_of_scope"][0]["text"]
    assert CONTACT_PHONE not in reply and "コンタクトセンター" not in reply


def test_exactly_300000_yen_is_not_sent_to_the_billing_center():
    invoice = SimpleNamespace(invoice_number="R1", amount_yen=300_000, service_family="other")
    store = SimpleNamespace(latest_invoice=lambda username: invoice)
    reply = texts(billing.invoice_type(SimpleNamespace(username="x"), store, NOW))
    assert BILLING_PHONE not in reply and "お手元の請求書をご確認ください" in reply
