"""The audit log: every look at a customer's data by staff, every export, erase and purge."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Dict, List

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.store.models import AUDIT_ACTIONS, AuditEntry
from bot.store.views import AuditView


class AuditLog:
    """Appends to and reads the audit log of the store at `engine`; rows are never changed."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(
        self,
        actor: str,
        action: str,
        customer: str | None,
        client: str,
        detail: Dict[str, Any] | None = None,
    ) -> AuditView:
        """Writes one row and returns it; raises when the store cannot take it."""
        if action not in AUDIT_ACTIONS:
            raise ValueError(f"unknown audit action {action!r}; one of {', '.join(AUDIT_ACTIONS)}")
        row = AuditEntry(
            at=datetime.now(timezone.utc),
            actor=actor[:100],
            action=action,
            customer=customer[:100] if customer else None,
            client=(client or "?")[:200],
            detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)[:2000],
        )
        with Session(self._engine, future=True) as session, session.begin():
            session.add(row)
            session.flush()
            return _view(row)

    def entries(
        self, customer: str | None = None, action: str | None = None, limit: int = 500
    ) -> List[AuditView]:
        """The newest rows first (of one customer or one action, when given)."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if customer is not None:
            query = query.where(AuditEntry.customer == customer)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        with Session(self._engine, future=True) as session:
            return [_view(row) for row in session.execute(query).scalars()]


def _view(row: AuditEntry) -> AuditView:
    try:
        detail = json.loads(row.detail or "{}")
    except ValueError:  # clipped at 2000 characters: shown as the text it is
        detail = {"text": row.detail}
    return AuditView(row.id, row.at, row.actor, row.action, row.customer, row.client, detail)
