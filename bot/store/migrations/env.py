"""Alembic environment: runs on the connection `bot.store.migrations` hands over.

Without one (Alembic driven some other way, e.g. `command.revision(alembic_config(), ...,
autogenerate=True)` when writing a new migration), it connects with `make_engine()`: the
`sqlalchemy.url` option if set, else DATABASE_URL, else the local SQLite file.
"""

from __future__ import annotations

from alembic import context

from bot.store.database import make_engine
from bot.store.models import metadata


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    run_migrations(given)
else:
    engine = make_engine(context.config.get_main_option("sqlalchemy.url"))
    try:
        with engine.begin() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()
