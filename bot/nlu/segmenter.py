"""Japanese segmentation on SudachiPy (sudachidict_core), without Rasa.

The Rasa tokenizer (bot/nlu/sudachi_tokenizer.py) makes Rasa tokens of it; the web app's agent
console (Python 3.13, no Rasa) shows its tokens as they are.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Tuple


@dataclass
class Morpheme:
    """A token as Rasa's `Token` has it: text, offsets in the original text, data, lemma."""

    text: str
    start: int
    end: int
    data: Dict[str, Any] = field(default_factory=dict)
    lemma: str = ""


# Sudachi refuses inputs over ~49 KB of UTF-8; chunks of this many characters stay far below.
MAX_CHUNK_CHARS = 4000
_CHUNK_BREAK = re.compile(r"[。！？!?\n]")
# Parts of speech that carry no meaning for classification.
_SKIPPED_POS = {"空白", "補助記号"}
_SPLIT_MODES = ("A", "B", "C")
# Words that carry the topic; particles, auxiliaries and symbols do not.
CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞", "副詞", "接頭辞", "接尾辞"}
# Lemmas (Sudachi normalized forms) that every kind of question uses.
STOP_LEMMAS = {
    "為る", "有る", "居る", "成る", "出来る", "教える", "下さる", "思う", "良い", "言う",
    "事", "物", "様", "方", "もの", "こと", "よう", "ほう", "ため", "無い", "貰う", "頂く",
}  # fmt: skip


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
    """Sudachi morphological analysis: tokens (`token`, Morpheme by default) with original
    offsets."""

    def __init__(self, split_mode: str = "C", token: Callable[..., Any] = Morpheme) -> None:
        from sudachipy import Dictionary, SplitMode

        self._token = token
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

    def tokens(self, text: str) -> List[Any]:
        """Content tokens of `text`; symbols only when the text has nothing else."""
        content: List[Any] = []
        symbols: List[Any] = []
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
                token = self._token(
                    text=normalize_width(surface),
                    start=start,
                    end=end,
                    data={"pos": pos[0], "pos_detail": pos[1]},
                    lemma=normalize_width(morpheme.normalized_form()),
                )
                (symbols if pos[0] in _SKIPPED_POS else content).append(token)
        return content or symbols


def content_terms(tokens: List[Any] | None) -> List[str]:
    """The lemmas of the content words among `tokens` (Morphemes or Rasa tokens)."""
    return [
        t.lemma
        for t in tokens or []
        if (t.data or {}).get("pos") in CONTENT_POS and t.lemma and t.lemma not in STOP_LEMMAS
    ]
