"""A Rasa 3 tokenizer for Japanese on SudachiPy (sudachidict_core)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.segmenter import SudachiSegmenter as Segmenter
from bot.nlu.segmenter import normalize_width  # noqa: F401 - bot/nlu/scope.py takes it from here


class SudachiSegmenter(Segmenter):
    """Sudachi morphological analysis, returning Rasa tokens with original offsets."""

    def __init__(self, split_mode: str = "C") -> None:
        super().__init__(split_mode, Token)


@lru_cache(maxsize=3)
def segmenter_for(split_mode: str = "C") -> SudachiSegmenter:
    """One segmenter per split mode in this process (the dictionary loads once)."""
    return SudachiSegmenter(split_mode)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class SudachiTokenizer(Tokenizer):
    """Japanese tokenizer: Sudachi morphemes, lemma = Sudachi's normalized form."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Split mode A (short), B (middle) or C (long units), plus Rasa's options."""
        return {
            "split_mode": "C",
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def supported_languages() -> List[str] | None:
        """Japanese only."""
        return ["ja"]

    @staticmethod
    def required_packages() -> List[str]:
        """SudachiPy and its core dictionary."""
        return ["sudachipy", "sudachidict_core"]

    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__(config)
        self._segmenter = segmenter_for(config.get("split_mode", "C"))

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SudachiTokenizer:
        """Creates the tokenizer from its config."""
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        """Tokenizes the text of `attribute` of `message`."""
        text = message.get(attribute) or ""
        return self._apply_token_pattern(self._segmenter.tokens(text))
