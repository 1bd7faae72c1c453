"""BM25 over Sudachi content words for FAQ entries, fused into the ResponseSelector's ranking."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Dict, List, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_RESPONSE_KEY,
    RESPONSE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

# The lexical signal needs no Rasa (the knowledge snapshot is built in the web app's Python):
# content words with the segmenter, BM25 in bot/nlu/lexical.py.
from bot.nlu.lexical import Bm25Index
from bot.nlu.segmenter import content_terms


def fuse(
    selector_ranking: List[Dict[str, Any]], bm25: Dict[str, float], weight: float, beta: float
) -> List[Dict[str, Any]]:
    """(1 - weight) x selector confidence + weight x softmax(beta x BM25), best first."""
    keys = set(bm25) | {r["intent_response_key"] for r in selector_ranking}
    selector = {r["intent_response_key"]: float(r["confidence"]) for r in selector_ranking}
    scores = np.array([bm25.get(k, 0.0) for k in keys], dtype=np.float64)
    probabilities = np.exp(beta * (scores - scores.max())) if len(scores) else scores
    probabilities = probabilities / probabilities.sum() if probabilities.sum() else probabilities
    fused = [
        {
            "intent_response_key": key,
            "confidence": (1 - weight) * selector.get(key, 0.0) + weight * p,
        }
        for key, p in zip(keys, probabilities)
    ]
    fused.sort(key=lambda r: (-r["confidence"], r["intent_response_key"]))
    return fused


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqBm25Ranker(GraphComponent):
    """Re-ranks the FAQ entries with BM25 (examples and answer text) fused with the selector.

    Placed after the ResponseSelector; `weight: 1.0` ranks by BM25 alone. The winning entry
    becomes the selector's response, so rules and `utter_faq` work unchanged.
    """

    @classmethod
    def required_components(cls) -> List[Type]:
        """Needs Sudachi tokens (lemma and part of speech)."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """BM25 parameters and the fusion weight."""
        return {
            "retrieval_intent": "faq",
            "use_answers": True,
            "k1": 1.2,
            "b": 0.75,
            "weight": 0.5,
            "beta": 0.5,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        keys: List[str] | None = None,
        documents: List[List[str]] | None = None,
        responses: Dict[str, Any] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._keys = keys or []
        self._responses: Dict[str, Any] = responses or {}
        self._documents = documents or []
        self._index = Bm25Index(self._documents, self._config["k1"], self._config["b"])

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FaqBm25Ranker:
        """A new, untrained ranker."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """One BM25 document per FAQ entry: its example questions (and its answer)."""
        intent = self._config["retrieval_intent"]
        terms: Dict[str, List[str]] = defaultdict(list)
        answers: Dict[str, List[str]] = {}
        for example in training_data.intent_examples:
            key = example.get(INTENT_RESPONSE_KEY)
            if example.get(INTENT) != intent or not key:
                continue
            terms[key] += content_terms(example.get(TOKENS_NAMES[TEXT]))
            if self._config["use_answers"] and key not in answers:
                answers[key] = content_terms(example.get(TOKENS_NAMES[RESPONSE]))
        self._keys = sorted(terms)
        self._documents = [terms[k] + answers.get(k, []) for k in self._keys]
        self._responses = {k: training_data.responses.get(f"utter_{k}") for k in self._keys}
        self._index = Bm25Index(self._documents, self._config["k1"], self._config["b"])
        with self._storage.write_to(self._resource) as directory:
            (directory / "bm25.json").write_text(
                json.dumps(
                    {
                        "keys": self._keys,
                        "documents": self._documents,
                        "responses": self._responses,
                    },
                    ensure_ascii=False,
                ),
                encoding="utf-8",
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> FaqBm25Ranker:
        """Rebuilds the index from the stored documents (building takes milliseconds)."""
        try:
            with model_storage.read_from(resource) as directory:
                stored = json.loads((directory / "bm25.json").read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            return cls(config, model_storage, resource)
        return cls(
            config,
            model_storage,
            resource,
            stored["keys"],
            stored["documents"],
            stored["responses"],
        )

    def scores(self, tokens: List[Token] | None) -> Dict[str, float]:
        """BM25 score of each entry for a message's tokens."""
        values = self._index.scores(content_terms(tokens), len(self._keys))
        return {key: float(v) for key, v in zip(self._keys, values)}

    def process(self, messages: List[Message]) -> List[Message]:
        """Replaces the selector's ranking (and chosen response) by the fused one."""
        intent = self._config["retrieval_intent"]
        for message in messages:
            selector = (message.get("response_selector") or {}).get(intent)
            if not selector or not self._keys:
                continue
            ranking = fuse(
                selector.get("ranking") or [],
                self.scores(message.get(TOKENS_NAMES[TEXT])),
                self._config["weight"],
                self._config["beta"],
            )
            selector["ranking"] = ranking[: max(10, len(selector.get("ranking") or []))]
            best = ranking[0]
            response = dict(selector.get("response") or {})
            if response.get("intent_response_key") != best["intent_response_key"]:
                response["intent_response_key"] = best["intent_response_key"]
                response["utter_action"] = f"utter_{best['intent_response_key']}"
                response["responses"] = self._responses.get(best["intent_response_key"])
            response["confidence"] = best["confidence"]
            selector["response"] = response
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data
