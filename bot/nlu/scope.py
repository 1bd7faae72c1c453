"""Out of scope by meaning: "cancel my alarm" is not "cancel my order".

Rather than thresholding one score, the question's similarity to the closest out-of-scope
example is compared with its similarity to the closest in-scope example (FAQ entries and named
intents). The embedding alone does not know which services are the shop's, so a question that
names someone else's (a proper noun Sudachi knows, such as another carrier, mall, bank or parcel
carrier, that appears nowhere in the shop's examples, answers or `shop_names` lookup table) is
pushed towards out of scope by `foreign_name_bonus`.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Set, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import INTENT, RESPONSE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.dense_featurizer import embedding_of
from bot.nlu.sudachi_tokenizer import normalize_width

PROPER_NOUN = "固有名詞"


def top_mean(similarities: np.ndarray, k: int) -> float:
    """The mean of the k largest similarities (0 when there are none)."""
    if not len(similarities):
        return 0.0
    k = min(k, len(similarities))
    return float(np.partition(similarities, -k)[-k:].mean())


def name_candidates(tokens: List[Token] | None) -> List[str]:
    """The words of a question that may name a company or a service: Sudachi's proper nouns."""
    return [t.text for t in tokens or [] if (t.data or {}).get("pos_detail") == PROPER_NOUN]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class MeaningScopeClassifier(GraphComponent):
    """Sets the intent to out_of_scope when the question is closer in meaning to what the shop
    does not do than to anything it does (see the module docstring)."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Runs after the intent classifier, whose out_of_scope it may add."""
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """The margin, the nearest-neighbour count, the foreign-name bonus and the lookup."""
        return {
            "out_of_scope_intent": "out_of_scope",
            "margin": 0.0,  # out of scope when sim(out) - sim(in) + bonus > margin
            "neighbours": 1,
            "foreign_name_bonus": 0.03,
            "names_lookup": "shop_names",
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: Dict[str, Any] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage, self._resource = model_storage, resource
        state = state or {}
        self._outside = state.get("outside", np.zeros((0, 0), np.float32))
        self._inside = state.get("inside", np.zeros((0, 0), np.float32))
        self._known: Set[str] = set(state.get("known", []))

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MeaningScopeClassifier:
        """A new, untrained scope check."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Keeps the vectors of out-of-scope and in-scope examples and the shop's own names."""
        out_intent = self._config["out_of_scope_intent"]
        outside, inside = [], []
        known: Set[str] = set()
        for example in training_data.intent_examples:
            vector = embedding_of(example)
            if vector is None:
                continue
            if example.get(INTENT) == out_intent:
                outside.append(vector)
                continue
            inside.append(vector)
            for attribute in (TEXT, RESPONSE):
                known.update(name_candidates(example.get(TOKENS_NAMES[attribute])))
        for table in training_data.lookup_tables:
            if table.get("name") == self._config["names_lookup"]:
                known.update(normalize_width(str(e)).strip() for e in table.get("elements") or [])
        self._outside = np.stack(outside) if outside else np.zeros((0, 0), np.float32)
        self._inside = np.stack(inside) if inside else np.zeros((0, 0), np.float32)
        self._known = {k for k in known if k}
        with self._storage.write_to(self._resource) as directory:
            np.savez(directory / "scope.npz", outside=self._outside, inside=self._inside)
            (directory / "known.json").write_text(
                json.dumps(sorted(self._known), ensure_ascii=False), encoding="utf-8"
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
    ) -> MeaningScopeClassifier:
        """The stored example vectors and the shop's words."""
        try:
            with model_storage.read_from(resource) as directory:
                with np.load(directory / "scope.npz") as arrays:
                    state: Dict[str, Any] = {k: arrays[k] for k in arrays.files}
                state["known"] = json.loads((directory / "known.json").read_text("utf-8"))
        except (ValueError, FileNotFoundError):
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, state)

    def foreign_names(self, message: Message) -> List[str]:
        """Proper nouns of the question that neither the shop's data nor its names mention.

        A known name covers the names it contains and the names that contain it
        ("nttドコモビジネス" and "ドコモショップ" are the shop's when "ドコモ" is).
        """
        names = name_candidates(message.get(TOKENS_NAMES[TEXT]))
        return [
            n
            for n in dict.fromkeys(names)
            if n not in self._known
            and not any(len(k) >= 2 and (k in n or n in k) for k in self._known)
        ]

    def judge(self, message: Message) -> Dict[str, Any] | None:
        """The two similarities, the foreign names and the verdict, or None without vectors."""
        query = embedding_of(message)
        if query is None or not len(self._outside) or not len(self._inside):
            return None
        k = self._config["neighbours"]
        outside = top_mean(self._outside @ query, k)
        inside = top_mean(self._inside @ query, k)
        foreign = self.foreign_names(message)
        margin = outside - inside + (self._config["foreign_name_bonus"] if foreign else 0.0)
        return {
            "out_of_scope_similarity": round(outside, 4),
            "in_scope_similarity": round(inside, 4),
            "foreign_names": foreign,
            "out_of_scope": margin > self._config["margin"],
        }

    def process(self, messages: List[Message]) -> List[Message]:
        """Moves out_of_scope to the top of the intents when the question is closer to it."""
        name = self._config["out_of_scope_intent"]
        for message in messages:
            verdict = self.judge(message)
            if verdict is None:
                continue
            message.set("scope", verdict, add_to_output=True)
            if not verdict["out_of_scope"] or (message.get(INTENT) or {}).get("name") == name:
                continue
            ranking = [r for r in message.get("intent_ranking") or [] if r.get("name") != name]
            confidence = max([float(r.get("confidence") or 0) for r in ranking] + [0.5])
            top = {"name": name, "confidence": confidence}
            message.set(INTENT, top, add_to_output=True)
            message.set("intent_ranking", [top] + ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data
