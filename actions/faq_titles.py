"""The FAQ entries' button titles and canonical questions, read once from the corpus."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Dict, Tuple

from bot.faq.corpus import load_corpus


@lru_cache(maxsize=4)
def faq_titles(corpus_dir: str = "") -> Dict[str, Tuple[str, str]]:
    """FAQ id -> (title, canonical question), from FAQ_CORPUS or faq_corpus/."""
    folder = Path(corpus_dir or os.environ.get("FAQ_CORPUS", "faq_corpus"))
    return {
        entry.id: (entry.title, entry.question)
        for corpus_file in load_corpus(folder)
        for entry in corpus_file.entries
    }
