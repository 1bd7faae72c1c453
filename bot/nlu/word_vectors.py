"""Dense features from Japanese word vectors (ja_ginza's chiVe table) for Sudachi tokens."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import MEAN_POOLING, POOLING


@lru_cache(maxsize=2)
def load_vocab(model: str) -> Any:
    """The spaCy vocabulary with vectors of `model`, without its (slow) pipeline."""
    import spacy

    try:
        return spacy.load(model, exclude=["*"]).vocab
    except OSError as error:
        raise OSError(
            f"spaCy model '{model}' is not installed; `make setup` installs ja-ginza "
            f"(or change 'model' of JapaneseWordVectorFeaturizer in config.yml): {error}"
        ) from error


class WordVectors:
    """Looks up a vector per token: Sudachi's normalized form first (chiVe uses it)."""

    def __init__(self, vocab: Any) -> None:
        self._vocab = vocab
        self.dimension = int(vocab.vectors_length)

    def vector(self, token: Token) -> np.ndarray:
        """The token's vector, or zeros for a word the table does not know."""
        for word in (token.lemma, token.text):
            if word and self._vocab.has_vector(word):
                return np.asarray(self._vocab.get_vector(word), dtype=np.float32)
        return np.zeros(self.dimension, dtype=np.float32)

    def matrix(self, tokens: List[Token]) -> np.ndarray:
        """One row per token."""
        return (
            np.stack([self.vector(t) for t in tokens]) if tokens else np.zeros((0, self.dimension))
        )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class JapaneseWordVectorFeaturizer(DenseFeaturizer, GraphComponent):
    """Word vectors for the tokens of the Sudachi tokenizer, so both stay aligned."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Needs tokens."""
        return [Tokenizer]

    @staticmethod
    def required_packages() -> List[str]:
        """spaCy and a Japanese model with vectors."""
        return ["spacy", "ja_ginza"]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """The spaCy model whose vectors are used, and how a sentence is pooled."""
        return {**DenseFeaturizer.get_default_config(), "model": "ja_ginza", POOLING: MEAN_POOLING}

    def __init__(self, config: Dict[str, Any], name: str, vectors: WordVectors | None = None):
        super().__init__(name, config)
        self._vectors = vectors or WordVectors(load_vocab(self._config["model"]))

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> JapaneseWordVectorFeaturizer:
        """Creates the featurizer, loading the vectors once per process."""
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        """Nothing to validate beyond the model name, checked at load time."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds sequence and sentence features to each message."""
        for message in messages:
            for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
                tokens = message.get(TOKENS_NAMES[attribute])
                if not tokens:
                    continue
                sequence = self._vectors.matrix(tokens)
                sentence = self.aggregate_sequence_features(sequence, self._config[POOLING])
                alias = self._config[FEATURIZER_CLASS_ALIAS]
                message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, attribute, alias))
                message.add_features(Features(sentence, FEATURE_TYPE_SENTENCE, attribute, alias))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes the training examples in place."""
        self.process(training_data.training_examples)
        return training_data
