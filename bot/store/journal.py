"""Web-app records in the store: logins of every kind, agents' judgements, the conversation log.

Like `Store`, every method is one unit of work and returns frozen views.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.store.database import make_engine
from bot.store.models import FEEDBACK, Judgement, Staff, Turn, User
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
    candidates: Sequence[tuple[str, float]] = ()  # [(label, confidence)], best first
    reading: str | None = None  # "context" / "alone" when the turn had a context to lean on


def _candidates_json(candidates: Sequence[tuple[str, float]]) -> str | None:
    """As many (label, confidence) pairs as fit the column, as JSON."""
    rows: list = []
    for label, confidence in candidates:
        row = [str(label)[:200], round(float(confidence), 4)]
        if len(json.dumps(rows + [row], ensure_ascii=False)) > 2000:
            break
        rows.append(row)
    return json.dumps(rows, ensure_ascii=False) if rows else None


def _candidates_of(stored: str | None) -> tuple[tuple[str, float], ...]:
    if not stored:
        return ()
    try:
        return tuple((str(label), float(score)) for label, score in json.loads(stored))
    except (ValueError, TypeError):
        return ()


_INSERT_TURN = insert(Turn.__table__)


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

    def log_turn(self, record: TurnRecord) -> int:
        """Stores the turn; its id, which the customer's feedback names."""
        # One INSERT in one transaction, without the ORM's unit of work (every chat turn).
        row = dict(
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
            candidates=_candidates_json(record.candidates),
            reading=_clip(record.reading, 16),
        )
        with self._engine.begin() as connection:
            return connection.execute(_INSERT_TURN, row).inserted_primary_key[0]

    def turn(self, turn_id: int) -> TurnView | None:
        with self._session() as session:
            row = session.get(Turn, turn_id)
            return turn_view(row) if row is not None else None

    def set_feedback(self, turn_id: int, conversation_id: str, feedback: str) -> TurnView | None:
        """Records (or changes) the feedback on a turn of `conversation_id`; None when that
        conversation has no such turn. One value per turn: a second click replaces the first."""
        if feedback not in FEEDBACK:
            raise ValueError(f"feedback must be one of {FEEDBACK}, not {feedback!r}")
        with self._session() as session, session.begin():
            row = session.get(Turn, turn_id)
            if row is None or row.conversation_id != conversation_id:
                return None
            row.feedback = feedback
            row.feedback_at = datetime.now(timezone.utc)
            session.flush()
            return turn_view(row)

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
        row.id,
        _candidates_of(row.candidates),
        row.feedback,
        row.reading,
    )
