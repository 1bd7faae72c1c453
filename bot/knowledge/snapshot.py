"""A knowledge snapshot: the FAQ as the bot answers it, in one content-addressed file.

One zip file `<id>.zip` holds `snapshot.json` (the entries with their titles, answers, example
and test questions; each entry's BM25 words; the names the shop's data uses; how it was built)
and one `.npy` array per vector table (examples, their starts, the classifier's weights, the
out-of-scope examples). Plain JSON and arrays, never a pickle: the web app's Python builds it,
Rasa's reads it (`np.load(..., allow_pickle=False)`).

The id is the SHA-256 of the content (JSON without its build time, and every array's name,
type, shape and bytes), so the same corpus always gives the same id, and a worker can check
that what it downloaded is what was published.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from bot.knowledge.index import FaqIndex, Ranking

FORMAT = 1
JSON_NAME = "snapshot.json"
# Not part of the content: two builds of the same corpus have the same id.
VOLATILE = ("built_at", "built_by", "build_seconds", "embedded")
ID_CHARS = 16


class SnapshotError(ValueError):
    """A snapshot file that cannot be read, or that is not what its id says."""


@dataclass
class Snapshot:
    """The content of one snapshot (see the module docstring)."""

    meta: Dict[str, Any]  # format, corpus, builder config, build time, counts
    entries: List[Dict[str, Any]]  # id, title, question, answer, category, examples, tests
    documents: List[List[str]]  # BM25 terms per entry, in the order of `keys`
    names: List[str] = field(default_factory=list)  # proper nouns the FAQ itself uses
    arrays: Dict[str, np.ndarray] = field(default_factory=dict)
    id: str = ""

    @property
    def keys(self) -> List[str]:
        """`faq/<id>` of each entry, sorted: the order of every array and of `documents`."""
        return sorted(f"faq/{e['id']}" for e in self.entries)

    def content(self) -> Dict[str, Any]:
        meta = {k: v for k, v in self.meta.items() if k not in VOLATILE}
        return {
            "meta": meta,
            "entries": self.entries,
            "documents": self.documents,
            "names": self.names,
        }

    def digest(self) -> str:
        """The content address (see the module docstring)."""
        sha = hashlib.sha256()
        sha.update(json.dumps(self.content(), ensure_ascii=False, sort_keys=True).encode())
        for name in sorted(self.arrays):
            array = np.ascontiguousarray(self.arrays[name])
            sha.update(f"\x1f{name}\x1f{array.dtype.str}\x1f{array.shape}\x1f".encode())
            sha.update(array.tobytes())
        return sha.hexdigest()[:ID_CHARS]

    def sealed(self) -> Snapshot:
        self.id = self.digest()
        return self

    def entry(self, faq_id: str) -> Optional[Dict[str, Any]]:
        return next((e for e in self.entries if e["id"] == faq_id), None)

    def to_bytes(self) -> bytes:
        """The zip file's bytes (fixed timestamps: the same snapshot, the same bytes)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            document = {**self.content(), "meta": self.meta, "id": self.id}
            _write(archive, JSON_NAME, json.dumps(document, ensure_ascii=False).encode())
            for name in sorted(self.arrays):
                out = io.BytesIO()
                np.save(out, np.ascontiguousarray(self.arrays[name]), allow_pickle=False)
                _write(archive, f"{name}.npy", out.getvalue())
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, expected_id: str | None = None) -> Snapshot:
        """Reads a snapshot file; raises SnapshotError when it is damaged or not `expected_id`."""
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                document = json.loads(archive.read(JSON_NAME).decode("utf-8"))
                arrays = {}
                for name in archive.namelist():
                    if name.endswith(".npy"):
                        with archive.open(name) as handle:
                            arrays[name[:-4]] = np.load(
                                io.BytesIO(handle.read()), allow_pickle=False
                            )
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise SnapshotError(f"not a knowledge snapshot: {error}") from error
        snapshot = cls(
            document.get("meta") or {},
            document.get("entries") or [],
            document.get("documents") or [],
            document.get("names") or [],
            arrays,
        )
        snapshot.id = snapshot.digest()
        if document.get("id") != snapshot.id or (expected_id and expected_id != snapshot.id):
            raise SnapshotError(
                f"knowledge snapshot {expected_id or document.get('id')} does not match its "
                f"content ({snapshot.id}): damaged or incomplete"
            )
        if snapshot.meta.get("format") != FORMAT:
            raise SnapshotError(f"knowledge snapshot format {snapshot.meta.get('format')} unknown")
        return snapshot

    @classmethod
    def read(cls, path: Path, expected_id: str | None = None) -> Snapshot:
        return cls.from_bytes(Path(path).read_bytes(), expected_id)

    def index(self, ranking_config: Dict[str, Any]) -> FaqIndex:
        """The FAQ index of this snapshot, ranked with the FAQ ranker's config."""
        arrays = self.arrays
        entries = {f"faq/{e['id']}": e for e in self.entries}
        return FaqIndex(
            keys=self.keys,
            examples=arrays["examples"],
            starts=arrays["starts"],
            documents=self.documents,
            ranking=Ranking.of(ranking_config),
            coef=arrays.get("coef"),
            intercept=arrays.get("intercept"),
            answers=arrays.get("answers"),
            entries=entries,
            snapshot_id=self.id,
            outside=arrays.get("outside"),
            names=self.names,
            example_kind=str((self.meta.get("builder") or {}).get("example_kind") or "query"),
        )


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)
