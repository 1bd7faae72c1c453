"""Action fixtures: a seeded temporary SQLite store, a fixed clock, trackers with tokens."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.customer
from bot.identity import mint_token
from bot.rules import JST
from bot.store import Store, ensure_seeded, make_engine

SECRET = "test-secret-" + "x" * 40


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Store:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite3'}")
    ensure_seeded(engine)
    return Store(engine)


@pytest.fixture(autouse=True)
def _wired(monkeypatch, demo_store):
    monkeypatch.setenv("BOT_TOKEN_SECRET", SECRET)
    monkeypatch.delenv("BOT_ENV", raising=False)
    monkeypatch.setattr(actions.customer, "_store", demo_store)
    # Tuesday 2026-02-17 10:00 JST: a business day, centers open.
    monkeypatch.setattr("actions.clock.now", lambda: datetime(2026, 2, 17, 10, 0, tzinfo=JST))


def tracker(
    metadata: Optional[Dict[str, Any]] = None,
    faq_id: Optional[str] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    slots: Optional[Dict[str, Any]] = None,
    sender_id: str = "visitor",
    intent: str = "faq",
) -> Tracker:
    latest: Dict[str, Any] = {
        "text": "質問",
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    if faq_id:
        latest["response_selector"] = {
            "faq": {"response": {"intent_response_key": f"faq/{faq_id}"}, "ranking": []}
        }
    return Tracker(sender_id, slots or {}, latest, [], False, None, {}, "action_listen")


def as_user(username: str) -> Dict[str, Any]:
    return {"token": mint_token(username)}


def run(action: Any, t: Tracker) -> List[Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages


def texts(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def line_with(reply: str, needle: str) -> str:
    found = [line for line in reply.splitlines() if needle in line]
    assert len(found) == 1, (needle, reply)
    return found[0]
