"""`python -m bot embeddings prune`: the on-disk embedding cache kept under a size.

The cache (bot/nlu/embedding_cache.py) gains a vector for every training text ever embedded:
each edit of an example or answer adds one, nothing removes any. Pruning deletes the vectors
stored longest ago (SQLite's rowid: a vector stored again gets a new one) until the file fits in
`max_mb`, then compacts it. Nothing is lost but time: the next training embeds again whatever it
needs and does not find.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Dict, List

from bot.nlu.embedding_cache import default_cache_dir

DEFAULT_MAX_MB = 200  # ~130,000 vectors of 384 floats: many corpora's worth of retrains


def prune_file(path: Path, max_bytes: int) -> Dict[str, int]:
    """Deletes the oldest vectors of one cache file until it fits in `max_bytes`."""
    db = sqlite3.connect(path, timeout=60)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the vectors into the file, to count it
        before = path.stat().st_size
        rows = kept = db.execute("SELECT count(*) FROM vectors").fetchone()[0]
        size = before
        for _ in range(5):  # the file's overhead is not quite proportional: shrink until it fits
            if size <= max_bytes or not kept:
                break
            kept = int(kept * max_bytes / size * 0.98)
            with db:
                db.execute(
                    "DELETE FROM vectors WHERE rowid NOT IN "
                    "(SELECT rowid FROM vectors ORDER BY rowid DESC LIMIT ?)",
                    (kept,),
                )
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # WAL mode: VACUUM went to the log
            size = path.stat().st_size
    finally:
        db.close()
    return {"rows_before": rows, "rows_after": kept, "bytes_before": before,
            "bytes_after": path.stat().st_size}  # fmt: skip


def prune(max_mb: float | None = None, folder: Path | None = None) -> List[str]:
    """Prunes every model's cache file in `folder` (default: the embedding cache) to `max_mb`
    (default DEFAULT_MAX_MB); a line for each."""
    folder, max_mb = folder or default_cache_dir(), max_mb or DEFAULT_MAX_MB
    lines = []
    for path in sorted(folder.glob("*.sqlite3")):
        figures = prune_file(path, int(max_mb * 1024 * 1024))
        lines.append(
            f"{path.name}: {figures['rows_before']} -> {figures['rows_after']} vectors, "
            f"{figures['bytes_before'] / 2**20:.1f} -> {figures['bytes_after'] / 2**20:.1f} MB"
        )
    return lines or [f"no embedding cache in {folder}"]
