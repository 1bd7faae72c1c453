"""The FAQ ranker: meaning (sentence embeddings) fused with words (Sudachi BM25).

For every FAQ entry it scores the question by
- `dense`: the cosine similarity to the entry's closest example (its canonical question
  included): the examples' sentence features (e5 "query", as the question is), or, with
  `example_kind: passage`, the examples embedded as e5 "passage" (better with one question each);
- `answer`: the similarity to the entry's answer, or with `answer_with_question` to its first
  example and answer together (e5 "passage"), useful with one example each;
- `bm25`: Sudachi BM25 over the entry's examples and answer;
- `classifier`: a logistic regression over the sentence embeddings, trained on the examples;
- `selector`: the ResponseSelector's confidence, when one runs before this component.

Each signal is turned into z-scores across the entries and the weighted sum is the fused score;
a softmax over it (with `temperature`) is the confidence `P(entry | faq)`. The weights per kind
of corpus come from measurements (`python -m bot.retrieval_eval`, `make eval`): see config.yml
and config_few_examples.yml. The output is the ResponseSelector's format, so `utter_faq`, the
rules and "did you mean" work unchanged, and each candidate carries its title and its dense,
lexical and fused scores for the agent console.

The index itself (bot/knowledge/index.py) comes from the published **knowledge snapshot**
when the server has one (bot/knowledge/live.py: every worker pulls it from the web app and
swaps it in whole), else from the model, which keeps the index it was trained with. Each turn
reads the current index once: its ranking, its answer text (put in the parse, where
bot/serving/knowledge_nlg.py takes it for `utter_faq`) and its titles come from one snapshot,
whose id the parse carries (`response_selector.faq.response.knowledge`).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any, Dict, List, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.knowledge.build import RANKER_DEFAULTS, builder_config, effective_config
from bot.knowledge.index import (
    SIGNALS,
    FaqIndex,
    Ranking,
    answer_passage,
    fit_classifier,
    starts_of,
)
from bot.knowledge.live import LiveKnowledge, live_knowledge
from bot.nlu.context_reading import DEFAULTS as CONTEXT_DEFAULTS
from bot.nlu.context_reading import ContextReader, Reading, apply_choice
from bot.nlu.dense_featurizer import SentenceEmbeddingFeaturizer, embedding_of
from bot.nlu.embedding_cache import cached_embedder
from bot.nlu.lexical import content_terms
from bot.nlu.sudachi_tokenizer import segmenter_for

log = logging.getLogger(__name__)
__all__ = ["FaqRanker", "SIGNALS"]
# A private (not output) property of the message: the index that ranked it, for the scope check.
INDEX_PROPERTY = "faq_index"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqRanker(GraphComponent):
    """Ranks FAQ entries by fused dense, lexical and learned scores (see the module docstring)."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Reads the sentence embeddings (and the Sudachi tokens they come with)."""
        return [SentenceEmbeddingFeaturizer]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Signal weights, BM25 parameters, the softmax temperature and the ranking length."""
        return {
            **RANKER_DEFAULTS,
            # the tokenizer's split mode, for the words of a question read in context
            "split_mode": "C",
            # reading a follow-up in its context (bot/nlu/context_reading.py); null: never
            "context": dict(CONTEXT_DEFAULTS),
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: Dict[str, Any] | None = None,
    ) -> None:
        # As Rasa merges a component's config: the weights given override the default ones
        # (`weights: {bm25: 0.25}` keeps `dense: 1.0`; set a signal to 0 to turn it off).
        self._config = {**self.get_default_config(), **effective_config(config)}
        self._ranking = Ranking.of(self._config)
        self._weights = self._ranking.weights
        self._builder = builder_config(self._config, self._config["split_mode"])
        self._storage, self._resource = model_storage, resource
        state = state or {}
        self._keys: List[str] = state.get("keys", [])
        self._responses: Dict[str, Any] = state.get("responses", {})
        self._examples = state.get("examples", np.zeros((0, 0), np.float32))
        self._starts = state.get("starts", np.zeros(0, np.int64))
        self._answers = state.get("answers")
        self._coef, self._intercept = state.get("coef"), state.get("intercept")
        self._documents: List[List[str]] = state.get("documents", [])
        self._own: FaqIndex = self._own_index()
        self.use_live(live_knowledge() if state else None)

    def use_live(self, live: LiveKnowledge | None) -> None:
        """Ranks with the snapshots `live` pulls (None: with the model's own index)."""
        self._live = live
        if live is not None:
            self._live_key = live.register(self._config, self._builder)
            self._index()  # the snapshot's index built now, not on the first turn

    def _own_index(self) -> FaqIndex:
        """The index the model was trained with (no snapshot id)."""
        return FaqIndex(
            keys=self._keys,
            examples=self._examples,
            starts=self._starts,
            documents=self._documents,
            ranking=self._ranking,
            coef=self._coef,
            intercept=self._intercept,
            answers=self._answers,
        )

    def _index(self) -> FaqIndex:
        """The published snapshot's index when this server has one, else the model's own."""
        if self._live is not None:
            index = self._live.index(self._live_key)
            if index is not None:
                return index
        return self._own

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FaqRanker:
        """A new, untrained ranker."""
        return cls(config, model_storage, resource)

    # --- training ------------------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        """Indexes every entry's examples (vectors and words) and answer; fits the classifier."""
        intent = self._config["retrieval_intent"]
        vectors: Dict[str, List[np.ndarray]] = defaultdict(list)
        texts: Dict[str, List[str]] = defaultdict(list)
        terms: Dict[str, List[str]] = defaultdict(list)
        for example in training_data.intent_examples:
            key = example.get(INTENT_RESPONSE_KEY)
            vector = embedding_of(example)
            if example.get(INTENT) != intent or not key or vector is None:
                continue
            vectors[key].append(vector)
            texts[key].append(example.get(TEXT))
            terms[key] += content_terms(example.get(TOKENS_NAMES[TEXT]))
        self._keys = sorted(vectors)
        if not self._keys:
            self._persist()
            return self._resource
        self._responses = {k: training_data.responses.get(f"utter_{k}") for k in self._keys}
        tokenized_answers = self._answer_terms(training_data)
        self._documents = [
            terms[k] + (tokenized_answers.get(k, []) if self._config["use_answers"] else [])
            for k in self._keys
        ]
        embedder = cached_embedder(self._config["embedder"])
        as_queries = np.concatenate([np.stack(vectors[k]) for k in self._keys])
        if self._config["example_kind"] == "passage":
            flat = [text for k in self._keys for text in texts[k]]
            self._examples = embedder.training(flat, kind="passage")
        else:
            self._examples = as_queries
        sizes = np.array([len(vectors[k]) for k in self._keys])
        self._starts = starts_of(sizes)
        if self._weights["answer"]:
            answers = [
                self._answer_text(k, texts[k][0] if self._config["answer_with_question"] else "")
                for k in self._keys
            ]
            self._answers = embedder.training(answers, kind="passage")
        if self._weights["classifier"]:
            self._coef, self._intercept = fit_classifier(
                as_queries, sizes, float(self._config["classifier_c"])
            )
        self._own = self._own_index()
        self._persist()
        return self._resource

    def _answer_text(self, key: str, question: str = "") -> str:
        responses = self._responses.get(key) or []
        text = " ".join(str(r.get("text") or "") for r in responses if isinstance(r, dict))
        return answer_passage(text, question, self._config["answer_chars"])

    def _answer_terms(self, training_data: TrainingData) -> Dict[str, List[str]]:
        """Sudachi content words of each answer (the tokenizer tokenized the responses)."""
        from rasa.shared.nlu.constants import RESPONSE

        out: Dict[str, List[str]] = {}
        for example in training_data.intent_examples:
            key = example.get(INTENT_RESPONSE_KEY)
            if key in self._responses and key not in out:
                out[key] = content_terms(example.get(TOKENS_NAMES[RESPONSE]))
        return out

    def _persist(self) -> None:
        arrays = {"examples": self._examples, "starts": self._starts}
        for name in ("answers", "coef", "intercept"):
            if getattr(self, f"_{name}") is not None:
                arrays[name] = getattr(self, f"_{name}")
        with self._storage.write_to(self._resource) as directory:
            np.savez(directory / "vectors.npz", **arrays)
            (directory / "index.json").write_text(
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

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> FaqRanker:
        """The stored index (vectors, words, classifier); BM25 is rebuilt in milliseconds."""
        try:
            with model_storage.read_from(resource) as directory:
                state = json.loads((directory / "index.json").read_text(encoding="utf-8"))
                with np.load(directory / "vectors.npz") as arrays:
                    state.update({name: arrays[name] for name in arrays.files})
        except (ValueError, FileNotFoundError):
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, state)

    # --- ranking -------------------------------------------------------------------------

    def signals(self, message: Message) -> Dict[str, np.ndarray]:
        """Each signal's raw score for every entry (in the order of the keys)."""
        selector = (message.get("response_selector") or {}).get(self._config["retrieval_intent"])
        return self.signals_of(
            embedding_of(message), content_terms(message.get(TOKENS_NAMES[TEXT])), selector
        )

    def signals_of(
        self, query: np.ndarray | None, terms: List[str], selector: Dict[str, Any] | None = None
    ) -> Dict[str, np.ndarray]:
        """The signals of a question given as its vector and its content words."""
        return self._index().signals_of(query, terms, selector)

    def fused(self, signals: Dict[str, np.ndarray]) -> np.ndarray:
        """The weighted sum of the signals' z-scores, one value per entry."""
        return self._index().fused(signals)

    def rank(self, message: Message) -> List[Dict[str, Any]]:
        """The entries best first, with confidence and the dense, lexical and fused scores."""
        return self.ranking_of(self.signals(message))

    def ranking_of(
        self, signals: Dict[str, np.ndarray], fused: np.ndarray | None = None
    ) -> List[Dict[str, Any]]:
        """The entries best first from their signals (or a fused score computed from them)."""
        return self._index().ranking_of(signals, fused)

    @property
    def keys(self) -> List[str]:
        """The entries' response keys (`faq/<id>`), in the order of every signal."""
        return self._index().keys

    def centroids(self) -> np.ndarray:
        """Each entry's mean example vector, unit length (the entry's place in meaning)."""
        return self._index().centroids()

    def process(self, messages: List[Message]) -> List[Message]:
        """Puts the ranking in the ResponseSelector's place, so `utter_faq` answers the best.

        A message with a conversation context (`metadata["context"]`) is also read in context,
        and that reading is used when it is clearly better (bot/nlu/context_reading.py)."""
        intent = self._config["retrieval_intent"]
        for message in messages:
            index = self._index()  # once per turn: one snapshot ranks and answers it
            if not index.keys:
                continue
            message.set(INDEX_PROPERTY, index)
            ranking = self._read(message, index)
            best = ranking[0]
            key = best["intent_response_key"]
            if index.entries:
                for candidate in ranking:  # for "did you mean" and the agent console
                    entry = index.entries.get(candidate["intent_response_key"]) or {}
                    candidate["title"] = entry.get("title")
                    candidate["question"] = entry.get("question")
                answer = index.answer_of(key)
                responses = [{"text": answer}] if answer is not None else None
            else:
                responses = self._responses.get(key)
            properties = dict(message.get("response_selector") or {})
            retrieval_intents = set(properties.get("all_retrieval_intents") or [])
            properties["all_retrieval_intents"] = sorted(retrieval_intents | {intent})
            properties[intent] = {
                "response": {
                    "responses": responses,
                    "confidence": best["confidence"],
                    "intent_response_key": key,
                    "utter_action": f"utter_{key}",
                    "knowledge": index.snapshot_id or None,
                },
                "ranking": ranking,
            }
            message.set("response_selector", properties, add_to_output=True)
        return messages

    def _read(self, message: Message, index: FaqIndex) -> List[Dict[str, Any]]:
        """The ranking of the reading used: alone, or in the conversation's context."""
        query, terms = embedding_of(message), content_terms(message.get(TOKENS_NAMES[TEXT]))
        selector = (message.get("response_selector") or {}).get(self._config["retrieval_intent"])
        ranking = index.ranking_of(index.signals_of(query, terms, selector))
        context = (message.get("metadata") or {}).get("context")
        if not context or not isinstance(context, dict) or self._config["context"] is None:
            return ranking
        alone = Reading(ranking, query, message.get(TEXT) or "")
        reader = self.context_reader(index)
        choice = reader.choose(alone, reader.read(context, alone.text, query, terms))
        apply_choice(message, choice, self._config["retrieval_intent"])
        return choice.reading.ranking

    def context_reader(self, index: FaqIndex | None = None) -> ContextReader:
        """The in-context reading of an index (its config: `context` in config.yml)."""
        index = index or self._index()
        if index.reader is None:
            embedder = cached_embedder(self._config["embedder"])
            segmenter = segmenter_for(self._config["split_mode"])
            index.reader = ContextReader(
                index, self._config["context"], embedder.query, segmenter.tokens
            )
        return index.reader

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data
