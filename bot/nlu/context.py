"""A conversation's context for reading a follow-up: what was typed before, the entry answered.

The context of a turn is built from the earlier user turns of the same conversation and the
same session only (a new session, a restart, another conversation: no context):
- `questions`: the texts of the last `MAX_QUESTIONS` user turns, newest last, as the tracker
  keeps them (the web app masks personal data before Rasa sees a message, so this is the
  masked text the conversation log keeps); button payloads (`/intent`) are left out;
- `entry`: the FAQ entry the bot answered last, if it answered one within the last
  `STALE_AFTER` user turns (an old topic is no context for a new question).

It is built by the Rasa web channel from the tracker (`context_from_events`), by the agent
console from the turns an agent typed, and by `make eval` from a development conversation
(`context_from_turns`), and reaches the NLU as `metadata["context"]` of the message.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

MAX_QUESTIONS = 2
STALE_AFTER = 2
RETRIEVAL_INTENT = "faq"
SESSION_RESETS = {"session_started", "restart"}


def answered_entry(parse: Dict[str, Any] | None) -> Optional[str]:
    """The FAQ id a parse was answered with, or None (fallback, a named intent, no parse)."""
    intent = ((parse or {}).get("intent") or {}).get("name")
    if intent != RETRIEVAL_INTENT:
        return None
    selector = ((parse or {}).get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    key = (selector.get("response") or {}).get("intent_response_key") or ""
    return key.split("/", 1)[1] if "/" in key else (key or None)


def context_from_turns(turns: Sequence[Tuple[str, Dict[str, Any] | None]]) -> Dict[str, Any]:
    """The context for the next turn, from (text, parse) of the earlier user turns, oldest first.

    Empty (`{}`) when there is nothing to lean on."""
    typed = [(t, p) for t, p in turns if isinstance(t, str) and t.strip()]
    questions = [t for t, _ in typed if not t.startswith("/")][-MAX_QUESTIONS:]
    entry = None
    for _text, parse in list(reversed(typed))[:STALE_AFTER]:
        entry = answered_entry(parse)
        if entry:
            break
    if not questions and not entry:
        return {}
    return {"questions": questions, "entry": entry}


def _kind(event: Any) -> Optional[str]:
    if isinstance(event, dict):
        return event.get("event")
    return getattr(event, "type_name", None)


def _user_turn(event: Any) -> Tuple[str, Dict[str, Any] | None]:
    if isinstance(event, dict):
        return event.get("text") or "", event.get("parse_data")
    return getattr(event, "text", None) or "", getattr(event, "parse_data", None)


def session_turns(events: Iterable[Any]) -> List[Tuple[str, Dict[str, Any] | None]]:
    """(text, parse) of the user turns since the last session start or restart."""
    turns: List[Tuple[str, Dict[str, Any] | None]] = []
    for event in events:
        kind = _kind(event)
        if kind in SESSION_RESETS:
            turns = []
        elif kind == "user":
            turns.append(_user_turn(event))
    return turns


def context_from_events(events: Iterable[Any]) -> Dict[str, Any]:
    """The context for the next turn of a conversation, from its tracker events (objects or
    dicts, as Rasa's tracker and its JSON keep them)."""
    return context_from_turns(session_turns(events))
