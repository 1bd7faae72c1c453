"""The FAQ entries' button titles and canonical questions, read from the corpus.

Read again only when a corpus file changes (the content editor saves while the action server
and the web app run), so callers on a request path do not reload the YAML each time.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Collection, Dict, Iterable, List, Tuple

from bot.faq.corpus import corpus_files, load_corpus

MAX_SUGGESTIONS = 3
# Candidates weaker than this are noise, not suggestions.
MIN_SUGGESTION_CONFIDENCE = 0.05


def faq_titles(corpus_dir: str = "") -> Dict[str, Tuple[str, str]]:
    """FAQ id -> (title, canonical question), from FAQ_CORPUS or faq_corpus/."""
    folder = Path(corpus_dir or os.environ.get("FAQ_CORPUS", "faq_corpus"))
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in corpus_files(folder))
    return _titles(str(folder), stamp)


@lru_cache(maxsize=4)
def _titles(folder: str, stamp: tuple) -> Dict[str, Tuple[str, str]]:  # noqa: ARG001 - cache key
    return {
        entry.id: (entry.title, entry.question)
        for corpus_file in load_corpus(Path(folder))
        for entry in corpus_file.entries
    }


def suggested_ids(
    ranking: Iterable[Tuple[str, float]],
    titles: Dict[str, Tuple[str, str]],
    exclude: Collection[str] = (),
) -> List[str]:
    """FAQ ids of a (label, confidence) ranking worth offering, best first (at most three).

    Never one alone: a choice of one answers itself, so a single candidate above the floor is
    offered with the next best entries (none above it: nothing is offered)."""
    candidates = [label for label, _ in ranking if label in titles and label not in exclude]
    strong = [
        label
        for label, confidence in ranking
        if label in titles and label not in exclude and confidence >= MIN_SUGGESTION_CONFIDENCE
    ]
    if len(strong) == 1:
        return candidates[:MAX_SUGGESTIONS]
    return strong[:MAX_SUGGESTIONS]


def faq_buttons(faq_ids: Iterable[str], titles: Dict[str, Tuple[str, str]]) -> List[Dict[str, str]]:
    """One "did you mean" button per entry: its title, and its canonical question as payload.

    The canonical question is in the training data, so a click is understood like any typed
    question and the answer follows the usual rules.
    """
    return [{"title": titles[faq_id][0], "payload": titles[faq_id][1]} for faq_id in faq_ids]
