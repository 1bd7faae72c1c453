"""Migrations: an empty database upgrades to the models' schema, and back down."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from bot.store.database import make_engine
from bot.store.migrations import downgrade, upgrade
from bot.store.models import metadata

STORE_TABLES = {
    "companies", "users", "orders", "contracts", "invoices", "staff", "judgements", "turns",
    "audit_log",
}  # fmt: skip
HEAD = "0006"


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _sql(url: str, statement: str, params: dict | None = None) -> list[tuple]:
    """One statement in a transaction of its own; the rows it returns, if any."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement), params or {})
            return [tuple(row) for row in result.all()] if result.returns_rows else []
    finally:
        engine.dispose()


def test_upgrade_from_empty_creates_every_table(empty_url):
    assert _tables(empty_url) == set()
    upgrade(empty_url)
    assert _tables(empty_url) == STORE_TABLES | {"alembic_version"}
    assert _revision(empty_url) == HEAD


def test_upgrade_twice_changes_nothing(empty_url):
    upgrade(empty_url)
    upgrade(empty_url)
    assert _revision(empty_url) == HEAD


def test_migrated_schema_matches_the_models(empty_url):
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_drops_the_tables_and_upgrade_restores_them(empty_url):
    upgrade(empty_url)
    downgrade(empty_url, "base")
    assert _tables(empty_url) & STORE_TABLES == set()
    upgrade(empty_url)
    assert STORE_TABLES <= _tables(empty_url)


def test_upgrade_accepts_an_engine_and_leaves_it_usable(empty_url):
    engine = make_engine(empty_url)
    try:
        upgrade(engine)
        assert STORE_TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0002_upgrades_a_store_left_at_0001_keeping_its_rows(empty_url):
    upgrade(empty_url, "0001")
    _sql(empty_url, "INSERT INTO companies (id, name) VALUES (1, 'x')")
    upgrade(empty_url)
    assert _revision(empty_url) == HEAD
    assert _sql(empty_url, "SELECT name FROM companies")[0][0] == "x"


def _insert_staff(url: str, username: str, role: str) -> None:
    _sql(
        url,
        "INSERT INTO staff (username, display_name, password_hash, role) "
        "VALUES (:username, :username, 'x', :role)",
        {"username": username, "role": role},
    )


def test_0003_lets_staff_be_admins_and_keeps_the_staff_of_0002(empty_url):
    upgrade(empty_url, "0002")
    _insert_staff(empty_url, "agent", "agent")
    with pytest.raises(IntegrityError):  # 0002 knows agents and editors only
        _insert_staff(empty_url, "admin", "admin")
    upgrade(empty_url)
    _insert_staff(empty_url, "admin", "admin")
    with pytest.raises(IntegrityError):
        _insert_staff(empty_url, "boss", "owner")
    with pytest.raises(IntegrityError):  # the copied table keeps its unique usernames
        _insert_staff(empty_url, "agent", "agent")
    rows = _sql(empty_url, "SELECT username, role FROM staff ORDER BY id")
    assert [tuple(row) for row in rows] == [("agent", "agent"), ("admin", "admin")]


def test_0003_downgrades_to_0002_without_admins(empty_url):
    upgrade(empty_url)
    _insert_staff(empty_url, "agent", "agent")
    _insert_staff(empty_url, "admin", "admin")
    downgrade(empty_url, "0002")
    assert "audit_log" not in _tables(empty_url)
    with pytest.raises(IntegrityError):
        _insert_staff(empty_url, "admin", "admin")
    assert _revision(empty_url) == "0002"


def _insert_turn(url: str, feedback: str | None = None) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            columns = "at, conversation_id, text, fallback, reply, outcome"
            values = "'2026-12-01 00:00:00', 'c1', '解約したい', false, 'r', 'ok'"
            if feedback is not None:
                columns, values = columns + ", feedback", values + f", '{feedback}'"
            connection.exec_driver_sql(f"INSERT INTO turns ({columns}) VALUES ({values})")
    finally:
        engine.dispose()


def test_0004_adds_feedback_to_the_turns_of_0003_and_checks_its_values(empty_url):
    upgrade(empty_url, "0003")
    _insert_turn(empty_url)
    upgrade(empty_url)
    _insert_turn(empty_url, "unhelpful")
    with pytest.raises(IntegrityError):
        _insert_turn(empty_url, "great")
    rows = _sql(empty_url, "SELECT text, feedback FROM turns ORDER BY id")
    assert [tuple(row) for row in rows] == [("解約したい", None), ("解約したい", "unhelpful")]
    downgrade(empty_url, "0003")
    _insert_turn(empty_url)


def test_0005_adds_the_reading_of_a_turn_and_keeps_the_turns_of_0004(empty_url):
    upgrade(empty_url, "0004")
    _insert_turn(empty_url, "helpful")
    upgrade(empty_url)
    _sql(empty_url, "UPDATE turns SET reading = 'context'")
    rows = _sql(empty_url, "SELECT feedback, reading FROM turns")
    assert [tuple(row) for row in rows] == [("helpful", "context")]
    downgrade(empty_url, "0004")
    _insert_turn(empty_url)


def _audit(url: str, action: str) -> None:
    _sql(
        url,
        "INSERT INTO audit_log (at, actor, action, customer, client, detail) "
        "VALUES (CURRENT_TIMESTAMP, 'editor', :action, NULL, 'test', '{}')",
        {"action": action},
    )


def test_0006_lets_the_audit_log_record_knowledge_publishes_and_rollbacks(empty_url):
    upgrade(empty_url, "0005")
    _audit(empty_url, "export")
    with pytest.raises(IntegrityError):
        _audit(empty_url, "knowledge_publish")
    upgrade(empty_url)
    _audit(empty_url, "knowledge_publish")
    _audit(empty_url, "knowledge_rollback")
    downgrade(empty_url, "0005")  # the knowledge rows go, the others stay
    actions = [row[0] for row in _sql(empty_url, "SELECT action FROM audit_log")]
    assert actions == ["export"]
