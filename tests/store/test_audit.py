"""The audit log: one row per look at, export or erasure of a customer's data; newest first."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from bot.store import make_engine, upgrade
from bot.store.audit import AuditLog


@pytest.fixture
def audit(empty_url):
    upgrade(empty_url)
    engine = make_engine(empty_url)
    yield AuditLog(engine)
    engine.dispose()


def test_rows_keep_who_when_which_customer_and_from_where(audit):
    written = audit.record("agent", "answer_as_customer", "yamada", "203.0.113.5", {"n": 1})
    (row,) = audit.entries()
    assert row == written
    assert (row.actor, row.action, row.customer, row.client) == (
        "agent",
        "answer_as_customer",
        "yamada",
        "203.0.113.5",
    )
    assert row.at.tzinfo is not None and row.detail == {"n": 1}


def test_entries_are_newest_first_and_filter_by_customer_and_action(audit):
    audit.record("agent", "answer_as_customer", "yamada", "1.1.1.1")
    audit.record("root", "export", "yamada", "cli@host", {"file": "x.json"})
    audit.record("root", "erase", "sato", "cli@host")
    audit.record("retention job", "purge", None, "serve@host", {"turns": 3})
    assert [r.action for r in audit.entries()] == [
        "purge",
        "erase",
        "export",
        "answer_as_customer",
    ]
    assert [r.action for r in audit.entries(customer="yamada")] == ["export", "answer_as_customer"]
    assert [r.customer for r in audit.entries(action="erase")] == ["sato"]
    assert len(audit.entries(limit=2)) == 2


def test_an_unknown_action_is_refused_by_the_code_and_by_the_table(audit, empty_url):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record("agent", "peek", "yamada", "x")
    engine = make_engine(empty_url)
    try:
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO audit_log (at, actor, action, client, detail) "
                "VALUES (CURRENT_TIMESTAMP, 'a', 'peek', 'x', '{}')"
            )
    finally:
        engine.dispose()


def test_long_values_are_clipped_and_a_clipped_detail_still_reads(audit):
    audit.record("a" * 300, "export", "b" * 300, "c" * 300, {"file": "d" * 3000})
    (row,) = audit.entries()
    assert len(row.actor) == 100 and len(row.customer) == 100 and len(row.client) == 200
    assert row.detail["text"].startswith('{"file": "ddd')
