"""The one place an engine is made: from an argument, DATABASE_URL, or a local SQLite file."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, create_engine, make_url
from sqlalchemy.pool import QueuePool

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
    options: dict = {} if url.startswith("sqlite") else {"pool_pre_ping": True}
    if url.startswith("sqlite") and make_url(url).database not in (None, "", ":memory:"):
        # A file: pooled connections (SQLAlchemy 1.4 would open one per transaction), shared
        # by the threads of the web app one at a time.
        options.update(poolclass=QueuePool, connect_args={"check_same_thread": False})
    # hide_parameters: an error logged with its statement never carries what a customer typed
    engine = create_engine(url, future=True, hide_parameters=True, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enforce_foreign_keys)
    return engine


def _enforce_foreign_keys(dbapi_connection, _record) -> None:
    # SQLite ignores REFERENCES unless asked, per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Write-ahead log: the web app, the actions and the data commands read while one writes;
    # a commit survives a crash of the process (fsync at checkpoints, not on every turn).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
