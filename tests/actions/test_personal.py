"""Personal answers from the customer's own data; visitors and forgers get general answers."""

from __future__ import annotations

import time

import jwt
import pytest

from actions.personal import (
    PERSONAL_ANSWERS,
    ActionCheckOrderStatus,
    ActionChooseContract,
    ActionContactInfo,
    ActionHumanHandoff,
    ActionPersonalAnswer,
)
from actions.replies import ANONYMOUS_ORDER_STATUS, LOGIN_HINT, ORDER_NOT_FOUND
from bot.faq.catalog import load_catalog
from bot.identity import ALGORITHM, AUDIENCE, ISSUER, mint_token
from tests.actions.conftest import as_user, line_with, run, texts, tracker

CATALOG = load_catalog()
CONTACT_PHONE = CATALOG.contacts["contact_center"].phone
BILLING_PHONE = CATALOG.contacts["billing_center"].phone


def order(number: str) -> list:
    return [{"entity": "order_number", "value": number}]


def test_every_personal_catalog_entry_has_a_personal_answer():
    personal = {faq_id for faq_id, entry in CATALOG.entries.items() if entry.personal}
    assert set(PERSONAL_ANSWERS) == personal


@pytest.mark.parametrize("faq_id", sorted(PERSONAL_ANSWERS))
def test_visitor_gets_the_login_hint_for_every_personal_entry(faq_id):
    assert texts(run(ActionPersonalAnswer(), tracker(faq_id=faq_id))) == LOGIN_HINT


@pytest.mark.parametrize("faq_id", sorted(PERSONAL_ANSWERS))
def test_every_personal_entry_answers_every_demo_user(faq_id, demo_store):
    for username in demo_store.usernames():
        messages = run(ActionPersonalAnswer(), tracker(as_user(username), faq_id=faq_id))
        assert messages and LOGIN_HINT not in texts(messages), (faq_id, username)
        assert "申し訳ございません。ただいま" not in texts(messages), (faq_id, username)


def test_non_personal_entry_adds_nothing():
    assert run(ActionPersonalAnswer(), tracker(as_user("yamada"), faq_id="receipt")) == []


FORGED = [
    pytest.param(
        {"token": mint_token("yamada", ttl_seconds=60, now=time.time() - 3600)}, id="expired"
    ),
    pytest.param(
        {
            "token": jwt.encode(
                {
                    "sub": "yamada",
                    "iat": int(time.time()),
                    "exp": int(time.time()) + 60,
                    "iss": ISSUER,
                    "aud": AUDIENCE,
                },
                "not-our-secret-" + "y" * 40,
                algorithm=ALGORITHM,
            )
        },
        id="forged-signature",
    ),
    pytest.param({}, id="missing"),
    pytest.param({"username": "yamada"}, id="unsigned-metadata"),
    pytest.param({"token": "yamada"}, id="garbage-token"),
]


@pytest.mark.parametrize("metadata", FORGED)
def test_forged_expired_or_missing_identity_is_a_visitor(metadata):
    t = tracker(metadata, faq_id="order_history", sender_id="yamada")
    assert texts(run(ActionPersonalAnswer(), t)) == LOGIN_HINT
    status = run(
        ActionCheckOrderStatus(),
        tracker(metadata, entities=order("ORD-10000001"), sender_id="yamada"),
    )
    assert texts(status) == ANONYMOUS_ORDER_STATUS


def test_a_token_for_an_unknown_user_reveals_nothing():
    t = tracker(as_user("nobody"), faq_id="order_history")
    assert texts(run(ActionPersonalAnswer(), t)) == LOGIN_HINT


def test_own_order_by_number():
    reply = texts(
        run(ActionCheckOrderStatus(), tracker(as_user("yamada"), entities=order("ORD-10000001")))
    )
    assert "ORD-10000001" in reply and "開通済み" in reply and "まるごとビジネスサポート" in reply


def test_another_customers_order_and_an_unknown_number_get_the_same_reply():
    other = texts(
        run(ActionCheckOrderStatus(), tracker(as_user("yamada"), entities=order("ORD-10000004")))
    )
    unknown = texts(
        run(ActionCheckOrderStatus(), tracker(as_user("yamada"), entities=order("ORD-99999999")))
    )
    assert other == unknown == ORDER_NOT_FOUND


@pytest.mark.parametrize(
    "number",
    ["ORD-1' OR '1'='1", "'; DROP TABLE orders;--", "<script>alert(1)</script>", "ORD-10000001%"],
)
def test_sql_and_script_shaped_numbers_find_nothing_and_break_nothing(number, demo_store):
    reply = texts(run(ActionCheckOrderStatus(), tracker(as_user("yamada"), entities=order(number))))
    assert reply == ORDER_NOT_FOUND
    assert len(demo_store.orders_of("yamada")) == 2


def test_order_status_without_number_lists_own_orders_with_buttons():
    messages = run(ActionCheckOrderStatus(), tracker(as_user("sato")))
    assert "ORD-10000002" in texts(messages) and "ORD-10000006" in texts(messages)
    assert "ORD-10000001" not in texts(messages)
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert '/check_order_status{"order_number": "ORD-10000006"}' in payloads


def test_general_user_cannot_see_colleagues_orders():
    reply = texts(
        run(ActionPersonalAnswer(), tracker(as_user("sato"), faq_id="colleague_order_history"))
    )
    assert "一般ユーザーロール" in reply
    assert "ORD-" not in reply


