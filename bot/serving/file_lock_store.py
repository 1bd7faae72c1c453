"""A Rasa lock store on file locks, so several Rasa workers on one machine need no Redis.

Each conversation gets one lock file under a folder; a turn holds an exclusive `flock` on it
for as long as Rasa processes the message, so turns of one conversation never interleave,
whichever worker (process) receives them. The kernel drops the lock when a worker dies.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncGenerator, Optional

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore

from bot.serving.profile import EMBEDDED_LOCK_FOLDER


class FileLockStore(InMemoryLockStore):
    """Serializes the turns of a conversation across processes with `fcntl.flock`."""

    def __init__(self, endpoint_config: Any = None, folder: Optional[str] = None) -> None:
        super().__init__()
        kwargs = getattr(endpoint_config, "kwargs", {}) or {}
        self.folder = Path(folder or kwargs.get("folder") or EMBEDDED_LOCK_FOLDER)
        self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, conversation_id: str) -> Path:
        # Sender ids are arbitrary text: hash them into a safe file name.
        digest = hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()[:32]
        return self.folder / f"{digest}.lock"

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 0.01,
    ) -> AsyncGenerator[TicketLock, None]:
        fd = os.open(self._path(conversation_id), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await asyncio.sleep(wait_time_in_seconds)
            try:
                yield TicketLock(conversation_id)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
