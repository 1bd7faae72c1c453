"""The conversation log by customer and by age: for export, erasure and the retention purge."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, List

from sqlalchemy import delete, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.store.journal import judgement_view, turn_view
from bot.store.models import Judgement, Turn
from bot.store.views import JudgementView, TurnView


class ConversationLog:
    """The `turns` table of the store at `engine`, one customer or one cut-off at a time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _session(self) -> Session:
        return Session(self._engine, future=True)

    def turns_of(self, username: str) -> List[TurnView]:
        """Every logged turn of the customer, oldest first."""
        with self._session() as session:
            rows = session.execute(
                select(Turn).where(Turn.username == username).order_by(Turn.id)
            ).scalars()
            return [turn_view(row) for row in rows]

    def conversation_ids_of(self, username: str) -> List[str]:
        """The conversations (Rasa's sender ids) the customer had while logged in."""
        with self._session() as session:
            return list(
                session.execute(
                    select(Turn.conversation_id)
                    .where(Turn.username == username)
                    .group_by(Turn.conversation_id)
                    .order_by(func.min(Turn.id))
                ).scalars()
            )

    @staticmethod
    def _of(username: str, conversation_ids: Iterable[str]):
        ids = sorted(set(conversation_ids))
        mine = Turn.username == username
        return or_(mine, Turn.conversation_id.in_(ids)) if ids else mine

    def count_of(self, username: str, conversation_ids: Iterable[str] = ()) -> int:
        """Turns of the customer, or of their conversations."""
        with self._session() as session:
            return session.execute(
                select(func.count(Turn.id)).where(self._of(username, conversation_ids))
            ).scalar_one()

    def delete_of(self, username: str, conversation_ids: Iterable[str] = ()) -> int:
        """Deletes the customer's turns (and any turn of their conversations); how many went."""
        with self._session() as session, session.begin():
            return session.execute(
                delete(Turn).where(self._of(username, conversation_ids))
            ).rowcount

    def count_before(self, cutoff: datetime) -> int:
        """Turns logged before `cutoff` (timezone-aware)."""
        with self._session() as session:
            return session.execute(
                select(func.count(Turn.id)).where(Turn.at < _bound(cutoff))
            ).scalar_one()

    def delete_before(self, cutoff: datetime) -> int:
        """Deletes the turns logged before `cutoff`; how many went."""
        with self._session() as session, session.begin():
            return session.execute(delete(Turn).where(Turn.at < _bound(cutoff))).rowcount

    def judgements_on(self, texts: Iterable[str]) -> List[JudgementView]:
        """Agents' judgements of exactly these questions, oldest first."""
        wanted = sorted(set(texts))
        if not wanted:
            return []
        found: List[JudgementView] = []
        with self._session() as session:
            for start in range(0, len(wanted), 500):
                rows = session.execute(
                    select(Judgement)
                    .where(Judgement.text.in_(wanted[start : start + 500]))
                    .order_by(Judgement.id)
                ).scalars()
                found += [judgement_view(row) for row in rows]
        return sorted(found, key=lambda j: j.id)


def _bound(cutoff: datetime) -> datetime:
    """An aware cut-off (the column's type writes it in UTC, as it stores every row)."""
    if cutoff.tzinfo is None or cutoff.utcoffset() is None:
        raise ValueError(f"naive cut-off {cutoff!r}: pass a timezone-aware datetime")
    return cutoff
