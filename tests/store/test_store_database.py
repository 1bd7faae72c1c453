"""Where the engine comes from, and what the schema refuses whatever the caller does."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from bot.store.database import make_engine
from bot.store.models import Company, Invoice, Order
from tests.store.store_backends import require_postgres

ROOT = Path(__file__).resolve().parents[2]


def test_the_argument_wins_over_database_url(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'from_env.sqlite3'}")
    engine = make_engine(f"sqlite:///{tmp_path / 'from_arg.sqlite3'}")
    assert engine.url.database.endswith("from_arg.sqlite3")


def test_database_url_is_used_without_an_argument(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'from_env.sqlite3'}")
    assert make_engine().url.database.endswith("from_env.sqlite3")


def test_default_is_a_sqlite_file_under_var(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    engine = make_engine()
    assert engine.dialect.name == "sqlite"
    assert engine.url.database == str(Path("var") / "store.sqlite3")
    assert (tmp_path / "var").is_dir()


def test_heroku_style_postgres_urls_are_accepted():
    engine = make_engine("postgres://someone@db.invalid:5432/shop")
    assert engine.url.drivername == "postgresql+psycopg2"


def test_importing_the_store_makes_no_engine_and_no_file(tmp_path):
    # Run in a clean interpreter: an import-time engine would create var/ in the cwd.
    subprocess.run(
        [sys.executable, "-c", "import bot.store, bot.store.seed, bot.store.repository"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
        check=True,
    )
    assert list(tmp_path.iterdir()) == []


def test_the_schema_refuses_what_the_store_never_stores(empty_url):
    from bot.store.migrations import upgrade

    upgrade(empty_url)
    engine = make_engine(empty_url)
    bad_rows = [
        Company(name="桁違い株式会社", corporate_number="123"),
        Invoice(
            invoice_number="X0000000001",
            company_id=1,
            service_family="other",
            billing_month=date(2026, 1, 1),
            amount_yen=1,
            due_date=date(2026, 1, 31),
            paid=False,
        ),
        # No such user: foreign keys are enforced on SQLite too.
        Order(
            order_number="ORD-99999999",
            user_id=999,
            service="OCN光",
            service_family="other",
            quantity=1,
            ordered_at=datetime.fromisoformat("2026-01-05T10:00:00+09:00"),
            status="受付",
            web_only_plan=False,
        ),
    ]
    try:
        with Session(engine, future=True) as session, session.begin():
            session.add(Company(name="株式会社テスト", corporate_number="1111111111111"))
        for row in bad_rows:
            with Session(engine, future=True) as session:
                session.add(row)
                with pytest.raises(IntegrityError):
                    session.commit()
    finally:
        engine.dispose()


def test_naive_datetimes_are_refused(empty_url):
    from bot.store.migrations import upgrade

    upgrade(empty_url)
    engine = make_engine(empty_url)
    order = Order(
        order_number="ORD-99999998",
        user_id=1,
        service="OCN光",
        service_family="other",
        quantity=1,
        ordered_at=datetime(2026, 1, 5, 10, 0),  # whose 10:00? the store will not guess
        status="受付",
        web_only_plan=False,
    )
    try:
        with Session(engine, future=True) as session:
            session.add(order)
            with pytest.raises(StatementError, match="naive datetime"):
                session.flush()
    finally:
        engine.dispose()


UNREACHABLE = "postgresql+psycopg2://postgres@127.0.0.1:1/test"


def test_unreachable_postgres_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_postgres(UNREACHABLE)


def test_unreachable_postgres_is_skipped_with_a_reason_elsewhere(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="unreachable"):
        require_postgres(UNREACHABLE)
