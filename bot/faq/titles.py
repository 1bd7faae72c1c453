"""The FAQ entries' button titles and canonical questions, read from the corpus.

Read again only when a corpus file changes (the content editor saves while the action server
and the web app run), so callers on a request path do not reload the YAML each time.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Dict, Tuple

from bot.faq.corpus import corpus_files, load_corpus


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
