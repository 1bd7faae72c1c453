"""The cached SQL tracker store: the same conversations as Rasa's own SQL store, whichever
worker wrote them, after failed turns and after rows were deleted."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from sqlalchemy import create_engine, text

from bot.serving.tracker_store import CachedSQLTrackerStore
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def store(kind, domain, path):
    return kind(domain=domain, dialect="sqlite", db=str(path))


def turn(tracker, text: str) -> None:
    tracker.update(UserUttered(text, intent={"name": "faq", "confidence": 0.9}))
    tracker.update(BotUttered(f"answer to {text}"))
    tracker.update(ActionExecuted("action_listen"))


def said(tracker) -> list[str]:
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


async def converse(worker, sender: str, text: str):
    tracker = await worker.retrieve(sender)
    turn(tracker, text)
    await worker.save(tracker)


def start(domain, sender: str):
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker(sender, domain.slots)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    return tracker


def test_two_workers_see_each_others_turns_like_rasas_own_store(domain, tmp_path):
    path = tmp_path / "trackers.sqlite3"
    a, b = store(CachedSQLTrackerStore, domain, path), store(CachedSQLTrackerStore, domain, path)
    rasa = store(SQLTrackerStore, domain, path)

    async def go():
        first = start(domain, "c1")
        turn(first, "one")
        await a.save(first)
        for i, worker in enumerate((a, b, b, a, b, a, a)):  # turns spread over the workers
            await converse(worker, "c1", f"turn {i}")
        for worker in (a, b):
            mine, reference = await worker.retrieve("c1"), await rasa.retrieve("c1")
            assert [e.as_dict() for e in mine.events] == [e.as_dict() for e in reference.events]
            assert said(mine)[-1] == "turn 6" and len(said(mine)) == 8

    asyncio.run(go())
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:  # every event stored once
        users = connection.execute(
            text("SELECT count(*) FROM events WHERE type_name = 'user'")
        ).scalar()
    assert users == 8


def test_a_turn_that_failed_before_saving_leaves_nothing_behind(domain, tmp_path):
    worker = store(CachedSQLTrackerStore, domain, tmp_path / "t.sqlite3")

    async def go():
        tracker = start(domain, "c2")
        turn(tracker, "kept")
        await worker.save(tracker)
        lost = await worker.retrieve("c2")
        turn(lost, "never saved")  # the turn fails here: no save
        again = await worker.retrieve("c2")
        assert said(again) == ["kept"]
        turn(again, "next")
        await worker.save(again)
        assert said(await worker.retrieve("c2")) == ["kept", "next"]

    asyncio.run(go())


def test_deleted_rows_are_not_served_from_memory(domain, tmp_path):
    path = tmp_path / "t.sqlite3"
    worker = store(CachedSQLTrackerStore, domain, path)

    async def go():
        tracker = start(domain, "c3")
        turn(tracker, "マイナンバーは…")
        await worker.save(tracker)
        assert said(await worker.retrieve("c3")) == ["マイナンバーは…"]
        await worker.save(await worker.retrieve("c3"))
        engine = create_engine(f"sqlite:///{path}")
        with engine.begin() as connection:  # an erasure, as bot/privacy does it
            connection.execute(text("DELETE FROM events WHERE sender_id = 'c3'"))
        assert await worker.retrieve("c3") is None

    asyncio.run(go())


async def kept_conversation(worker, domain, sender: str) -> None:
    first = start(domain, sender)
    turn(first, "one")
    await worker.save(first)  # a new conversation is saved Rasa's way, then kept from its turn
    await converse(worker, sender, "two")


def test_past_its_size_the_least_recently_saved_tracker_goes(domain, tmp_path, monkeypatch):
    from bot.serving import tracker_store

    monkeypatch.setattr(tracker_store, "CACHE_SIZE", 3)
    worker = store(CachedSQLTrackerStore, domain, tmp_path / "t.sqlite3")

    async def go():
        for sender in ("c1", "c2", "c3"):
            await kept_conversation(worker, domain, sender)
        await converse(worker, "c1", "three")  # c1 saved again: c2 is now the idlest
        await kept_conversation(worker, domain, "c4")

    asyncio.run(go())
    assert list(worker._kept) == ["c3", "c1", "c4"]


def test_a_tracker_idle_past_its_limit_goes(domain, tmp_path):
    from bot.serving.tracker_store import CACHE_TTL_S

    worker = store(CachedSQLTrackerStore, domain, tmp_path / "t.sqlite3")

    async def go():
        await kept_conversation(worker, domain, "idle")
        await kept_conversation(worker, domain, "recent")
        worker._kept["idle"].at -= CACHE_TTL_S + 1  # as if 10 minutes passed since its turn
        await kept_conversation(worker, domain, "next")
        assert list(worker._kept) == ["recent", "next"]
        tracker = await worker.retrieve("idle")  # read from the database again
        assert said(tracker) == ["one", "two"]

    asyncio.run(go())
