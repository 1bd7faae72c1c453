"""The knowledge snapshot a Rasa worker serves, pulled from the web app and swapped in whole.

Each worker asks `KNOWLEDGE_URL` (the web app's `/internal/knowledge`, with the model server's
token) every `KNOWLEDGE_PULL_S` seconds (default 0.5) with the id it serves in `If-None-Match`:
`304` while nothing changed, else the published snapshot's file, whose content must hash to
the id the `ETag` names. The FAQ index for the ranker's config is built in this pull thread,
and only then does one reference swap make it current: a turn reads that reference once, so it
is ranked and answered by one snapshot, and no turn waits for a swap. Pulling, not pushing:
a worker that was down, restarted or replaced asks on its own, and the web app needs no list
of workers (its record of the pulls, by `worker=` name, tells the editor who serves what).

A snapshot built with another FAQ ranker config than the model's is not used (the worker keeps
the index inside its model and says why in its log): the next `make train` publishes a
matching one.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Optional, Tuple

from bot.knowledge.index import FaqIndex
from bot.knowledge.snapshot import Snapshot, SnapshotError

log = logging.getLogger(__name__)
PULL_S = 0.5  # a 304 costs the web app about a millisecond; 4 workers ask 8 times a second
TIMEOUT_S = 10.0


def worker_name() -> str:
    """This worker as the web app knows it (the model pulls use the same name)."""
    return f"{socket.gethostname()}-{os.getpid()}"


class LiveKnowledge:
    """The snapshot this process serves and the FAQ indexes made of it (one per ranker config)."""

    def __init__(
        self, url: str, token: str = "", interval_s: float = PULL_S, autostart: bool = False
    ) -> None:
        self.url, self.token, self.interval_s = url, token, interval_s
        self.autostart = autostart  # pull in a thread of its own (a worker), or only when told
        # (snapshot, {config key: index}) swapped as one reference
        self._state: Tuple[Optional[Snapshot], Dict[str, FaqIndex]] = (None, {})
        self._configs: Dict[str, Tuple[Dict[str, Any], Dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self._pid = 0
        self._warned: set = set()
        self.pulls = 0
        self.swaps = 0

    @property
    def snapshot(self) -> Optional[Snapshot]:
        return self._state[0]

    @property
    def serving(self) -> str:
        """The id of the snapshot this worker answers from: "" while its model's own index
        answers (nothing pulled yet, or a snapshot built for another config)."""
        snapshot, indexes = self._state
        return snapshot.id if snapshot is not None and indexes else ""

    def register(self, ranking: Dict[str, Any], builder: Dict[str, Any]) -> str:
        """Makes every later snapshot build its index for a ranker with this config too; the
        key to ask `index` with (a ranker registers once, when its model loads)."""
        key = json.dumps([ranking, builder], sort_keys=True, default=str)
        with self._lock:
            self._configs.setdefault(key, (ranking, builder))
        if self.autostart:
            self.ensure_running()  # in this process: a worker forked after the model loaded
        return key

    def index(self, key: str) -> Optional[FaqIndex]:
        """The current snapshot's index for a registered config, or None (no snapshot yet, or
        one built with another config). On the turn's path: one lookup when it is built."""
        snapshot, indexes = self._state
        if snapshot is None:
            return None
        if key in indexes:
            return indexes[key]
        ranking, builder = self._configs[key]
        index = self._index(snapshot, ranking, builder)
        if index is not None:
            with self._lock:
                if self._state[0] is snapshot:
                    self._state = (snapshot, {**self._state[1], key: index})
        return index

    def index_for(self, ranking: Dict[str, Any], builder: Dict[str, Any]) -> Optional[FaqIndex]:
        """`register`, then `index`."""
        return self.index(self.register(ranking, builder))

    def _index(
        self, snapshot: Snapshot, ranking: Dict[str, Any], builder: Dict[str, Any]
    ) -> Optional[FaqIndex]:
        if snapshot.meta.get("builder") != builder:
            if snapshot.id not in self._warned:
                self._warned.add(snapshot.id)
                log.warning(
                    "knowledge snapshot %s was built with another FAQ ranker config (%s) than "
                    "the model's (%s): answering from the model's own index until a matching "
                    "snapshot is published (make train publishes one)",
                    snapshot.id,
                    snapshot.meta.get("builder"),
                    builder,
                )
            return None
        return snapshot.index(ranking)

    def install(self, snapshot: Snapshot) -> None:
        """Makes `snapshot` current, with the indexes of every ranker config built first."""
        indexes = {}
        for key, (ranking, builder) in list(self._configs.items()):
            index = self._index(snapshot, ranking, builder)
            if index is not None:
                indexes[key] = index
        with self._lock:
            self._state = (snapshot, indexes)
            self.swaps += 1
        log.info("now answering from knowledge snapshot %s", snapshot.id)

    def pull_once(
        self, fetch: Optional[Callable[..., Tuple[int, Dict[str, str], bytes]]] = None
    ) -> bool:
        """Asks for the published snapshot once; True when a new one was installed."""
        current = self.snapshot.id if self.snapshot else ""
        status, headers, body = (fetch or self._fetch)(current)
        self.pulls += 1
        if status != 200:
            return False
        expected = (headers.get("etag") or "").strip('"') or None
        try:
            snapshot = Snapshot.from_bytes(body, expected)
        except SnapshotError as error:
            log.error("knowledge pull: %s; the current snapshot stays", error)
            return False
        if current and snapshot.id == current:
            return False
        self.install(snapshot)
        # Ask again at once: the 304 tells the web app this worker serves the new snapshot.
        try:
            (fetch or self._fetch)(snapshot.id)
        except OSError:
            pass
        return True

    def _fetch(self, current: str) -> Tuple[int, Dict[str, str], bytes]:
        query = urllib.parse.urlencode(
            {"token": self.token, "worker": worker_name(), "serving": self.serving}
        )
        separator = "&" if "?" in self.url else "?"
        request = urllib.request.Request(f"{self.url}{separator}{query}")
        if current:
            request.add_header("If-None-Match", f'"{current}"')
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                headers = {k.lower(): v for k, v in response.headers.items()}
                return response.status, headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, {}, b""

    def ensure_running(self) -> None:
        """Starts the pull thread in this process (again after a fork: threads do not follow)."""
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="knowledge-pull", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                self.pull_once()
            except Exception as error:  # noqa: BLE001 - the web app restarting, say: ask again
                log.debug("knowledge pull failed: %s", error)
            time.sleep(self.interval_s)


