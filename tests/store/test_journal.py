"""The web app's records: one login for customers and staff, judgements, the turn log."""

from __future__ import annotations

import pytest

from bot.store import Journal, TurnRecord, ensure_seeded, make_engine
from bot.store.views import Account


@pytest.fixture
def journal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    ensure_seeded(engine)
    yield Journal(engine)
    engine.dispose()


@pytest.mark.parametrize(
    "username, role",
    [("yamada", "customer"), ("nakamura", "customer"), ("agent", "agent"), ("editor", "content"),
     ("admin", "admin")],
)  # fmt: skip
def test_everybody_logs_in_with_the_demo_password(journal, username, role):
    account = journal.login(username, f"{username}-demo")
    assert isinstance(account, Account) and account.role == role and account.username == username


@pytest.mark.parametrize(
    "username, password",
    [("yamada", "agent-demo"), ("agent", "yamada-demo"), ("nobody", "nobody-demo"),
     ("yamada", ""), ("", ""), ("yamada' OR '1'='1", "x' OR '1'='1"), (None, "x"), ("agent", 5)],
)  # fmt: skip
def test_wrong_or_odd_credentials_get_nobody(journal, username, password):
    assert journal.login(username, password) is None


def test_staff_accounts_come_to_a_store_seeded_before_them(tmp_path):
    from bot.store.migrations import upgrade

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:  # a store seeded before staff existed
        connection.exec_driver_sql("INSERT INTO companies (id, name) VALUES (1, 'x')")
    assert ensure_seeded(engine) is False  # its customers are left as they are
    assert Journal(engine).login("agent", "agent-demo").role == "agent"
    engine.dispose()


def _staff_store(tmp_path, *accounts: tuple[str, str]):
    """A migrated, seeded-looking store whose staff table holds `accounts` (username, role)."""
    from bot.store.migrations import upgrade
    from bot.store.passwords import hash_password

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO companies (id, name) VALUES (1, 'x')")
        for username, role in accounts:
            connection.exec_driver_sql(
                "INSERT INTO staff (username, display_name, password_hash, role) "
                "VALUES (?, ?, ?, ?)",
                (username, username, hash_password(f"{username}-own"), role),
            )
    return engine


def test_the_admin_account_comes_to_a_store_seeded_with_agents_and_editors(tmp_path):
    engine = _staff_store(tmp_path, ("agent", "agent"), ("editor", "content"))
    assert Journal(engine).login("admin", "admin-demo") is None
    ensure_seeded(engine)
    assert Journal(engine).login("admin", "admin-demo").role == "admin"
    assert Journal(engine).login("agent", "agent-own").role == "agent"  # left as it was
    engine.dispose()


def test_a_store_with_staff_of_its_own_gets_no_demo_account(tmp_path):
    engine = _staff_store(tmp_path, ("kimura", "agent"))
    ensure_seeded(engine)
    for username in ("agent", "editor", "admin"):
        assert Journal(engine).login(username, f"{username}-demo") is None
    assert Journal(engine).login("kimura", "kimura-own").role == "agent"
    engine.dispose()


def test_judgements_are_kept_in_order(journal):
    journal.add_judgement("agent", "支払い?", "faq/payment_methods", True, "faq/payment_methods")
    journal.add_judgement("agent", "ほげ", "faq/x", False, "out_of_scope")
    rows = journal.judgements()
    assert [(j.text, j.correct, j.label) for j in rows] == [
        ("支払い?", True, "faq/payment_methods"),
        ("ほげ", False, "out_of_scope"),
    ]
    assert rows[0].judged_at.tzinfo is not None


def test_turns_are_logged_and_clipped(journal):
    journal.log_turn(TurnRecord("c" * 100, "yamada", "q" * 3000, "faq", "x", 0.5, False, "r"))
    journal.log_turn(TurnRecord("c2", None, "hello", None, None, None, True, "sorry", "degraded"))
    first, second = journal.turns()
    assert len(first.conversation_id) == 64 and len(first.text) == 2000
    assert (second.username, second.fallback, second.outcome) == (None, True, "degraded")
    assert journal.turn_count() == 2
    assert [t.text for t in journal.turns("c2")] == ["hello"]


def test_feedback_is_one_value_per_turn_and_only_for_its_own_conversation(journal):
    candidates = [("faq/cancellation_method", 0.61), ("faq/cancellation_fee", 0.2)]
    turn_id = journal.log_turn(
        TurnRecord(
            "c1", None, "解約", "faq", "cancellation_method", 0.61, False, "r", "ok", candidates
        )
    )
    other = journal.log_turn(TurnRecord("c2", None, "x", None, None, None, True, "sorry"))
    assert journal.turn(turn_id).candidates == tuple(candidates)
    assert journal.turn(turn_id).feedback is None
    assert journal.set_feedback(turn_id, "c2", "helpful") is None  # another conversation's turn
    assert journal.set_feedback(10_000, "c1", "helpful") is None
    assert journal.set_feedback(turn_id, "c1", "helpful").feedback == "helpful"
    assert journal.set_feedback(turn_id, "c1", "unhelpful").feedback == "unhelpful"
    assert [t.feedback for t in journal.turns()] == ["unhelpful", None]
    assert journal.turn(other).candidates == ()
    with pytest.raises(ValueError):
        journal.set_feedback(turn_id, "c1", "great")
