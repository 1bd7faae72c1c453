"""The FAQ index a snapshot holds, and the ranking over it (no Rasa: both Pythons read it).

For every entry it scores a question by
- `dense`: the cosine similarity to the entry's closest example (its canonical question
  included), or with `example_kind: passage` to the examples embedded as e5 "passage";
- `answer`: the similarity to the entry's answer (or first example and answer together);
- `bm25`: Sudachi BM25 over the entry's examples and answer;
- `classifier`: a logistic regression over the sentence embeddings, fitted on the examples;
- `selector`: a ResponseSelector's confidence, when one runs before the FAQ ranker.

Each signal becomes z-scores across the entries; the weighted sum is the fused score, and a
softmax over it (with `temperature`) the confidence P(entry | faq).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np

from bot.nlu.lexical import Bm25Index

SIGNALS = ("dense", "answer", "bm25", "classifier", "selector")


def zscores(values: np.ndarray) -> np.ndarray:
    """(x - mean) / std across the entries; all zeros when the signal does not discriminate."""
    std = float(values.std())
    return (values - values.mean()) / std if std > 1e-9 else np.zeros_like(values)


def softmax(values: np.ndarray) -> np.ndarray:
    shifted = np.exp(values - values.max())
    return shifted / shifted.sum()


def group_max(similarities: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The maximum of each group of consecutive columns (groups begin at `starts`)."""
    return np.maximum.reduceat(similarities, starts)


@dataclass
class Ranking:
    """How the signals are fused: weights, BM25 parameters, temperature, list length."""

    weights: Dict[str, float]
    k1: float = 1.2
    b: float = 0.75
    temperature: float = 1.0
    ranking_length: int = 10

    @classmethod
    def of(cls, config: Dict[str, Any]) -> Ranking:
        """From the FAQ ranker's config (config.yml); a signal the weights do not name counts 0."""
        weights = config.get("weights") or {}
        unknown = set(weights) - set(SIGNALS)
        if unknown:
            raise ValueError(
                f"FaqRanker weights: unknown signal(s) {sorted(unknown)} in config.yml; "
                f"known: {', '.join(SIGNALS)}"
            )
        return cls(
            {k: float(weights.get(k, 0.0)) for k in SIGNALS},
            float(config.get("k1", 1.2)),
            float(config.get("b", 0.75)),
            float(config.get("temperature", 1.0)),
            int(config.get("ranking_length", 10)),
        )


