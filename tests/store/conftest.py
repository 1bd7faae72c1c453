"""Store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL comes from STORE_TEST_POSTGRES_URL (default: the local server, database `test`);
each database handed out is a fresh schema, dropped afterwards. When the server cannot be
reached the PostgreSQL half is skipped, except under CI=true, where it fails: CI must test
the backend production uses.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from bot.store import Store, ensure_seeded
from tests.store.store_backends import BACKENDS, fresh_database


@pytest.fixture(params=BACKENDS)
def empty_url(request, tmp_path) -> Iterator[str]:
    """An empty database per test, on each backend."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def seeded_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated database with the demo data, one per test module and backend (read-only)."""
    with fresh_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        assert ensure_seeded(url) is True
        yield url


@pytest.fixture(scope="module")
def store(seeded_url) -> Iterator[Store]:
    """The repository over the seeded database."""
    repository = Store(seeded_url)
    yield repository
    repository.close()
