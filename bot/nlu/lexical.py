"""BM25 over Sudachi content words (bot/nlu/segmenter.py), without Rasa: the knowledge snapshot
is built in the web app's Python, the FAQ ranker reads the same index in Rasa's."""

from __future__ import annotations

import logging
from typing import List

import numpy as np

from bot.nlu.segmenter import content_terms

# bm25s logs each index build; at parse time that is noise (and `bot ask` stdout is data).
logging.getLogger("bm25s").setLevel(logging.WARNING)


class Bm25Index:
    """bm25s over one term list per document; scores a query's terms against all of them."""

    def __init__(self, documents: List[List[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self._index = None
        if documents:
            import bm25s

            self._index = bm25s.BM25(k1=k1, b=b)
            self._index.index([doc or ["<empty>"] for doc in documents], show_progress=False)

    def scores(self, terms: List[str], n: int) -> np.ndarray:
        """The score of each of the `n` documents (zeros without an index or query terms)."""
        if self._index is None or not terms:
            return np.zeros(n)
        return np.asarray(self._index.get_scores(terms), dtype=np.float64)


__all__ = ["Bm25Index", "content_terms"]