@dataclass
class FaqIndex:
    """Entries (`faq/<id>` keys, sorted) with their example vectors, words and classifier."""

    keys: List[str]
    examples: np.ndarray  # one row per example, entries' examples consecutive
    starts: np.ndarray  # the first row of each entry's examples
    documents: List[List[str]]  # each entry's BM25 terms (examples, and answer)
    ranking: Ranking
    coef: Optional[np.ndarray] = None
    intercept: Optional[np.ndarray] = None
    answers: Optional[np.ndarray] = None
    # what the snapshot says of each entry: title, canonical question, answer (by key)
    entries: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    snapshot_id: str = ""
    # for the scope check: the snapshot's out-of-scope vectors and the names its FAQ uses
    outside: Optional[np.ndarray] = None
    names: List[str] = field(default_factory=list)
    example_kind: str = "query"
    _bm25: Optional[Bm25Index] = field(default=None, repr=False)
    _centroids: Optional[np.ndarray] = field(default=None, repr=False)
    reader: Any = field(default=None, repr=False)  # the in-context reading of this index

    def __post_init__(self) -> None:
        self._bm25 = Bm25Index(self.documents, self.ranking.k1, self.ranking.b)

    def signals_of(
        self, query: np.ndarray | None, terms: List[str], selector: Dict[str, Any] | None = None
    ) -> Dict[str, np.ndarray]:
        """The signals of a question given as its vector and its content words."""
        n = len(self.keys)
        out: Dict[str, np.ndarray] = {}
        if query is not None and len(self.examples):
            out["dense"] = group_max(self.examples @ query, self.starts)
            if self.answers is not None:
                out["answer"] = self.answers @ query
            if self.coef is not None:
                logits = self.coef @ query + self.intercept
                shifted = logits - logits.max()
                out["classifier"] = shifted - np.log(np.exp(shifted).sum())  # log P(entry)
        out["bm25"] = self._bm25.scores(terms, n)
        if selector and selector.get("ranking"):
            given = {r["intent_response_key"]: float(r["confidence"]) for r in selector["ranking"]}
            floor = min(given.values()) / 2 if given else 1e-6
            out["selector"] = np.log(np.array([max(given.get(k, floor), 1e-9) for k in self.keys]))
        return out

    def fused(self, signals: Dict[str, np.ndarray]) -> np.ndarray:
        """The weighted sum of the signals' z-scores, one value per entry."""
        fused = np.zeros(len(self.keys))
        weights = self.ranking.weights
        for name, values in signals.items():
            if weights.get(name):
                fused += weights[name] * zscores(values)
        return fused

    def ranking_of(
        self, signals: Dict[str, np.ndarray], fused: np.ndarray | None = None
    ) -> List[Dict[str, Any]]:
        """The entries best first from their signals (or a fused score computed from them)."""
        fused = self.fused(signals) if fused is None else fused
        confidence = softmax(fused * self.ranking.temperature)
        order = np.argsort(-fused, kind="stable")[: self.ranking.ranking_length]
        dense, lexical = signals.get("dense"), signals["bm25"]
        return [
            {
                "id": int(i),
                "intent_response_key": self.keys[i],
                "confidence": float(confidence[i]),
                "scores": {
                    "dense": round(float(dense[i]), 4) if dense is not None else None,
                    "lexical": round(float(lexical[i]), 4),
                    "fused": round(float(fused[i]), 4),
                },
            }
            for i in order
        ]

    def centroids(self) -> np.ndarray:
        """Each entry's mean example vector, unit length (the entry's place in meaning)."""
        if self._centroids is None:
            sums = np.add.reduceat(self.examples, self.starts, axis=0)
            self._centroids = sums / np.linalg.norm(sums, axis=1, keepdims=True).clip(1e-9)
        return self._centroids

    def answer_of(self, key: str) -> Optional[str]:
        """The entry's answer as this snapshot has it (placeholders expanded), if it has one."""
        return (self.entries.get(key) or {}).get("answer")


def starts_of(sizes: np.ndarray) -> np.ndarray:
    """The first row of each entry's examples, given how many each has."""
    if not len(sizes):
        return np.zeros(0, np.int64)
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)


def answer_passage(answer: str, question: str, chars: int) -> str:
    """What the `answer` signal embeds: the start of the answer (its topic), after the first
    question with `answer_with_question`."""
    return ((question + "\n") if question else "") + answer[:chars]


def fit_classifier(
    vectors: np.ndarray,
    sizes: np.ndarray,
    c: float,
    start: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """Logistic regression from a question's vector to its entry: (coef, intercept) per entry.

    `start`, the weights of the snapshot before (a row per entry, zeros for a new one), is where
    L-BFGS begins: it stops at the same tolerance as a fit from zero, in a fraction of the
    iterations when little changed (an answer edit: none; a new example: a few)."""
    from sklearn.linear_model import LogisticRegression

    n = len(sizes)
    if n < 2:
        return None, None
    labels = np.repeat(np.arange(n), sizes)
    model = LogisticRegression(C=c, max_iter=1000, warm_start=start is not None)
    if start is not None and n > 2:
        model.coef_ = np.asarray(start[0], np.float64).copy()
        model.intercept_ = np.asarray(start[1], np.float64).copy()
        model.classes_ = np.arange(n)
    model.fit(vectors, labels)
    coef = np.zeros((n, vectors.shape[1]), np.float32)
    intercept = np.zeros(n, np.float32)
    if len(model.classes_) == 2:  # sklearn keeps one row for two classes
        coef[model.classes_[1]], intercept[model.classes_[1]] = model.coef_[0], model.intercept_[0]
    else:
        coef[model.classes_], intercept[model.classes_] = model.coef_, model.intercept_
    return coef, intercept
