"""How alike two unanswered questions are, and the clustering on it (bot/insights/groups.py).

A question is compared through one feature row, so every pair costs one cosine, as e5 alone did:
- its e5 `query:` vector, read in its conversation's context when it is a short follow-up: a
  question of at most CONTEXT_MAX_TERMS content words (「日割りになる?」「宛名は変えられる?」)
  gets CONTEXT_WEIGHT × the vector of the question typed just before it in the same conversation
  (averaged over the conversations it was asked in);
- the distribution of its nearest FAQ entries: softmax(ENTRY_SHARPNESS × its best cosine with
  each entry's training questions), square-rooted and scaled by √ENTRY_WEIGHT, so the cosine of
  two rows is (e5 cosine + ENTRY_WEIGHT × Bhattacharyya overlap of the two distributions) /
  (1 + ENTRY_WEIGHT).

The rows are clustered with complete linkage under DISTANCE_THRESHOLD (every two questions of a
group are that close); a question then left alone joins the group it is closest to on average,
or the other lone question whose nearest it is (and the reverse), within ATTACH_THRESHOLD.

Chosen on the development log eval/shop/unanswered_log.yml (`python -m bot.insights.need_log`,
reports/grouping_log.md): the setting with the most coverage whose purity is ≥ 0.87 (the
target's 0.85 and a margin, since purity fell by 0.025 from that log to the held-out one under
e5 alone). Sudachi term overlap (TF-IDF cosine of content words) was measured too and never
helped on that log: different needs of one area share their words (請求書の再発行 / 紙の請求書).
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import List, Sequence

import numpy as np

DISTANCE_THRESHOLD = 0.08
ATTACH_THRESHOLD = 0.085
LINKAGE = "complete"
CONTEXT_WEIGHT = 0.5
CONTEXT_MAX_TERMS = 2
ENTRY_WEIGHT = 0.2
ENTRY_SHARPNESS = 20.0

_segmenter = None
_segmenter_lock = threading.Lock()


def content_word_count(text: str) -> int:
    """How many content words (Sudachi lemmas, bot/nlu/segmenter.py) the text has."""
    global _segmenter
    from bot.nlu.segmenter import SudachiSegmenter, content_terms

    with _segmenter_lock:
        if _segmenter is None:
            _segmenter = SudachiSegmenter("C")  # the dictionary loads once per process
        return len(content_terms(_segmenter.tokens(text)))


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def in_context(vectors: np.ndarray, context: np.ndarray, short: Sequence[bool]) -> np.ndarray:
    """The short questions' vectors plus CONTEXT_WEIGHT × their context (zero rows: none)."""
    mixed = vectors.copy()
    rows = np.flatnonzero(np.asarray(short, dtype=bool) & (np.abs(context).sum(axis=1) > 0))
    mixed[rows] = unit_rows(vectors[rows] + CONTEXT_WEIGHT * context[rows])
    return mixed


def entry_distribution(vectors: np.ndarray, corpus_matrix, faq_ids: Sequence[str]) -> np.ndarray:
    """softmax(ENTRY_SHARPNESS × each entry's best cosine), one row per question."""
    entries = sorted(set(faq_ids))
    if corpus_matrix is None or not entries:
        return np.zeros((len(vectors), 0), dtype=np.float32)
    cosines = vectors @ corpus_matrix.T
    owner = np.array(faq_ids)
    best = np.stack([cosines[:, owner == e].max(axis=1) for e in entries], axis=1)
    weights = np.exp(ENTRY_SHARPNESS * (best - best.max(axis=1, keepdims=True)))
    return weights / weights.sum(axis=1, keepdims=True)


def features(vectors: np.ndarray, corpus_matrix, faq_ids: Sequence[str]) -> np.ndarray:
    """One row per question whose cosines are the combined similarity (module docstring)."""
    distribution = entry_distribution(vectors, corpus_matrix, faq_ids)
    if not distribution.shape[1]:
        return vectors
    return np.hstack([vectors, np.sqrt(ENTRY_WEIGHT * distribution)]).astype(np.float32)


def cluster(rows: np.ndarray, threshold: float = DISTANCE_THRESHOLD) -> np.ndarray:
    """A cluster label per row: complete linkage under `threshold` cosine distance."""
    if len(rows) < 2:
        return np.zeros(len(rows), dtype=int)
    import sklearn
    from sklearn.cluster import AgglomerativeClustering

    # scikit-learn 1.2 renamed `affinity` to `metric`: the web app's is new, Rasa's is 1.1
    old = tuple(int(part) for part in sklearn.__version__.split(".")[:2]) < (1, 2)
    model = AgglomerativeClustering(
        n_clusters=None,
        distance_threshold=threshold,
        linkage=LINKAGE,
        **{"affinity" if old else "metric": "cosine"},
    )
    return model.fit_predict(rows)


def attach_alone(labels: np.ndarray, rows: np.ndarray, threshold: float) -> np.ndarray:
    """Lone questions into the group closest on average, or paired with the lone question that
    is their mutual nearest, when within `threshold` cosine distance."""
    labels = np.asarray(labels).copy()
    sizes = Counter(labels.tolist())
    alone = [i for i, label in enumerate(labels) if sizes[label] == 1]
    if not alone:
        return labels
    units = unit_rows(np.asarray(rows, dtype=np.float32))
    groups = [label for label in sizes if sizes[label] > 1]
    placed: List[int] = []
    if groups:
        centroids = np.stack([units[labels == label].mean(axis=0) for label in groups])
        distances = 1.0 - units[alone] @ centroids.T  # the mean distance to the members
        for i, row in zip(alone, distances):
            if row.min() <= threshold:
                labels[i] = groups[int(np.argmin(row))]
                placed.append(i)
    rest = [i for i in alone if i not in set(placed)]
    if len(rest) > 1:
        distances = 1.0 - units[rest] @ units[rest].T
        np.fill_diagonal(distances, np.inf)
        nearest = distances.argmin(axis=1)
        for a, b in enumerate(nearest):
            if a < b and nearest[b] == a and distances[a, b] <= threshold:
                labels[rest[b]] = labels[rest[a]]
    return labels
