"""The one place an engine is made: from an argument, DATABASE_URL, or a local SQLite file."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, create_engine

# Relative to the working directory, like models/: every command runs from the repository root.
DEFAULT_SQLITE_FILE = Path("var") / "store.sqlite3"


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else env DATABASE_URL, else the local SQLite file."""
    chosen = url or os.environ.get("DATABASE_URL")
    if not chosen:
        DEFAULT_SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DEFAULT_SQLITE_FILE}"
    # Hosting platforms hand out postgres:// URLs, a scheme SQLAlchemy no longer accepts.
    if chosen.startswith("postgres://"):
        chosen = "postgresql+psycopg2://" + chosen[len("postgres://") :]
    return chosen


def make_engine(url: str | None = None) -> Engine:
    """A 2.0-style engine for the store; nothing is connected until first use."""
    url = database_url(url)
    # pre-ping: after the database was down, a stale pooled connection is replaced, not used
    options = {} if url.startswith("sqlite") else {"pool_pre_ping": True}
    # hide_parameters: an error logged with its statement never carries what a customer typed
    engine = create_engine(url, future=True, hide_parameters=True, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enforce_foreign_keys)
    return engine


def _enforce_foreign_keys(dbapi_connection, _record) -> None:
    # SQLite ignores REFERENCES unless asked, per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
