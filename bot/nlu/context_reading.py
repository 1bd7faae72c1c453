"""Reading a turn in its conversation's context (`metadata["context"]`, see bot/nlu/context.py).

The FAQ ranker ranks every message alone. When the message comes with a context, it is also
ranked *in context*, and the context reading is used only when it is clearly better: its best
entry's confidence exceeds the alone reading's by `gain`. An elliptical follow-up
(「違約金は?」 after a question about cancelling) is vague alone and clear in context; a complete
question on another topic is clear alone, and its context reading (dragged towards the old topic)
is not better, so it is read alone. How the in-context ranking is made (`method`):
- `join`: the previous question and this one as one text, embedded and counted as one question;
- `mix`: this question's vector plus `weight` × the previous question's vector;
- `entry`: this question's vector plus `weight` × the vector of the entry last answered;
- `both`: this question's vector plus `weight` × (the previous question's + the entry's);
- `prior`: the alone ranking plus `weight` × each entry's closeness to the entry last answered.
The methods and their figures are compared in `make eval` (the conversation development sets).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from bot.nlu.segmenter import content_terms

METHODS = ("join", "mix", "entry", "both", "prior")
DEFAULTS: Dict[str, Any] = {"method": "entry", "weight": 1.0, "gain": 0.05, "questions": 1}
# A named intent at least this confident keeps its place when the context reading is used.
NAMED_INTENT_KEPT = 0.5
# ... and so do the named intents together at least this confident (「わかりました」: thank 0.32,
# deny 0.14, goodbye 0.13 …; on eval/shop/conversations.yml only follow-ups that are named
# intents themselves, such as 「今電話つながる?」, reach it)
NAMED_INTENTS_KEPT = 0.8
NOT_NAMED = ("out_of_scope", "nlu_fallback")


@dataclass
class Reading:
    """One reading of a turn: its ranking, and the vector it was ranked with."""

    ranking: List[Dict[str, Any]]
    query: Optional[np.ndarray] = None
    text: str = ""

    @property
    def best(self) -> Dict[str, Any]:
        return self.ranking[0] if self.ranking else {}

    @property
    def confidence(self) -> float:
        return float(self.best.get("confidence") or 0.0)

    @property
    def label(self) -> str:
        key = str(self.best.get("intent_response_key") or "")
        return key.split("/", 1)[-1]


@dataclass
class Choice:
    """The reading used for a turn, the other one, and why (for the console and the log)."""

    used: str  # "alone" or "context"
    alone: Reading
    context: Optional[Reading] = None
    why: str = ""

    @property
    def reading(self) -> Reading:
        return self.context if self.used == "context" and self.context else self.alone

    def summary(self) -> Dict[str, Any]:
        """What the parse carries as `context_reading` (no vectors)."""

        def brief(reading: Optional[Reading]) -> Optional[Dict[str, Any]]:
            if reading is None:
                return None
            return {
                "label": reading.label,
                "confidence": round(reading.confidence, 4),
                "text": reading.text,
            }

        return {
            "used": self.used,
            "why": self.why,
            "alone": brief(self.alone),
            "in_context": brief(self.context),
        }


def unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 1e-9 else vector


def joined_text(context: Dict[str, Any], text: str, questions: int) -> str:
    """The last `questions` earlier questions and this one, as one text."""
    earlier = (context.get("questions") or [])[-questions:] if questions else []
    return "。".join([*earlier, text])


class ContextReader:
    """Ranks a message in its context with one of the METHODS (see the module docstring)."""

    def __init__(
        self,
        ranker: Any,
        config: Dict[str, Any],
        embed: Callable[[str], np.ndarray],
        tokens: Callable[[str], Any],
    ) -> None:
        self.ranker = ranker
        self.config = {**DEFAULTS, **(config or {})}
        if self.config["method"] not in METHODS:
            raise ValueError(
                f"FaqRanker context.method {self.config['method']!r} in config.yml: "
                f"use one of {', '.join(METHODS)}"
            )
        self._embed, self._tokens = embed, tokens

    def _parts(self) -> tuple:
        """The embedding and tokenizing functions (to make a reader with other settings)."""
        return self._embed, self._tokens

    def _entry_index(self, context: Dict[str, Any]) -> Optional[int]:
        entry = context.get("entry")
        keys = self.ranker.keys
        for i, key in enumerate(keys):
            if key.split("/", 1)[-1] == entry:
                return i
        return None

    def read(
        self, context: Dict[str, Any], text: str, query: Optional[np.ndarray], terms: List[str]
    ) -> Optional[Reading]:
        """The in-context reading, or None when the context offers nothing to lean on."""
        method, weight = self.config["method"], float(self.config["weight"])
        ranker = self.ranker
        earlier = (context.get("questions") or [])[-1:]
        if method == "join":
            if not earlier:
                return None
            joined = joined_text(context, text, int(self.config["questions"]))
            vector = self._embed(joined)
            more = content_terms(self._tokens(joined))
            return Reading(ranker.ranking_of(ranker.signals_of(vector, more)), vector, joined)
        if query is None:
            return None
        if method == "mix":
            if not earlier:
                return None
            vector = unit(query + weight * self._embed(earlier[0]))
            return Reading(ranker.ranking_of(ranker.signals_of(vector, terms)), vector, text)
        index = self._entry_index(context)
        if index is None:
            return None
        centroid = ranker.centroids()[index]
        if method == "both" and earlier:
            vector = unit(query + weight * (self._embed(earlier[0]) + centroid))
            return Reading(ranker.ranking_of(ranker.signals_of(vector, terms)), vector, text)
        if method in ("entry", "both"):
            vector = unit(query + weight * centroid)
            return Reading(ranker.ranking_of(ranker.signals_of(vector, terms)), vector, text)
        signals = ranker.signals_of(query, terms)
        closeness = ranker.centroids() @ centroid
        spread = float(closeness.std()) or 1.0
        fused = ranker.fused(signals) + weight * (closeness - closeness.mean()) / spread
        return Reading(ranker.ranking_of(signals, fused), query, text)

    def choose(self, alone: Reading, in_context: Optional[Reading]) -> Choice:
        """The context reading when its best entry is clearly more certain, else alone."""
        if in_context is None or not in_context.ranking:
            return Choice("alone", alone, None, "寄りかかれる前の発言がありません")
        gain = in_context.confidence - alone.confidence
        if gain >= float(self.config["gain"]):
            why = (
                f"前の発言とあわせると {in_context.label} が {in_context.confidence:.2f} で、"
                f"この質問だけの {alone.label} {alone.confidence:.2f} よりはっきりしています"
            )
            return Choice("context", alone, in_context, why)
        why = (
            f"この質問だけで {alone.label} が {alone.confidence:.2f}。前の発言とあわせても "
            f"{in_context.label} {in_context.confidence:.2f} で、これよりはっきりしません"
        )
        return Choice("alone", alone, in_context, why)


def apply_choice(message: Any, choice: Choice, retrieval_intent: str) -> None:
    """Records the choice on the message; a context reading makes the question an FAQ one.

    The intent classifier reads the message alone, so an elliptical follow-up (「Boxの場合は?」,
    「空欄でもいい?」) may look out of scope or like nothing in particular. When the context
    reading is used, `faq` takes the weight of out_of_scope and of every named intent under
    NAMED_INTENT_KEPT; a named intent at least that confident, or named intents together at
    least NAMED_INTENTS_KEPT, keep their place (「ありがとう」 after an answer stays a thank-you)."""
    message.set("context_reading", choice.summary(), add_to_output=True)
    if choice.used != "context":
        return
    message.set("context_query", choice.reading.query)
    ranking = [dict(r) for r in message.get("intent_ranking") or []]
    named = [
        float(r.get("confidence") or 0.0)
        for r in ranking
        if r.get("name") not in (retrieval_intent, *NOT_NAMED)
    ]
    if max(named, default=0.0) >= NAMED_INTENT_KEPT or sum(named) >= NAMED_INTENTS_KEPT:
        return
    faq = next((r for r in ranking if r.get("name") == retrieval_intent), None)
    faq = faq or {"name": retrieval_intent, "confidence": 0.0}
    others = [r for r in ranking if r.get("name") != retrieval_intent]
    faq["confidence"] = min(1.0, sum(float(r.get("confidence") or 0.0) for r in [faq, *others]))
    for other in others:
        other["confidence"] = 0.0
    message.set("intent", faq, add_to_output=True)
    message.set("intent_ranking", [faq, *others], add_to_output=True)
