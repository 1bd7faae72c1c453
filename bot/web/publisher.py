"""The content editor's publish: build a knowledge snapshot, check it, make it live, roll back.

No model is trained: the snapshot (bot/knowledge/) is built from the corpus files in seconds
(only new example questions are embedded; the FAQ classifier's fit starts from the live
weights), checked against the live one (bot/knowledge/check.py), and published by one atomic
rename (bot/knowledge/store.py). Every Rasa worker pulls it within `KNOWLEDGE_PULL_S`
(bot/knowledge/live.py) and says so in its next pull (bot/web/knowledge_server.py): the editor
sees when all of them serve it. One build or publish at a time in this web app; the store's
file lock and the checked-against id refuse a publish that another editor overtook.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Dict, List, Optional, Tuple

from starlette.concurrency import run_in_threadpool

from bot.knowledge.build import build_snapshot, ranking_config
from bot.knowledge.check import (
    Reader,
    changes_between,
    check_snapshot,
    corpus_reader,
    customer_reader,
    newly_answered,
)
from bot.knowledge.index import FaqIndex
from bot.knowledge.snapshot import Snapshot, SnapshotError
from bot.knowledge.store import KnowledgeStore, NothingToRollBack, PublishConflict
from bot.store.audit import AuditLog
from bot.web.common import ApiError
from bot.web.corpus_edit import EDIT_LOCK
from bot.web.knowledge_server import KNOWLEDGE_WORKERS
from bot.web.settings import Settings

log = logging.getLogger(__name__)
LIVE_TIMEOUT_S = 60.0  # after this, the editor is told which workers have not switched
OVERTAKEN = (
    "ほかの編集者が先に公開したため、公開しませんでした。あなたの編集は保存されています。"
    "「変更を確認」でもう一度確かめてから公開してください。"
)


class Publisher:
    """Builds, checks, publishes and rolls back this web app's corpus (see the module docstring)."""

    def __init__(self, settings: Settings, engine: Any) -> None:
        self.settings, self.engine = settings, engine
        self.store = KnowledgeStore(settings.corpus_dir, settings.project_dir)
        self.pending: List[str] = []  # saved edits not published yet
        self.status: Dict[str, Any] = {"state": "idle", "message": ""}
        self._lock = asyncio.Lock()
        self._indexes: Dict[str, FaqIndex] = {}
        self._rankings: Dict[tuple, Any] = {}  # (snapshot id, corpus question) -> its ranking
        self._task: Optional[asyncio.Task] = None
        self._live: Optional[Snapshot] = None

    # --- reading snapshots ---------------------------------------------------------------

    def index_of(self, snapshot: Snapshot) -> FaqIndex:
        if snapshot.id not in self._indexes:
            if len(self._indexes) > 4:
                self._indexes.clear()
            config = ranking_config(snapshot, self.settings.project_dir)
            self._indexes[snapshot.id] = snapshot.index(config)
        return self._indexes[snapshot.id]

    def _reader(self, snapshot: Snapshot) -> Reader:
        """The corpus's questions, with the rankings of each snapshot kept across checks."""
        if len(self._rankings) > 20_000:  # a few snapshots' questions; a new corpus: start again
            self._rankings.clear()
        return corpus_reader(snapshot, self._rankings)

    def live(self) -> Optional[Snapshot]:
        """The published snapshot, read from its file once per id (every check compares with it)."""
        snapshot_id = self.store.published_id()
        if snapshot_id is None:
            return None
        if self._live is None or self._live.id != snapshot_id:
            try:
                self._live = self.store.load(snapshot_id)
            except SnapshotError:
                log.exception("the published knowledge snapshot cannot be read")
                return None
        return self._live

    # --- build and check -----------------------------------------------------------------

    def _unanswered(self) -> List[str]:
        from bot.insights.groups import needs_attention
        from bot.store.journal import Journal

        turns = Journal(self.engine).turns(None, 2000)
        return [t.text for t in turns if t.text and needs_attention(t)]

    def _build_and_check(
        self, by: str, with_log: bool = True
    ) -> Tuple[Snapshot, Optional[Snapshot], Dict[str, Any]]:
        """The draft, the live snapshot and the preview; `with_log`: also which unanswered
        questions of the log it would answer (the preview shows it; a publish need not wait)."""
        started = time.monotonic()
        live = self.live()
        with EDIT_LOCK:  # the corpus files as one edit left them, never half of one
            draft = build_snapshot(
                self.settings.corpus_dir,
                project_dir=self.settings.project_dir,
                built_by=by,
                base=live,
            )
        built = time.monotonic()
        reader = self._reader(draft)
        result = check_snapshot(
            draft,
            self.index_of(draft),
            reader,
            live,
            self.index_of(live) if live else None,
        )
        checked = time.monotonic()
        if live is not None and with_log:
            result.newly_answered = newly_answered(
                draft,
                self.index_of(draft),
                self.index_of(live),
                customer_reader(draft),
                self._unanswered(),
            )
        preview = {
            "draft": draft.id,
            "base": live.id if live else None,
            "unchanged": live is not None and live.id == draft.id,
            "changes": changes_between(live, draft),
            "check": result.as_dict(),
            "build_seconds": draft.meta.get("build_seconds"),
            "embedded": draft.meta.get("embedded"),
            "seconds": {
                "build": round(built - started, 2),
                "check": round(checked - built, 2),
                "log": round(time.monotonic() - checked, 2),
            },
        }
        return draft, live, preview

    async def preview(self, by: str) -> Dict[str, Any]:
        """What publishing now would change, and whether it passes its check (nothing goes live)."""
        async with self._lock:
            _, _, preview = await run_in_threadpool(self._build_and_check, by)
        return preview

    # --- publish ---------------------------------------------------------------------------

    async def publish(
        self, by: str, client: str, confirm: bool = False, base: Optional[str] = None
    ) -> Dict[str, Any]:
        """Builds, checks and publishes. A failed check never publishes; regressions need
        `confirm`; `base` (the live id the editor's preview showed) guards against overtaking."""
        started = time.monotonic()
        async with self._lock:
            draft, live, preview = await run_in_threadpool(self._build_and_check, by, False)
            check = preview["check"]
            live_id = live.id if live else None
            if base is not None and base != live_id:
                raise ApiError(409, OVERTAKEN)
            if not check["passed"]:
                wrong = "、".join(
                    f"「{w['question']}」→ {w['answered_as']}" for w in check["canonical_wrong"][:3]
                )
                raise ApiError(
                    422,
                    "公開しませんでした。正式な質問が自分のエントリを見つけられません"
                    f"({wrong})。例文を見直してください。現在の内容で応答を続けています。",
                )
            if check["regressions"] and not confirm:
                return {"published": False, "needs_confirmation": True, **preview}
            if preview["unchanged"]:
                return {"published": False, "needs_confirmation": False, **preview}
            changes = preview["changes"]  # the saved notes say the same, in other words
            try:
                record = await run_in_threadpool(
                    self.store.publish, draft, by, changes, live_id or ""
                )
            except PublishConflict:
                raise ApiError(409, OVERTAKEN) from None
            await self._audit(by, "knowledge_publish", client, record, changes)
            self.pending = []
            self._follow(record.id, started, "publish")
        return {
            "published": True,
            "needs_confirmation": False,
            **preview,
            "status": self.snapshot(),
        }

    async def rollback(self, by: str, client: str) -> Dict[str, Any]:
        """Brings back the snapshot that was live before the current one."""
        started = time.monotonic()
        async with self._lock:
            try:
                record = await run_in_threadpool(self.store.rollback, by)
            except NothingToRollBack:
                raise ApiError(409, "戻せる以前の版がありません。") from None
            except PublishConflict:
                raise ApiError(409, OVERTAKEN) from None
            await self._audit(by, "knowledge_rollback", client, record)
            # The edits rolled back are still saved in the corpus: the next publish brings them
            # again unless the editor changes them back. They are listed as not published.
            undone = next(
                (
                    h.get("changes") or []
                    for h in reversed(self.store.history())
                    if h.get("id") == record.previous and h.get("action") == "publish"
                ),
                [],
            )
            self.pending = [f"{c}(元に戻した版。保存済みのため次の公開で再び反映)" for c in undone]
            self._follow(record.id, started, "rollback")
        return {"rolled_back": True, "status": self.snapshot()}

    async def _audit(
        self, by: str, action: str, client: str, record: Any, changes: List[str] = ()
    ) -> None:
        """The audit log's row: who made which snapshot live, over which one, with what."""
        detail = {"snapshot": record.id, "previous": record.previous, "changes": list(changes)[:20]}
        await run_in_threadpool(AuditLog(self.engine).record, by, action, None, client, detail)

    # --- until every worker serves it ------------------------------------------------------

    def expected_workers(self) -> int:
        settings = self.settings
        return settings.rasa_workers * len(settings.rasa_servers or [settings.rasa_url])

    def serving(self, snapshot_id: str) -> Tuple[int, Dict[str, str]]:
        seen = KNOWLEDGE_WORKERS.recent(10.0)
        return sum(1 for served in seen.values() if served == snapshot_id), seen

    def _follow(self, snapshot_id: str, started: float, action: str) -> None:
        self.status = {
            "state": "publishing",
            "action": action,
            "snapshot": snapshot_id,
            "started": started,
            "message": "すべてのワーカーへ反映しています…",
        }
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = asyncio.create_task(self._wait_live(snapshot_id, started))

    async def _wait_live(self, snapshot_id: str, started: float) -> None:
        expected = self.expected_workers()
        while True:
            on_new, _ = self.serving(snapshot_id)
            elapsed = time.monotonic() - started
            self.status.update(workers=on_new, workers_expected=expected)
            if on_new >= expected:
                done = (
                    "ひとつ前の版に戻しました"
                    if self.status.get("action") == "rollback"
                    else "公開しました"
                )
                self.status.update(
                    state="live",
                    live_after_s=round(elapsed, 2),
                    message=f"{done}。{elapsed:.1f} 秒ですべてのワーカー({expected})がこの版で"
                    "応答しています。",
                )
                return
            if elapsed > LIVE_TIMEOUT_S:
                self.status.update(
                    state="partial",
                    message=f"公開しましたが、{expected} ワーカー中 {on_new} しか新しい内容で"
                    "応答していません。残りは次の取得で切り替わります。",
                )
                return
            await asyncio.sleep(0.1)

    def note(self, change: str) -> None:
        """A saved edit the live snapshot does not have yet."""
        self.pending = [c for c in self.pending if c != change][-49:] + [change]

    def snapshot(self) -> Dict[str, Any]:
        """The editor's view: what is live, since when and by whom, how far a publish got."""
        record = self.store.published()
        status = {k: v for k, v in self.status.items() if k != "started"}
        if status.get("state") == "publishing":
            status["elapsed_s"] = round(time.monotonic() - self.status["started"], 1)
        on_live, _ = self.serving(record.id) if record else (0, {})
        return {
            **status,
            "live": record.as_dict() if record else None,
            "workers_on_live": on_live,
            "workers_expected": self.expected_workers(),
            "pending": list(self.pending),
            "history": list(reversed(self.store.history()[-10:])),
        }
