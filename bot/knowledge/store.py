"""Where knowledge snapshots are kept, which one is published, and the history of publishes.

One folder per corpus (`var/knowledge/<corpus>/`): `snapshots/<id>.zip` (content-addressed,
written to a temporary file and renamed, so a reader never sees half a file),
`published.json` (the id every Rasa worker serves; replaced atomically) and `history.jsonl`
(one line per publish or rollback: when, who, what changed). A publish is one rename: killed
before it, the old snapshot keeps serving and the next publish works; killed after it, the
new one is live. Publishes are serialized by a file lock, and each names the snapshot it was
checked against: when another editor published in between, it is refused (PublishConflict)
and nothing is lost (the edits are in the corpus files; checking again takes seconds).
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from bot.corpora import SHOP_CORPUS, slug
from bot.knowledge.snapshot import Snapshot, SnapshotError

ROOT = Path("var/knowledge")
POINTER = "published.json"
HISTORY = "history.jsonl"
KEEP = 30  # snapshot files kept: the published one, and the latest others for rollback


class PublishConflict(RuntimeError):
    """Another publish happened since this snapshot was checked."""

    def __init__(self, current: Optional[str]) -> None:
        super().__init__(f"the published snapshot is now {current}")
        self.current = current


class NothingToRollBack(RuntimeError):
    """No earlier snapshot in the history."""


@dataclass(frozen=True)
class Published:
    """What `published.json` says."""

    id: str
    published_at: str
    by: str
    action: str
    changes: List[str]
    previous: Optional[str]

    def as_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


def folder_name(corpus: Path, project_dir: Path = Path(".")) -> str:
    """`shop` for the shop's faq_corpus/, else the corpus's workspace name (bot/corpora.py)."""
    folder = Path(project_dir) / corpus
    return (
        "shop" if folder.resolve() == (Path(project_dir) / SHOP_CORPUS).resolve() else slug(folder)
    )


class KnowledgeStore:
    """The snapshots of one corpus (see the module docstring)."""

    def __init__(self, corpus: Path, project_dir: Path = Path(".")) -> None:
        self.folder = Path(project_dir) / ROOT / folder_name(Path(corpus), Path(project_dir))
        self.snapshots = self.folder / "snapshots"

    def path_of(self, snapshot_id: str) -> Path:
        if not snapshot_id.isalnum():
            raise SnapshotError(f"not a snapshot id: {snapshot_id!r}")
        return self.snapshots / f"{snapshot_id}.zip"

    def put(self, snapshot: Snapshot) -> Path:
        """Writes the snapshot's file once (the same id is the same content)."""
        path = self.path_of(snapshot.id)
        if path.exists():
            return path
        self.snapshots.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, snapshot.to_bytes())
        return path

    def has(self, snapshot_id: str) -> bool:
        try:
            return self.path_of(snapshot_id).is_file()
        except SnapshotError:
            return False

    def load(self, snapshot_id: str) -> Snapshot:
        try:
            return Snapshot.read(self.path_of(snapshot_id), snapshot_id)
        except FileNotFoundError:
            raise SnapshotError(f"no snapshot {snapshot_id} in {self.snapshots}") from None

    def published(self) -> Optional[Published]:
        try:
            data = json.loads((self.folder / POINTER).read_text(encoding="utf-8"))
            return Published(**{k: data.get(k) for k in Published.__dataclass_fields__})
        except (OSError, ValueError, TypeError):
            return None

    def published_id(self) -> Optional[str]:
        record = self.published()
        return record.id if record and self.has(record.id) else None

    def current(self) -> Optional[Snapshot]:
        """The published snapshot, or None before the first publish."""
        snapshot_id = self.published_id()
        return self.load(snapshot_id) if snapshot_id else None

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "publish.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def publish(
        self,
        snapshot: Snapshot,
        by: str,
        changes: List[str] | None = None,
        expected: Optional[str] = "",
        action: str = "publish",
    ) -> Published:
        """Makes `snapshot` the one every worker serves. `expected`: the id it was checked
        against (None: whatever is published); another one published → PublishConflict."""
        self.put(snapshot)
        with self._locked():
            current = self.published_id()
            if expected is not None and (expected or None) != current:
                raise PublishConflict(current)
            record = Published(
                id=snapshot.id,
                published_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                by=by,
                action=action,
                changes=list(changes or [])[:50],
                previous=current,
            )
            line = {**record.as_dict(), "meta": _brief(snapshot)}
            with open(self.folder / HISTORY, "a", encoding="utf-8") as out:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
            _atomic_write(
                self.folder / POINTER, json.dumps(record.as_dict(), ensure_ascii=False).encode()
            )
        self.prune()
        return record

    def history(self) -> List[Dict[str, Any]]:
        """Every publish and rollback, oldest first."""
        try:
            lines = (self.folder / HISTORY).read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        out = []
        for line in lines:
            try:
                out.append(json.loads(line))
            except ValueError:
                continue  # a line cut by a crash: the pointer, not the history, is the truth
        return out

    def rollback(self, by: str) -> Published:
        """Publishes again the snapshot that was live before the current one."""
        current = self.published_id()
        record = self.published()
        previous = record.previous if record else None
        if not previous or not self.has(previous):
            earlier = [h["id"] for h in self.history() if h.get("id") != current]
            previous = next((i for i in reversed(earlier) if self.has(i)), None)
        if not previous:
            raise NothingToRollBack("no earlier knowledge snapshot to roll back to")
        return self.publish(
            self.load(previous),
            by,
            [f"{current} から {previous} に戻す"],
            expected=current,
            action="rollback",
        )

    def prune(self, keep: int = KEEP) -> None:
        """Deletes snapshot files beyond the newest `keep` (never the published one)."""
        if not self.snapshots.is_dir():
            return
        files = sorted(self.snapshots.glob("*.zip"), key=lambda p: p.stat().st_mtime)
        record = self.published()
        kept = {record.id, record.previous} if record else set()
        for path in files[:-keep] if len(files) > keep else []:
            if path.stem not in kept:
                path.unlink(missing_ok=True)


def _brief(snapshot: Snapshot) -> Dict[str, Any]:
    meta = snapshot.meta
    return {k: meta.get(k) for k in ("entries", "examples", "out_of_scope", "built_at")}


def _atomic_write(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
