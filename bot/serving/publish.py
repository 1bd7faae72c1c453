"""Which model the Rasa servers pull: the published one, after it passed validation.

A trained model is only a file in `models/`. It becomes the one every Rasa worker and server
answers with when it is *published*: `published.json` beside the archives names it, and the
web app's model server (bot/web/model_server.py) hands it out. The content editor's retrain
validates a new model first (it loads and answers the entries' canonical questions); a model
that fails is moved out of `models/` to `var/rejected-models/`, so nothing ever serves it.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Dict

# publish and reject touch only files: bot/models.py has them, for the web app too
from bot.models import publish, reject  # noqa: F401

MIN_CANONICAL_ACCURACY = 0.9  # share of entries whose own question must find that entry


async def canonical_check(agent: Any, corpus_dir: Path) -> Dict[str, Any]:
    """Asks a loaded agent every entry's canonical question; which ones found their entry."""
    from bot.faq.corpus import load_corpus
    from bot.nlu.ranking import predicted_label

    entries = [entry for file in load_corpus(corpus_dir) for entry in file.entries]
    wrong = []
    for entry in entries:
        label, _ = predicted_label(await agent.parse_message(entry.question))
        if label != entry.id:
            wrong.append({"id": entry.id, "question": entry.question, "answered_as": label})
    right = len(entries) - len(wrong)
    accuracy = right / len(entries) if entries else 0.0
    return {
        "ok": bool(entries) and accuracy >= MIN_CANONICAL_ACCURACY,
        "questions": len(entries),
        "right": right,
        "accuracy": round(accuracy, 4),
        "wrong": wrong[:20],
    }


def validate_model(model: Path, corpus_dir: Path) -> Dict[str, Any]:
    """Loads `model` like a Rasa server would and checks the canonical questions."""
    from bot.serving.quiet import quiet_rasa

    quiet_rasa()
    from rasa.core.agent import Agent

    started = time.monotonic()
    try:
        agent = Agent.load(str(model))
    except Exception as error:  # noqa: BLE001 - any failure to load is a failed validation
        return {"ok": False, "error": f"{type(error).__name__}: {error}"[:500]}
    result = asyncio.run(canonical_check(agent, corpus_dir))
    result["seconds"] = round(time.monotonic() - started, 1)
    return result
