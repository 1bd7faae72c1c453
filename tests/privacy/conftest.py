"""Both stores for the retention and rights tests: the store, and Rasa's own tracker store.

Each test gets, per backend, a migrated and seeded store and an empty database in which Rasa's
real SQLTrackerStore keeps its `events` table, as `make run` has them (PostgreSQL like the
production profile, SQLite like the embedded one).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator, List

import pytest
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from bot.store import ensure_seeded, make_engine
from bot.store.models import Turn
from tests.store.store_backends import BACKENDS, fresh_database

DAY = timedelta(days=1)


def rasa_tracker_store(url: str):
    """Rasa's SQLTrackerStore on the database at `url` (it creates its own table)."""
    from rasa.core.tracker_store import SQLTrackerStore

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return SQLTrackerStore(dialect="sqlite", db=parsed.database)
    return SQLTrackerStore(
        dialect="postgresql",
        host=parsed.host,
        port=parsed.port,
        db=parsed.database,
        username=parsed.username or "",
        password=parsed.password or "",
        query=dict(parsed.query),
    )


@dataclass
class Stores:
    store: Engine
    trackers: Engine
    rasa: object  # Rasa's SQLTrackerStore on `trackers`

    def chat(self, sender_id: str, texts: List[str], at: datetime) -> None:
        """A conversation as Rasa stores it: each text and the bot's answer, at `at`."""
        from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
        from rasa.shared.core.trackers import DialogueStateTracker

        tracker = asyncio.run(self.rasa.retrieve(sender_id)) or DialogueStateTracker(
            sender_id, None
        )
        stamp = at.timestamp()
        for text in texts:
            metadata = {"token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig"}
            tracker.update(UserUttered(text, metadata=metadata, timestamp=stamp))
            tracker.update(ActionExecuted("utter_greet", timestamp=stamp))
            tracker.update(BotUttered(f"答え: {text}", timestamp=stamp))
        asyncio.run(self.rasa.save(tracker))

    def log(self, conversation_id: str, username: str | None, text: str, at: datetime) -> None:
        """A row of the conversation log, written at `at`."""
        with Session(self.store, future=True) as session, session.begin():
            session.add(
                Turn(
                    at=at,
                    conversation_id=conversation_id,
                    username=username,
                    text=text,
                    intent="faq",
                    faq_id="receipt",
                    confidence=0.9,
                    fallback=False,
                    reply=f"答え: {text}",
                    outcome="ok",
                )
            )

    def turn(self, conversation_id: str, username: str | None, text: str, at: datetime) -> None:
        """One turn in both stores, as the web app and Rasa write it."""
        self.chat(conversation_id, [text], at)
        self.log(conversation_id, username, text, at)


@pytest.fixture(params=BACKENDS)
def stores(request, tmp_path) -> Iterator[Stores]:
    for folder in ("s", "t"):
        (tmp_path / folder).mkdir()
    with fresh_database(request.param, tmp_path / "s") as store_url:
        with fresh_database(request.param, tmp_path / "t") as tracker_url:
            store = make_engine(store_url)
            ensure_seeded(store)
            trackers = make_engine(tracker_url)
            rasa = rasa_tracker_store(tracker_url)
            try:
                yield Stores(store, trackers, rasa)
            finally:
                rasa.engine.dispose()
                store.dispose()
                trackers.dispose()


@pytest.fixture
def now() -> datetime:
    return datetime.now(timezone.utc)
