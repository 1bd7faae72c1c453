"""How well the bot reads a conversation: the development sets `eval/*/conversations.yml`.

Each conversation is played turn by turn in process: a turn is parsed with the context the web
channel would give it (bot/nlu/context.py, from the turns before), and its label compared with
the gold one. Accuracy is reported per kind of turn: `first` (opening questions), `elliptical`
(leaning on the turn before), `switch` (a complete question on a new topic) and `explicit` (same
topic, complete); with `context=False` every turn is read alone, as before context existed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

from bot.nlu.context import context_from_turns
from bot.nlu.ranking import FALLBACK_LABEL, predicted_label

KINDS = ("first", "elliptical", "switch", "explicit")
SHOP_CONVERSATIONS = Path("eval/shop/conversations.yml")
BYO_CONVERSATIONS = Path("eval/byo_faq/conversations.yml")


def load_conversations(path: Path) -> List[Dict[str, Any]]:
    """The conversations of a development set: `[{"id", "turns": [{"text","label","kind"}]}]`."""
    data = yaml.safe_load(Path(path).read_text("utf-8")) or {}
    conversations = data.get("conversations") or []
    for conversation in conversations:
        for turn in conversation["turns"]:
            if turn.get("kind") not in KINDS:
                raise ValueError(
                    f"{path}: conversation {conversation.get('id')}: kind {turn.get('kind')!r} "
                    f"is not one of {', '.join(KINDS)}"
                )
    return conversations


async def parse_in_context(agent: Any, text: str, context: Dict[str, Any]) -> Dict[str, Any]:
    """One turn parsed in process as the web channel parses it (context in the metadata)."""
    from rasa.core.channels.channel import UserMessage

    metadata = {"context": context} if context else {}
    return await agent.processor.parse_message(UserMessage(text, metadata=metadata))


async def play(
    agent: Any, conversations: List[Dict[str, Any]], context: bool = True
) -> List[Dict[str, Any]]:
    """Every turn of every conversation: kind, gold, predicted, the reading used, latency."""
    rows = []
    for conversation in conversations:
        earlier: List[Tuple[str, Dict[str, Any]]] = []
        for turn in conversation["turns"]:
            given = context_from_turns(earlier) if context else {}
            started = time.perf_counter()
            parse = await parse_in_context(agent, turn["text"], given)
            elapsed = (time.perf_counter() - started) * 1000
            reading = parse.get("context_reading") or {}
            rows.append(
                {
                    "conversation": conversation["id"],
                    "text": turn["text"],
                    "kind": turn["kind"],
                    "expected": turn["label"],
                    "predicted": predicted_label(parse)[0],
                    "reading": reading.get("used", "alone"),
                    "why": reading.get("why", ""),
                    "ms": elapsed,
                }
            )
            earlier.append((turn["text"], parse))
    return rows


def figures(rows: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Accuracy per kind of turn, the share sent to "did you mean", how often context was used."""
    out: Dict[str, Any] = {}
    for kind in KINDS:
        chosen = [r for r in rows if r["kind"] == kind]
        if not chosen:
            continue
        out[kind] = {
            "turns": len(chosen),
            "accuracy": sum(r["predicted"] == r["expected"] for r in chosen) / len(chosen),
            "did_you_mean": sum(r["predicted"] == FALLBACK_LABEL for r in chosen) / len(chosen),
            "read_in_context": sum(r["reading"] == "context" for r in chosen) / len(chosen),
        }
    later = [r for r in rows if r["kind"] != "first"]
    out["all_turns"] = {
        "turns": len(rows),
        "accuracy": sum(r["predicted"] == r["expected"] for r in rows) / max(1, len(rows)),
    }
    out["later_turns"] = {
        "turns": len(later),
        "accuracy": sum(r["predicted"] == r["expected"] for r in later) / max(1, len(later)),
    }
    out["errors"] = [
        {k: r[k] for k in ("conversation", "kind", "text", "expected", "predicted", "reading")}
        for r in rows
        if r["predicted"] != r["expected"]
    ]
    return out


def both_readings(agent: Any, conversations: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Accuracy per kind in context and with every turn alone, on the same model."""
    import asyncio

    in_context = figures(asyncio.run(play(agent, conversations, context=True)))
    alone = figures(asyncio.run(play(agent, conversations, context=False)))
    return {"conversations": len(conversations), "in_context": in_context, "alone": alone}


def markdown_rows(result: Dict[str, Any], name: str) -> List[str]:
    """Table rows: accuracy per kind of turn, in context beside alone."""
    rows = []
    for kind in (*KINDS, "all_turns"):
        now, alone = result["in_context"].get(kind), result["alone"].get(kind)
        if now is None:
            continue
        shown = "all turns" if kind == "all_turns" else kind
        extra = [now.get(k) for k in ("did_you_mean", "read_in_context")]
        rows.append(
            f"| {name} | {shown} ({now['turns']}) | {now['accuracy']:.3f} | "
            f"{alone['accuracy']:.3f} | "
            + " | ".join("–" if v is None else f"{v:.3f}" for v in extra)
            + " |"
        )
    return rows


TABLE_HEAD = [
    '| set | kind of turn | in context | alone | to "did you mean" | read in context |',
    "| --- | --- | ---: | ---: | ---: | ---: |",
]
