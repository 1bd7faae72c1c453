"""A customer's rights: everything stored about them as one document, and erasing their chats.

Erasure deletes the customer's conversations from the conversation log (`turns`) and from
Rasa's tracker store, including the answers an agent looked at "as" the customer in the console.
The store's orders, contracts and invoices stay: they stand for the shop's business records.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List

from sqlalchemy.engine import Engine

from bot.store import Store
from bot.store.audit import AuditLog
from bot.store.conversations import ConversationLog
from bot.store.trackers import TrackerEvents

EXPORT_FORMAT = "faq-bot customer data export, version 1"
TOKEN_SHOWN_AS = "[identity token removed]"


class UnknownCustomer(LookupError):
    """Nobody of that name is in the store, and nothing is stored under it."""


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure deleted (or, on a dry run, would delete)."""

    customer: str
    turns: int
    conversations: int
    events: int
    dry_run: bool

    @property
    def nothing(self) -> bool:
        return self.turns == 0 and self.events == 0

    def describe(self) -> str:
        if self.nothing:
            return (
                f"nothing to erase for {self.customer}: no turns in the conversation log "
                "and no events in Rasa's tracker store (0 deleted)"
            )
        verb = "would delete" if self.dry_run else "deleted"
        return (
            f"erase {self.customer}: {verb} {self.turns} turn(s) from the conversation log and "
            f"{self.events} event(s) of {self.conversations} conversation(s) from Rasa's "
            "tracker store; orders, contracts and invoices kept (the shop's business records)"
        )

    def as_detail(self) -> dict:
        return {
            "turns": self.turns,
            "conversations": self.conversations,
            "events": self.events,
            "dry_run": self.dry_run,
        }


def _console_conversations(audit: AuditLog, username: str) -> List[str]:
    """Conversations an agent had with Rasa as the customer (answer-as-customer)."""
    rows = audit.entries(customer=username, action="answer_as_customer", limit=100_000)
    return [row.detail["conversation"] for row in rows if row.detail.get("conversation")]


def _conversation_ids(store: Engine, username: str) -> tuple[List[str], List[str]]:
    chats = ConversationLog(store).conversation_ids_of(username)
    console = [c for c in _console_conversations(AuditLog(store), username) if c not in chats]
    return chats, console


def _without_token(event: dict) -> dict:
    # The signed identity token in each message's metadata is a credential, expired or not.
    metadata = event.get("metadata")
    if isinstance(metadata, dict) and "token" in metadata:
        return {**event, "metadata": {**metadata, "token": TOKEN_SHOWN_AS}}
    return event


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _rows(views) -> List[Dict[str, Any]]:
    return [{k: _plain(v) for k, v in asdict(view).items()} for view in views]


def export_customer(store: Engine, trackers: Engine, username: str) -> Dict[str, Any]:
    """Everything stored about `username`, as one JSON-ready document."""
    shop = Store(store)
    profile = shop.user(username)
    log = ConversationLog(store)
    turns = log.turns_of(username)
    if profile is None and not turns:
        raise UnknownCustomer(username)
    chats, console = _conversation_ids(store, username)
    stored = TrackerEvents(trackers).conversations(chats + console)
    conversations = [
        {
            "sender_id": sender_id,
            "source": "chat" if sender_id in chats else "agent console (answer as customer)",
            "events": [_without_token(event) for event in stored[sender_id]],
        }
        for sender_id in chats + console
        if sender_id in stored
    ]
    return {
        "format": EXPORT_FORMAT,
        "customer": username,
        "exported_at": datetime.now(timezone.utc).isoformat(),
        "profile": _rows([profile])[0] if profile else None,
        "orders": _rows(shop.orders_of(username)),
        "contracts": _rows(shop.contracts_of(username)),
        "invoices": _rows(shop.invoices_of(username)),
        "conversation_log": _rows(turns),
        "tracker_store": conversations,
        "judgements": _rows(log.judgements_on(turn.text for turn in turns)),
        "audit": _rows(AuditLog(store).entries(customer=username, limit=100_000)),
    }


def erase_customer(
    store: Engine, trackers: Engine, username: str, dry_run: bool = False
) -> ErasureReport:
    """Deletes the customer's conversations from both stores; says what went."""
    log, events = ConversationLog(store), TrackerEvents(trackers)
    chats, console = _conversation_ids(store, username)
    if Store(store).user(username) is None and not chats and not console:
        raise UnknownCustomer(username)
    stored = events.counts_of(chats + console)
    conversations = len(set(chats) | set(stored))
    if dry_run:
        turns, deleted = log.count_of(username, chats), sum(stored.values())
    else:
        # Rasa's copy first: should the second step fail, a rerun still finds the turns that
        # name the conversations.
        deleted = events.delete_conversations(stored)
        turns = log.delete_of(username, chats)
    return ErasureReport(username, turns, conversations, deleted, dry_run)