def test_admin_sees_colleagues_of_the_same_group_only():
    reply = texts(
        run(ActionPersonalAnswer(), tracker(as_user("yamada"), faq_id="colleague_order_history"))
    )
    assert "ORD-10000002" in reply  # sato, 営業部
    assert "ORD-10000003" not in reply  # suzuki, 開発部
    assert "ORD-10000001" not in reply  # yamada's own
    assert "ORD-10000009" not in reply  # another company's 営業部


def test_general_user_cannot_order():
    reply = texts(
        run(ActionPersonalAnswer(), tracker(as_user("sato"), faq_id="bizd_cannot_proceed"))
    )
    assert "一般ユーザーロール" in reply and "管理者ロール" in reply


def test_start_date_counts_an_application_after_13_from_the_next_business_day():
    reply = texts(
        run(ActionPersonalAnswer(), tracker(as_user("sato"), faq_id="service_start_date"))
    )
    # ORD-10000002 was ordered on Friday 2026-01-09 at 16:45 -> counts from Tuesday 01-13 (12th is 成人の日).
    assert "受付日 2026年1月13日(火)" in line_with(reply, "ORD-10000002")
    assert "翌営業日扱い" in reply


def test_due_date_of_a_bizd_invoice_moves_off_the_weekend(demo_store):
    reply = texts(
        run(ActionPersonalAnswer(), tracker(as_user("kobayashi"), faq_id="payment_due_date"))
    )
    invoice = demo_store.latest_invoice("kobayashi")
    assert invoice.invoice_number in reply
    if invoice.service_family == "bizd_required" and invoice.billing_month.month == 1:
        assert "2月2日" in reply or "02月02日" in reply  # 2026-01-31 is a Saturday


def test_invoice_type_follows_the_300000_yen_threshold(demo_store):
    for username in ("kobayashi", "takahashi"):
        invoice = demo_store.latest_invoice(username)
        reply = texts(
            run(ActionPersonalAnswer(), tracker(as_user(username), faq_id="invoice_type"))
        )
        if invoice.amount_yen > 300_000:
            assert "コンビニエンスストアでのお支払いはできません" in reply
        elif invoice.amount_yen < 300_000:
            assert "コンビニエンスストアでのお支払いが可能" in reply


def test_card_payment_only_for_bizd_services_and_home5g_at_a_docomo_shop():
    yamada = texts(
        run(ActionPersonalAnswer(), tracker(as_user("yamada"), faq_id="credit_card_available"))
    )
    assert "まるごとビジネスサポート: クレジットカード決済をご利用いただけます" in yamada
    assert "OCN光: クレジットカード決済の対象外です" in yamada
    takahashi = texts(
        run(ActionPersonalAnswer(), tracker(as_user("takahashi"), faq_id="credit_card_available"))
    )
    assert "ドコモショップ" in takahashi


def test_cancellation_with_several_contracts_offers_buttons_then_the_route():
    messages = run(ActionPersonalAnswer(), tracker(as_user("yamada"), faq_id="cancellation_method"))
    buttons = messages[0]["buttons"]
    assert any(
        "C-2005" in b["payload"] and b["payload"].startswith("/choose_contract") for b in buttons
    )
    chosen = texts(
        run(
            ActionChooseContract(),
            tracker(as_user("yamada"), entities=[{"entity": "contract_number", "value": "C-2005"}]),
        )
    )
    assert "OCN光" in chosen and "④" in chosen and CONTACT_PHONE in chosen


def test_choosing_another_companys_contract_shows_only_own_contracts():
    reply = run(
        ActionChooseContract(),
        tracker(as_user("yamada"), entities=[{"entity": "contract_number", "value": "C-2008"}]),
    )
    assert "ビジネスd福利厚生" not in texts(reply)


def test_contact_info_for_a_billing_change_names_the_billing_center_only():
    slots = {"faq_topic": "billing_payment_change"}
    reply = texts(run(ActionContactInfo(), tracker(as_user("yamada"), slots=slots)))
    assert BILLING_PHONE in reply and CONTACT_PHONE not in reply
    assert "受付時間内" in reply


def test_handoff_when_closed_says_when_the_center_opens(monkeypatch):
    from datetime import datetime

    from bot.rules import JST

    monkeypatch.setattr(
        "actions.clock.now", lambda: datetime(2026, 2, 21, 11, 0, tzinfo=JST)
    )  # Saturday
    reply = texts(run(ActionHumanHandoff(), tracker()))
    assert (
        "受付時間外" in reply and "2026年02月24日" in reply or "2026年2月24日" in reply
    )  # 23rd is a holiday


def test_the_web_only_note_goes_with_the_quantity_limit_route():
    slots = {"faq_topic": "order_quantity_limit"}
    reply = texts(run(ActionContactInfo(), tracker(as_user("yamada"), slots=slots)))
    assert "※web限定プランについては、お電話では受け付けておりません。" in reply
    assert CONTACT_PHONE in reply


def test_store_down_gives_a_polite_message_with_the_number(monkeypatch):
    class Broken:
        def __getattr__(self, name):
            raise ConnectionError("database is down")

    monkeypatch.setattr("actions.customer._store", Broken())
    reply = texts(run(ActionPersonalAnswer(), tracker(as_user("yamada"), faq_id="order_history")))
    assert "申し訳ございません" in reply and CONTACT_PHONE in reply
