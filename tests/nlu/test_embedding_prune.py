"""The embedding cache pruned under a size: the vectors stored longest ago go first."""

from __future__ import annotations

import numpy as np

from bot.nlu.embedding_cache import VectorStore
from bot.nlu.embedding_prune import prune, prune_file


def test_past_its_size_the_oldest_vectors_go(tmp_path):
    path = tmp_path / "model.sqlite3"
    store = VectorStore(path, dim=64)
    keys = [f"k{n:04d}" for n in range(2000)]
    for start in range(0, 2000, 100):
        store.put_many(
            (k, np.full(64, n, dtype=np.float32))
            for n, k in enumerate(keys[start : start + 100], start)
        )
    store.put_many([("k0000", np.zeros(64, dtype=np.float32))])  # stored again: now the newest
    figures = prune_file(path, 300_000)
    assert figures["bytes_before"] > 500_000 and figures["bytes_after"] <= 300_000
    assert 900 < figures["rows_after"] < 1100
    found = VectorStore(path, dim=64).get_many(keys)
    assert "k0000" in found and "k1999" in found and "k0001" not in found
    kept = sorted(found)
    assert kept[1:] == keys[2000 - len(kept) + 1 :]  # the newest, besides the one stored again


def test_a_cache_under_its_size_is_left_alone(tmp_path):
    VectorStore(tmp_path / "m.sqlite3", dim=8).put_many([("a", np.ones(8, dtype=np.float32))])
    assert prune(max_mb=1, folder=tmp_path) == ["m.sqlite3: 1 -> 1 vectors, 0.0 -> 0.0 MB"]
