"""Rasa's tracker store as stored: its `events` table, read and pruned for retention and erasure.

Rasa's SQLTrackerStore owns the table (it creates it and writes every event of a conversation
as a JSON row); this module only reads and deletes rows, so it names just the columns it uses.
The table lives in `var/trackers.sqlite3` (embedded) or in PostgreSQL (production profile).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Iterable, Iterator, List

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, func, select
from sqlalchemy import inspect as inspect_database
from sqlalchemy.engine import Engine

EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
_CHUNK = 500  # sender ids per IN (...) list


def _chunks(values: Iterable[str]) -> Iterator[List[str]]:
    values = sorted(set(values))
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


class TrackerEvents:
    """The events of Rasa's SQL tracker store at `engine`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def present(self) -> bool:
        """Whether Rasa has created its table (a SQLite file is never created by asking)."""
        url = self._engine.url
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            if not Path(url.database).exists():
                return False
        return inspect_database(self._engine).has_table("events")

    def count_before(self, timestamp: float) -> int:
        """Events older than `timestamp` (seconds since the epoch, as Rasa stores them)."""
        if not self.present():
            return 0
        query = select(func.count()).select_from(EVENTS).where(EVENTS.c.timestamp < timestamp)
        with self._engine.connect() as connection:
            return connection.execute(query).scalar_one()

    def delete_before(self, timestamp: float) -> int:
        """Deletes the events older than `timestamp`; how many went."""
        if not self.present():
            return 0
        with self._engine.begin() as connection:
            return connection.execute(delete(EVENTS).where(EVENTS.c.timestamp < timestamp)).rowcount

    def conversations(self, sender_ids: Iterable[str]) -> Dict[str, List[dict]]:
        """The stored events of each conversation that has any, oldest first."""
        found: Dict[str, List[dict]] = {}
        if not self.present():
            return found
        with self._engine.connect() as connection:
            for chunk in _chunks(sender_ids):
                rows = connection.execute(
                    select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.data)
                    .where(EVENTS.c.sender_id.in_(chunk))
                    .order_by(EVENTS.c.id)
                )
                for sender_id, type_name, data in rows:
                    found.setdefault(sender_id, []).append(_event(type_name, data))
        return found

    def counts_of(self, sender_ids: Iterable[str]) -> Dict[str, int]:
        """How many events each of the conversations holds (those with none left out)."""
        counts: Dict[str, int] = {}
        if not self.present():
            return counts
        with self._engine.connect() as connection:
            for chunk in _chunks(sender_ids):
                rows = connection.execute(
                    select(EVENTS.c.sender_id, func.count())
                    .where(EVENTS.c.sender_id.in_(chunk))
                    .group_by(EVENTS.c.sender_id)
                )
                counts.update({sender_id: count for sender_id, count in rows})
        return counts

    def delete_conversations(self, sender_ids: Iterable[str]) -> int:
        """Deletes every event of the conversations; how many went."""
        if not self.present():
            return 0
        total = 0
        with self._engine.begin() as connection:
            for chunk in _chunks(sender_ids):
                total += connection.execute(
                    delete(EVENTS).where(EVENTS.c.sender_id.in_(chunk))
                ).rowcount
        return total


def _event(type_name: str, data: str | None) -> dict:
    try:
        event = json.loads(data or "{}")
    except ValueError:
        event = {"data": data}
    return event if isinstance(event, dict) else {"event": type_name, "data": event}
