"""The verified customer of the current message, and the store the actions read."""

from __future__ import annotations

import os
import threading
from typing import Any

from rasa_sdk import Tracker

from bot.identity import identity_from_metadata

_store: Any = None
_store_lock = threading.Lock()


def store() -> Any:
    """The order store of this process: migrated and seeded on first use (embedded default)."""
    global _store
    with _store_lock:
        if _store is None:
            from bot.store import Store, ensure_seeded, make_engine

            engine = make_engine(os.environ.get("DATABASE_URL"))
            ensure_seeded(engine)
            _store = Store(engine)
        return _store


def verified_username(tracker: Tracker) -> str | None:
    """The customer named by the signed token in this message's metadata, if valid.

    `sender_id` and any unsigned metadata are ignored: a message without a valid, unexpired
    token is an anonymous visitor, whatever it says about itself.
    """
    identity = identity_from_metadata((tracker.latest_message or {}).get("metadata"))
    return identity.username if identity else None


def current_customer(tracker: Tracker) -> Any | None:
    """The logged-in customer's record (reads the store only for a verified token)."""
    username = verified_username(tracker)
    return store().user(username) if username else None