_live: Optional[LiveKnowledge] = None
MODEL_PATH, KNOWLEDGE_PATH = "/internal/model", "/internal/knowledge"


def knowledge_url(env: Dict[str, str]) -> str:
    """KNOWLEDGE_URL, else the model server's address with the knowledge path: the web app that
    serves a Rasa server its model serves it its knowledge."""
    url = (env.get("KNOWLEDGE_URL") or "").strip()
    model = (env.get("MODEL_SERVER_URL") or "").strip()
    if not url and model.endswith(MODEL_PATH):
        url = model[: -len(MODEL_PATH)] + KNOWLEDGE_PATH
    return url


def live_knowledge() -> Optional[LiveKnowledge]:
    """This process's LiveKnowledge when there is a web app to pull from (`knowledge_url`), else None:
    a model loaded on its own (`bot ask`, evaluations) answers from its own index."""
    global _live
    url = knowledge_url(os.environ)
    if not url:
        return None
    if _live is None or _live.url != url:
        _live = LiveKnowledge(
            url,
            os.environ.get("MODEL_SERVER_TOKEN", ""),
            float(os.environ.get("KNOWLEDGE_PULL_S") or PULL_S),
            autostart=True,
        )
        try:  # the first snapshot before the first turn, when the web app answers already
            _live.pull_once()
        except Exception as error:  # noqa: BLE001 - the pull thread keeps asking
            log.info("no knowledge snapshot yet (%s): the model's own index answers", error)
    return _live
