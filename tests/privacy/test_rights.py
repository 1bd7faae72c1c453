"""One customer's export and erasure, on SQLite and PostgreSQL, with Rasa's real tracker store."""

from __future__ import annotations

import json

import pytest

from bot.privacy.rights import TOKEN_SHOWN_AS, UnknownCustomer, erase_customer, export_customer
from bot.store import Journal, Store
from bot.store.audit import AuditLog
from bot.store.conversations import ConversationLog
from bot.store.trackers import TrackerEvents
from tests.privacy.conftest import DAY

YAMADA = ("y-chat-1", "y-chat-2")
CONSOLE = "agent-test-0123456789abcdef"
OTHERS = ("s-chat-1", "visitor-1")


@pytest.fixture
def filled(stores, now):
    stores.turn(YAMADA[0], "yamada", "注文の状況を知りたい", now - 10 * DAY)
    stores.turn(YAMADA[0], "yamada", "請求書はいつ届きますか", now - 10 * DAY)
    stores.turn(YAMADA[1], "yamada", "解約したい", now - DAY)
    stores.turn(OTHERS[0], "sato", "支払い方法を教えて", now - 2 * DAY)
    stores.turn(OTHERS[1], None, "領収書は出ますか", now)
    stores.chat(CONSOLE, ["注文の状況を知りたい"], now)  # an agent answered "as yamada"
    AuditLog(stores.store).record(
        "agent", "answer_as_customer", "yamada", "127.0.0.1", {"conversation": CONSOLE}
    )
    journal = Journal(stores.store)
    journal.add_judgement("agent", "解約したい", "faq/cancellation_method", True, "faq/x")
    journal.add_judgement("agent", "別の質問", "faq/receipt", True, "faq/receipt")
    return stores


def _others(stores) -> tuple:
    log, events = ConversationLog(stores.store), TrackerEvents(stores.trackers)
    return log.turns_of("sato"), log.count_of("nobody-at-all", OTHERS), events.counts_of(OTHERS)


def test_the_export_holds_everything_stored_about_the_customer(filled):
    document = export_customer(filled.store, filled.trackers, "yamada")
    json.dumps(document, ensure_ascii=False)  # one JSON file
    assert document["customer"] == "yamada" and document["profile"]["display_name"] == "山田 太郎"
    assert [o["order_number"] for o in document["orders"]] == ["ORD-10000005", "ORD-10000001"]
    assert document["contracts"] and document["invoices"]
    assert [t["text"] for t in document["conversation_log"]] == [
        "注文の状況を知りたい",
        "請求書はいつ届きますか",
        "解約したい",
    ]
    conversations = {c["sender_id"]: c for c in document["tracker_store"]}
    assert set(conversations) == {*YAMADA, CONSOLE}
    assert conversations[CONSOLE]["source"].startswith("agent console")
    said = [e["text"] for e in conversations[YAMADA[0]]["events"] if e["event"] == "user"]
    assert said == ["注文の状況を知りたい", "請求書はいつ届きますか"]
    tokens = [
        e["metadata"]["token"]
        for c in conversations.values()
        for e in c["events"]
        if e["event"] == "user"
    ]
    assert tokens and set(tokens) == {TOKEN_SHOWN_AS}  # a credential never leaves in an export
    assert [j["text"] for j in document["judgements"]] == ["解約したい"]
    assert [a["action"] for a in document["audit"]] == ["answer_as_customer"]
    everything = json.dumps(document, ensure_ascii=False)
    assert "支払い方法を教えて" not in everything and "領収書は出ますか" not in everything


def test_erase_deletes_the_customers_conversations_from_both_stores_and_only_theirs(filled):
    others = _others(filled)
    dry = erase_customer(filled.store, filled.trackers, "yamada", dry_run=True)
    assert (dry.turns, dry.conversations, dry.events, dry.dry_run) == (3, 3, 12, True)
    assert "would delete 3 turn(s)" in dry.describe()
    assert len(ConversationLog(filled.store).turns_of("yamada")) == 3  # a dry run keeps them

    report = erase_customer(filled.store, filled.trackers, "yamada")
    assert (report.turns, report.conversations, report.events) == (3, 3, 12)
    assert "deleted 3 turn(s)" in report.describe() and "12 event(s)" in report.describe()
    assert ConversationLog(filled.store).turns_of("yamada") == []
    assert TrackerEvents(filled.trackers).counts_of([*YAMADA, CONSOLE]) == {}
    assert _others(filled) == others  # sato's and the visitor's rows are untouched
    assert len(Store(filled.store).orders_of("yamada")) == 2  # the shop's business records stay

    again = erase_customer(filled.store, filled.trackers, "yamada")
    assert again.nothing and (again.turns, again.events, again.conversations) == (0, 0, 0)
    assert "nothing to erase for yamada" in again.describe() and "0 deleted" in again.describe()


def test_after_erasure_the_export_holds_no_conversation(filled):
    erase_customer(filled.store, filled.trackers, "yamada")
    document = export_customer(filled.store, filled.trackers, "yamada")
    assert document["conversation_log"] == [] and document["tracker_store"] == []
    assert document["orders"]  # still the customer's orders


def test_a_name_nothing_is_stored_under_is_unknown(stores):
    for run in (export_customer, erase_customer):
        with pytest.raises(UnknownCustomer):
            run(stores.store, stores.trackers, "nobody")


def test_a_customer_without_conversations_exports_their_records(stores):
    document = export_customer(stores.store, stores.trackers, "nakamura")
    assert document["profile"]["username"] == "nakamura"
    assert document["conversation_log"] == [] and document["orders"] == []
    assert erase_customer(stores.store, stores.trackers, "nakamura").nothing
