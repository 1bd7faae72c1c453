"""Alembic migrations of the store, shipped inside the package; `upgrade()` runs them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from bot.store.database import make_engine

SCRIPT_LOCATION = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration in code (no alembic.ini): our scripts, run on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["connection"] = connection
    return config


def upgrade(url: str | Engine | None = None, revision: str = "head") -> None:
    """`alembic upgrade head` on the store at `url` (an engine, a URL, or the default)."""
    _run(url, lambda config: command.upgrade(config, revision))


def downgrade(url: str | Engine | None = None, revision: str = "base") -> None:
    """`alembic downgrade` on the store at `url`; `base` drops every table of the store."""
    _run(url, lambda config: command.downgrade(config, revision))


def _run(url: str | Engine | None, step) -> None:
    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        # One transaction for the whole run: PostgreSQL rolls back a half-applied migration.
        with engine.begin() as connection:
            step(alembic_config(connection))
    finally:
        if engine is not url:
            engine.dispose()
