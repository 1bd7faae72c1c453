"""The ways of reading a follow-up in context, compared on the conversation development sets.

`python -m bot.evaluation.context_methods [--model M] [--conversations FILE]` loads one trained
model and plays every conversation once per method of bot/nlu/context_reading.py (and alone),
changing only the FAQ ranker's `context` settings between runs: accuracy per kind of turn and
the parse time, into reports/context_methods.{md,json}. The defaults in config.yml come from it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.evaluation.conversations import (
    KINDS,
    SHOP_CONVERSATIONS,
    figures,
    load_conversations,
    play,
)

VARIANTS: List[Dict[str, Any]] = [
    {"method": "join", "gain": 0.05},
    {"method": "join", "gain": 0.05, "questions": 2},
    {"method": "mix", "weight": 0.5, "gain": 0.05},
    {"method": "mix", "weight": 1.0, "gain": 0.0},
    {"method": "mix", "weight": 1.0, "gain": 0.05},
    {"method": "mix", "weight": 1.0, "gain": 0.1},
    {"method": "mix", "weight": 1.5, "gain": 0.05},
    {"method": "entry", "weight": 1.0, "gain": 0.0},
    {"method": "entry", "weight": 1.0, "gain": 0.05},
    {"method": "entry", "weight": 1.5, "gain": 0.05},
    {"method": "both", "weight": 0.5, "gain": 0.05},
    {"method": "both", "weight": 0.7, "gain": 0.05},
    {"method": "prior", "weight": 1.0, "gain": 0.05},
]


def faq_ranker(agent: Any) -> Any:
    """The loaded model's FaqRanker component."""
    from bot.nlu.faq_ranker import FaqRanker

    nodes = agent.processor.graph_runner._instantiated_nodes  # noqa: SLF001 - Rasa keeps no API
    for node in nodes.values():
        component = getattr(node, "_component", None)
        if isinstance(component, FaqRanker):
            return component
    raise LookupError("the model has no bot.nlu.faq_ranker.FaqRanker in its pipeline")


def set_context(ranker: Any, settings: Optional[Dict[str, Any]]) -> None:
    ranker._config["context"] = settings  # noqa: SLF001 - the comparison's one knob
    ranker.context_reader().ranker.reader = None  # the index's reading, made again


def compare(
    agent: Any, conversations: List[Dict[str, Any]], variants: List[Dict[str, Any]] = VARIANTS
) -> List[Dict[str, Any]]:
    """One result per variant (the first: every turn alone, as before context existed)."""
    ranker = faq_ranker(agent)
    chosen = dict(ranker._config["context"] or {})  # noqa: SLF001
    results = []
    for settings in [None, *variants]:
        set_context(ranker, settings)
        asyncio.run(play(agent, conversations[:3], context=settings is not None))  # warm-up
        rows = asyncio.run(play(agent, conversations, context=settings is not None))
        ms = sorted(r["ms"] for r in rows)
        results.append(
            {
                "settings": settings or "alone",
                "figures": figures(rows),
                "parse_ms_p50": statistics.median(ms),
                "parse_ms_p95": ms[min(len(ms) - 1, round(0.95 * len(ms)) - 1)],
            }
        )
    set_context(ranker, chosen)
    return results


def markdown(results: List[Dict[str, Any]], source: str) -> str:
    lines = [
        f"# Reading follow-ups in context: methods on `{source}`",
        "",
        "| method | " + " | ".join(KINDS) + " | all | parse p50 / p95 ms |",
        "| --- | " + " | ".join("---" for _ in KINDS) + " | --- | --- |",
    ]
    for result in results:
        f = result["figures"]
        cells = [f"{f[k]['accuracy']:.3f}" if k in f else "–" for k in KINDS]
        lines.append(
            f"| {json.dumps(result['settings'], ensure_ascii=False)} | "
            + " | ".join(cells)
            + f" | {f['all_turns']['accuracy']:.3f} | "
            f"{result['parse_ms_p50']:.1f} / {result['parse_ms_p95']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.evaluation.context_methods")
    parser.add_argument("--model", help="a model archive (default: the newest in models/)")
    parser.add_argument("--conversations", type=Path, default=SHOP_CONVERSATIONS)
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument("--only", help="comma-separated variant numbers (1 = the first)")
    args = parser.parse_args(argv)
    from rasa.core.agent import Agent

    from bot.models import latest_model

    agent = Agent.load(args.model or str(latest_model()))
    chosen = [VARIANTS[int(i) - 1] for i in args.only.split(",")] if args.only else VARIANTS
    results = compare(agent, load_conversations(args.conversations), chosen)
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"context_methods_{args.conversations.parent.name}"
    (args.out / f"{name}.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2), "utf-8"
    )
    text = markdown(results, str(args.conversations))
    (args.out / f"{name}.md").write_text(text, "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
