"""A Rasa 3 tokenizer for Japanese on SudachiPy (sudachidict_core)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Dict, Iterator, List, Tuple

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

# Sudachi refuses inputs over ~49 KB of UTF-8; chunks of this many characters stay far below.
MAX_CHUNK_CHARS = 4000
_CHUNK_BREAK = re.compile(r"[。！？!?\n]")
# Parts of speech that carry no meaning for classification.
_SKIPPED_POS = {"空白", "補助記号"}
_SPLIT_MODES = ("A", "B", "C")


def normalize_width(text: str) -> str:
    """NFKC (全角英数 → 半角, 半角ｶﾅ → 全角) and lower case: the form features are built on."""
    return unicodedata.normalize("NFKC", text).lower()


def _chunks(text: str) -> Iterator[Tuple[int, str]]:
    """Splits long text into (offset, chunk) pieces, preferring sentence ends."""
    start = 0
    while start < len(text):
        end = min(start + MAX_CHUNK_CHARS, len(text))
        if end < len(text):
            breaks = [m.end() for m in _CHUNK_BREAK.finditer(text, start, end)]
            if breaks and breaks[-1] > start:
                end = breaks[-1]
        yield start, text[start:end]
        start = end


class SudachiSegmenter:
    """Sudachi morphological analysis, returning Rasa tokens with original offsets."""

    def __init__(self, split_mode: str = "C") -> None:
        from sudachipy import Dictionary, SplitMode

        if split_mode not in _SPLIT_MODES:
            raise ValueError(
                f"split_mode must be one of {_SPLIT_MODES}, got {split_mode!r} "
                "(set it under the tokenizer in config.yml)"
            )
        self.split_mode = split_mode
        dictionary = Dictionary(dict="core")
        # SudachiPy 0.7 renamed create() to tokenizer(); ginza pins 0.6, which has only create().
        make_tokenizer = getattr(dictionary, "tokenizer", None) or dictionary.create
        self._tokenizer = make_tokenizer(mode=getattr(SplitMode, split_mode))

    def tokens(self, text: str) -> List[Token]:
        """Content tokens of `text`; symbols only when the text has nothing else."""
        content: List[Token] = []
        symbols: List[Token] = []
        for offset, chunk in _chunks(text):
            for morpheme in self._tokenizer.tokenize(chunk):
                pos = morpheme.part_of_speech()
                surface = morpheme.surface()
                if not surface.strip():
                    continue
                # Offsets come from Sudachi itself, so they stay right for repeated
                # words and for half-width kana whose normalised form is shorter.
                start = offset + morpheme.begin()
                end = offset + morpheme.end()
                token = Token(
                    text=normalize_width(surface),
                    start=start,
                    end=end,
                    data={"pos": pos[0], "pos_detail": pos[1]},
                    lemma=normalize_width(morpheme.normalized_form()),
                )
                (symbols if pos[0] in _SKIPPED_POS else content).append(token)
        return content or symbols


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
