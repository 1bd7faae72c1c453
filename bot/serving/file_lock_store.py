"""A Rasa lock store on file locks, so several Rasa workers on one machine need no Redis.

A turn holds an exclusive `flock` on its conversation's lock file under a folder for as long as
Rasa processes the message, so turns of one conversation never interleave, whichever worker
(process) receives them. The kernel drops the lock when a worker dies.

The file exists only while a turn holds it: the holder unlinks it before it lets go, so the
folder holds one file per turn in progress, not one per conversation ever seen. Unlinking a
locked file races with a process that opened the old file and now waits for its lock: once it
has the lock, it checks that the path still names the file it locked (same device and inode)
and, if not, starts over on the path's new file. Only the holder of the file at the path ever
unlinks it, so at most one process holds the file at the path: the one-turn-at-a-time guarantee.
A worker killed mid-turn leaves its file behind; every new lock store (each worker's start, so
also the replacement of a killed worker) reaps the files older than `STALE_S`, under the same
lock-and-check.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncGenerator, Optional

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore

from bot.serving.profile import EMBEDDED_LOCK_FOLDER

# A turn lasts seconds; a file this old is a killed worker's leftover (see above).
STALE_S = 3600.0


def _holds_path(fd: int, path: Path) -> bool:
    """Whether `path` still names the file open (and locked) at `fd`."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (mine.st_dev, mine.st_ino)


def _try_lock(path: Path) -> Optional[int]:
    """An fd holding the lock on the file at `path`, or None when another process holds it."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        if _holds_path(fd, path):
            return fd
        os.close(fd)  # its holder unlinked it meanwhile: lock the path's new file


def _release(fd: int, path: Path) -> None:
    """Unlinks the held file, then lets go of it (in this order: see the module's doc)."""
    try:
        path.unlink(missing_ok=True)
    finally:
        os.close(fd)  # closing the last descriptor drops the flock


class FileLockStore(InMemoryLockStore):
    """Serializes the turns of a conversation across processes with `fcntl.flock`."""

    def __init__(self, endpoint_config: Any = None, folder: Optional[str] = None) -> None:
        super().__init__()
        kwargs = getattr(endpoint_config, "kwargs", {}) or {}
        self.folder = Path(folder or kwargs.get("folder") or EMBEDDED_LOCK_FOLDER)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.reap()

    def _path(self, conversation_id: str) -> Path:
        # Sender ids are arbitrary text: hash them into a safe file name.
        digest = hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()[:32]
        return self.folder / f"{digest}.lock"

    def reap(self, older_than_s: float = STALE_S) -> int:
        """Removes the lock files nobody holds that are older than `older_than_s`; how many."""
        removed, now = 0, time.time()
        for path in self.folder.glob("*.lock"):
            try:
                if now - path.stat().st_mtime < older_than_s:
                    continue
            except FileNotFoundError:
                continue
            fd = _try_lock(path)
            if fd is not None:
                _release(fd, path)
                removed += 1
        return removed

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 0.01,
    ) -> AsyncGenerator[TicketLock, None]:
        path = self._path(conversation_id)
        while (fd := _try_lock(path)) is None:
            await asyncio.sleep(wait_time_in_seconds)
        try:
            yield TicketLock(conversation_id)
        finally:
            _release(fd, path)
