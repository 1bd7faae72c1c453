"""Sudachi content words and BM25 over them, without Rasa (the knowledge snapshot is built in
the web app's Python; the FAQ ranker reads the same index in Rasa's)."""

from __future__ import annotations

import logging
from typing import Any, List, Sequence

import numpy as np

# bm25s logs each index build; at parse time that is noise (and `bot ask` stdout is data).
logging.getLogger("bm25s").setLevel(logging.WARNING)

# Words that carry the topic; particles, auxiliaries and symbols do not.
CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞", "副詞", "接頭辞", "接尾辞"}
# Lemmas (Sudachi normalized forms) that every kind of question uses.
STOP_LEMMAS = {
    "為る", "有る", "居る", "成る", "出来る", "教える", "下さる", "思う", "良い", "言う",
    "事", "物", "様", "方", "もの", "こと", "よう", "ほう", "ため", "無い", "貰う", "頂く",
}  # fmt: skip


def content_terms(tokens: Sequence[Any] | None) -> List[str]:
    """The lemmas of the content words among `tokens`."""
    return [
        t.lemma
        for t in tokens or []
        if (t.data or {}).get("pos") in CONTENT_POS and t.lemma and t.lemma not in STOP_LEMMAS
    ]


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
