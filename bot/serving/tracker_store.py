"""Rasa's SQL tracker store without the per-turn rebuild: a turn's cost no longer grows with
the conversation.

Rasa's `SQLTrackerStore` reads every event of the conversation's session on each turn, parses
each one's JSON, replays them all into a new tracker, then counts them again to find which
events to insert. This store keeps the tracker a worker saved last, per conversation, in the
worker's memory and checks it against the database before lending it out: one indexed query
(`count(*)` and `max(id)` of the conversation's rows). When another worker or server has added
events meanwhile, only those rows are read and applied; when rows were deleted (erasure,
retention purge) or a new session started elsewhere, the tracker is rebuilt as Rasa does.
Saving inserts the events added since then, without recounting.

A lent tracker leaves the cache until it is saved, so a turn that fails half-way never leaves
unsaved events behind, and two readers never share one object. Entries expire after
`CACHE_TTL_S` idle seconds (dropped on the next save of any conversation) and at most
`CACHE_SIZE` conversations are kept per worker, the least recently saved going first.
Embedded SQLite gets a connection pool and WAL journaling instead of a new connection and an
fsync'ed journal per query.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

# Per worker. A kept tracker saves a rebuild (every event of the session read and replayed) on
# the conversation's next turn; a customer answers within minutes or not at all, so a tracker
# idle for 10 minutes is dropped (its next turn reads it from the database, as Rasa does).
# 2,000 conversations active within 10 minutes is ~3 new turns a second per worker; a tracker
# of a typical conversation is tens of KB, so the bound is tens of MB per worker at most.
CACHE_SIZE = 2000
CACHE_TTL_S = 600.0


@dataclass
class _Kept:
    tracker: DialogueStateTracker
    rows: int  # the conversation's rows in the table (all sessions)
    last_id: int  # the newest row's id
    stored: int  # how many of tracker.events are in the table
    at: float


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; fsync at checkpoints
    cursor.execute("PRAGMA busy_timeout=10000")  # several workers write one file
    cursor.close()


class CachedSQLTrackerStore(SQLTrackerStore):
    """`endpoints.yml`: `tracker_store: type: bot.serving.tracker_store.CachedSQLTrackerStore`
    with the settings of Rasa's `SQL` store (dialect, db, url, port, username, password)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, ""):
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url,
                poolclass=sa.pool.QueuePool,
                pool_size=5,
                connect_args={"check_same_thread": False},
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self._lent: Dict[int, _Kept] = {}  # id(tracker) -> what is known of it

    # --- reading -----------------------------------------------------------------------------

    def _shape(self, session: Any, sender_id: str) -> tuple[int, int]:
        table = self.SQLEvent
        rows, last = (
            session.query(sa.func.count(table.id), sa.func.max(table.id))
            .filter(table.sender_id == sender_id)
            .one()
        )
        return int(rows or 0), int(last or 0)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        kept = self._kept.pop(sender_id, None)
        if kept is not None and (
            time.monotonic() - kept.at > CACHE_TTL_S or len(kept.tracker.events) != kept.stored
        ):  # too old, or changed after it was saved (a turn that failed half-way)
            kept = None
        if kept is not None and self.domain is not None:
            with self.session_scope() as session:
                rows, last = self._shape(session, sender_id)
                if (rows, last) == (kept.rows, kept.last_id):
                    return self._lend(kept)
                if rows > kept.rows and last > kept.last_id:
                    newer = (
                        session.query(self.SQLEvent)
                        .filter(
                            self.SQLEvent.sender_id == sender_id,
                            self.SQLEvent.id > kept.last_id,
                        )
                        .order_by(self.SQLEvent.id)
                        .all()
                    )
                    if len(newer) == rows - kept.rows and all(
                        e.type_name != SessionStarted.type_name for e in newer
                    ):
                        for row in newer:
                            kept.tracker.update(Event.from_parameters(json.loads(row.data)))
                        kept.rows, kept.last_id = rows, last
                        kept.stored = len(kept.tracker.events)
                        return self._lend(kept)
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            with self.session_scope() as session:
                rows, last = self._shape(session, sender_id)
            self._lend(_Kept(tracker, rows, last, len(tracker.events), time.monotonic()))
        return tracker

    def _lend(self, kept: _Kept) -> DialogueStateTracker:
        # Lent trackers come back within their turn; those never given back (failed turns, API
        # reads) are forgotten all at once past CACHE_SIZE (their next turn rebuilds them).
        if len(self._lent) > CACHE_SIZE:
            self._lent.clear()
        self._lent[id(kept.tracker)] = kept
        return kept.tracker

    # --- writing -----------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        kept = self._lent.pop(id(tracker), None)
        if kept is None or kept.tracker is not tracker or kept.stored > len(tracker.events):
            # A tracker Rasa made itself (a new conversation): saved Rasa's way, and the next
            # turn reads it as Rasa would, from its session start on.
            await super().save(tracker)
            self._kept.pop(tracker.sender_id, None)
            return
        await self.stream_events(tracker)
        events = list(tracker.events)[kept.stored :]
        with self.session_scope() as session:
            rows = [self._row(tracker.sender_id, event) for event in events]
            session.add_all(rows)
            session.flush()  # the new ids, read before the commit expires the rows
            last_id = max((row.id for row in rows), default=kept.last_id)
            session.commit()
        kept.last_id = last_id
        kept.rows += len(events)
        kept.stored = len(tracker.events)
        kept.at = time.monotonic()
        self._keep(kept, events)

    def _keep(self, kept: _Kept, saved: Any) -> None:
        sender = kept.tracker.sender_id
        if any(isinstance(event, SessionStarted) for event in saved):
            self._kept.pop(sender, None)  # a new session: Rasa reads from there on; so will we
            return
        self._kept[sender] = kept
        self._kept.move_to_end(sender)  # in order of saving: the idlest first
        while self._kept and (
            len(self._kept) > CACHE_SIZE
            or kept.at - next(iter(self._kept.values())).at > CACHE_TTL_S
        ):
            self._kept.popitem(last=False)

    def _row(self, sender_id: str, event: Event) -> Any:
        """One event as Rasa's own save stores it."""
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )
