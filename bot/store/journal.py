"""Web-app records in the store: logins of every kind, agents' judgements, the conversation log.

Like `Store`, every method is one unit of work and returns frozen views.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.store.database import make_engine
from bot.store.models import Judgement, Staff, Turn, User
from bot.store.passwords import dummy_hash, verify_password
from bot.store.views import Account, JudgementView, TurnView


@dataclass(frozen=True)
class TurnRecord:
    """What the web app knows of a turn when it logs it."""

    conversation_id: str
    username: str | None
    text: str
    intent: str | None
    faq_id: str | None
    confidence: float | None
    fallback: bool
    reply: str
    outcome: str = "ok"


def _clip(text: str | None, limit: int) -> str | None:
    return None if text is None else text[:limit]


class Journal:
    """Accounts, judgements and turns in the store at `engine` (default: DATABASE_URL)."""

    def __init__(self, engine: Engine | str | None = None) -> None:
        self._owned = not isinstance(engine, Engine)
        self._engine = engine if isinstance(engine, Engine) else make_engine(engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        if self._owned:
            self._engine.dispose()

    def _session(self) -> Session:
        return Session(self._engine, future=True)

    def ping(self) -> None:
        """Raises when the store does not answer."""
        with self._engine.connect() as connection:
            connection.execute(select(1))

    # ------------------------------------------------------------ accounts

    def login(self, username: str, password: str) -> Account | None:
        """The customer or staff account when the password is right, else None (same cost)."""
        if not isinstance(username, str) or not isinstance(password, str):
            return None
        with self._session() as session:
            user = session.execute(select(User).where(User.username == username)).scalar()
            staff = None
            if user is None:
                staff = session.execute(select(Staff).where(Staff.username == username)).scalar()
            found = user or staff
            stored = found.password_hash if found is not None else dummy_hash()
            if not verify_password(password, stored) or found is None:
                return None
            role = "customer" if user is not None else staff.role
            return Account(found.username, found.display_name, role)

    # ------------------------------------------------------------ judgements

    def add_judgement(
        self, judged_by: str, text: str, predicted: str | None, correct: bool, label: str
    ) -> JudgementView:
        row = Judgement(
            judged_at=datetime.now(timezone.utc),
            judged_by=judged_by,
            text=text[:2000],
            predicted=_clip(predicted, 200),
            correct=bool(correct),
            label=label[:200],
        )
        with self._session() as session, session.begin():
            session.add(row)
            session.flush()
            return judgement_view(row)

    def judgements(self) -> list[JudgementView]:
        with self._session() as session:
            rows = session.execute(select(Judgement).order_by(Judgement.id)).scalars()
            return [judgement_view(row) for row in rows]

    # ------------------------------------------------------------ conversation log

    def log_turn(self, record: TurnRecord) -> None:
        with self._session() as session, session.begin():
            session.add(
                Turn(
                    at=datetime.now(timezone.utc),
                    conversation_id=record.conversation_id[:64],
                    username=record.username,
                    text=record.text[:2000],
                    intent=_clip(record.intent, 200),
                    faq_id=_clip(record.faq_id, 200),
                    confidence=record.confidence,
                    fallback=record.fallback,
                    reply=record.reply[:8000],
                    outcome=record.outcome[:20],
                )
            )

    def turns(self, conversation_id: str | None = None, limit: int = 1000) -> list[TurnView]:
        """The latest turns (of one conversation, if given), oldest first."""
        query = select(Turn).order_by(Turn.id.desc()).limit(limit)
        if conversation_id is not None:
            query = query.where(Turn.conversation_id == conversation_id)
        with self._session() as session:
            rows = list(session.execute(query).scalars())
        return [turn_view(row) for row in reversed(rows)]

    def turn_count(self) -> int:
        with self._session() as session:
            return session.execute(select(func.count(Turn.id))).scalar_one()


def judgement_view(row: Judgement) -> JudgementView:
    return JudgementView(
        row.id, row.judged_at, row.judged_by, row.text, row.predicted, row.correct, row.label
    )


def turn_view(row: Turn) -> TurnView:
    return TurnView(
        row.at,
        row.conversation_id,
        row.username,
        row.text,
        row.intent,
        row.faq_id,
        row.confidence,
        row.fallback,
        row.reply,
        row.outcome,
    )
