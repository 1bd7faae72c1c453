"""Sentence embeddings cached on disk by content, so a retrain embeds only new or changed texts.

A vector is stored under sha256(model name, query/passage, cleaned text) in one SQLite file per
model (`var/cache/embeddings/<model>.sqlite3` by default; `BOT_EMBEDDING_CACHE` moves it). Only
training texts (examples, canonical questions, answers) go there: customers' questions at parse
time are embedded in memory and never written to disk.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Dict, Iterable, List, Sequence

import numpy as np

from bot.nlu.embedder import Embedder, clean, load_embedder

ENV_CACHE = "BOT_EMBEDDING_CACHE"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
BATCH = 64  # texts per call to the model: bounded memory, and progress in between


def default_cache_dir() -> Path:
    """$BOT_EMBEDDING_CACHE, else var/cache/embeddings/ of the project."""
    configured = os.environ.get(ENV_CACHE)
    return Path(configured) if configured else PROJECT_ROOT / "var" / "cache" / "embeddings"


def cache_key(model: str, kind: str, text: str) -> str:
    """The content address of one vector."""
    return hashlib.sha256(f"{model}\x1f{kind}\x1f{clean(text)}".encode()).hexdigest()


class VectorStore:
    """key → float32 vector, in a SQLite file (safe for several training processes at once)."""

    def __init__(self, path: Path, dim: int) -> None:
        self.path, self.dim = path, dim
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connection() as db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)")

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=60)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        return db

    def get_many(self, keys: Sequence[str]) -> Dict[str, np.ndarray]:
        found: Dict[str, np.ndarray] = {}
        db = self._connection()
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            rows = db.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            for key, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape == (self.dim,):
                    found[key] = vector
        return found

    def put_many(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        rows = [(key, np.asarray(v, dtype=np.float32).tobytes()) for key, v in items]
        if rows:
            with self._connection() as db:
                db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)


class CachedEmbedder:
    """An embedder whose training texts are cached on disk and recent queries in memory."""

    def __init__(
        self, embedder: Embedder, cache_dir: Path | None = None, memory_items: int = 1024
    ) -> None:
        self.embedder = embedder
        self.name, self.dim = embedder.name, embedder.dim
        directory = Path(cache_dir) if cache_dir else default_cache_dir()
        self._disk = VectorStore(directory / f"{embedder.name}.sqlite3", embedder.dim)
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memory_items = memory_items
        self._lock = threading.Lock()
        self.embedded = 0  # texts the model computed (cache misses), for reports and tests

    def training(self, texts: Sequence[str], kind: str = "passage") -> np.ndarray:
        """Vectors of training texts: looked up on disk, the missing ones embedded and stored."""
        keys = [cache_key(self.name, kind, t) for t in texts]
        found = self._disk.get_many(sorted(set(keys)))
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        text_of = dict(zip(keys, texts))
        encode = self.embedder.query if kind == "query" else self.embedder.passage
        for start in range(0, len(missing), BATCH):
            batch = missing[start : start + BATCH]
            vectors = encode([text_of[k] for k in batch])
            self.embedded += len(batch)
            fresh = dict(zip(batch, vectors))
            self._disk.put_many(fresh.items())
            found.update(fresh)
        if not keys:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def query(self, text: str) -> np.ndarray:
        """The vector of one customer question (kept in memory only, never on disk)."""
        key = cache_key(self.name, "query", text)
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        vector = self.embedder.query([text])[0]
        with self._lock:
            self.embedded += 1
            self._memory[key] = vector
            while len(self._memory) > self._memory_items:
                self._memory.popitem(last=False)
        return vector

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of several questions (parse time, batch): memory only."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.query(t) for t in texts])


_shared: Dict[tuple, CachedEmbedder] = {}
_shared_lock = threading.Lock()


def cached_embedder(spec: str | None = None, cache_dir: Path | None = None) -> CachedEmbedder:
    """One CachedEmbedder per (model, cache folder) in this process."""
    embedder = load_embedder(spec)
    directory = Path(cache_dir) if cache_dir else default_cache_dir()
    key = (embedder.name, str(directory))
    with _shared_lock:
        if key not in _shared:
            _shared[key] = CachedEmbedder(embedder, directory)
        return _shared[key]


def texts_embedded(embedders: List[CachedEmbedder] | None = None) -> int:
    """How many texts the shared embedders have computed in this process (cache misses)."""
    return sum(e.embedded for e in (embedders or list(_shared.values())))
