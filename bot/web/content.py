"""Content editor API: browse, search, edit and add FAQ entries; retrain and swap the model."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections import deque
from pathlib import Path
from typing import Any, Deque, Dict, List, Optional

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from bot.corpora import workspace
from bot.faq.check import FAQ_ID
from bot.web.agent import understanding
from bot.web.common import ApiError, read_json, require_role, state_of
from bot.web.corpus_edit import EditRejected, Paths, find_entry, list_entries, save_entry
from bot.web.labels import faq_labels
from bot.web.settings import Settings
from bot.web.upstream import Upstream, UpstreamError

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/content")
CONFUSION_CONFIDENCE = 0.5

# Share of the whole run each training step takes (measured on 2 cores), for the progress bar.
STEP_SHARE = {"DIETClassifier": (10, 30), "ResponseSelector": (30, 88)}
EPOCHS = re.compile(r"Epochs:\s+(\d+)%")
COMPONENT = re.compile(r"Starting to train component '([^']+)'")
MODEL_LINE = re.compile(r"^model: (.+\.tar\.gz)\s*$", re.MULTILINE)


class Trainer:
    """One retrain at a time: trains in a child process, then swaps the model into Rasa."""

    def __init__(self, settings: Settings, upstream: Upstream) -> None:
        self.settings, self.upstream = settings, upstream
        self.log: Deque[str] = deque(maxlen=60)
        self.status: Dict[str, Any] = {"state": "idle", "progress": 0, "stage": "", "message": ""}
        self.pending: List[str] = []  # saved changes the running model does not have yet
        self._task: Optional[asyncio.Task] = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def note(self, change: str) -> None:
        """Records a saved change, so the editor sees what the next retrain will bring in."""
        self.pending = [c for c in self.pending if c != change][-49:] + [change]

    def start(self, requested_by: str) -> Dict[str, Any]:
        if self.running:
            raise ApiError(409, "学習はすでに実行中です。完了までお待ちください。")
        self.log.clear()
        self.status = {
            "state": "running",
            "progress": 1,
            "stage": "準備中",
            "message": "",
            "requested_by": requested_by,
            "started_at": time.time(),
            "changes": self.pending,
        }
        self.pending = []
        self._task = asyncio.create_task(self._run())
        return self.snapshot()

    def snapshot(self) -> Dict[str, Any]:
        out = dict(self.status)
        if "started_at" in out:
            end = out.get("finished_at") or time.time()
            out["elapsed_s"] = round(end - out["started_at"], 1)
        out["log"] = list(self.log)[-15:]
        out["pending"] = list(self.pending)
        return out

    def _set(self, **values: Any) -> None:
        self.status.update(values)

    def _follow(self, text: str) -> None:
        for line in re.split(r"[\r\n]+", text):
            line = line.strip()
            if not line:
                continue
            component = COMPONENT.search(line)
            if component:
                name = component.group(1)
                self._set(stage=f"{name} を学習中")
                start = STEP_SHARE.get(name, (None,))[0]
                if start is not None:
                    self._set(progress=max(self.status["progress"], start))
                elif self.status["progress"] >= STEP_SHARE["ResponseSelector"][1]:
                    self._set(progress=min(94, self.status["progress"] + 1))
                else:
                    self._set(progress=min(9, self.status["progress"] + 1))
            epochs = EPOCHS.search(line)
            stage = self.status.get("stage", "")
            for name, (low, high) in STEP_SHARE.items():
                if epochs and stage.startswith(name):
                    value = low + (high - low) * int(epochs.group(1)) / 100
                    self._set(progress=max(self.status["progress"], int(value)))
            if not line.startswith("Epochs:"):
                self.log.append(line[:300])

    async def _mode(self) -> str:
        """ "finetune" when the FAQ labels are those of the loaded model, else "full"."""
        models = self.settings.project_dir / workspace(self.settings.corpus).models
        if not any(models.glob("*.tar.gz")):
            return "full"
        try:
            loaded = await self.upstream.faq_labels()
        except UpstreamError:
            return "full"
        corpus = await run_in_threadpool(faq_labels, self.settings.corpus_dir)
        return "finetune" if loaded and loaded == set(corpus) else "full"

    async def _train(self, command: List[str]) -> tuple[int, Optional[Path]]:
        settings = self.settings
        env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", FAQ_CORPUS=str(settings.corpus))
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=str(settings.project_dir),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert process.stdout is not None
        tail: Deque[str] = deque(maxlen=50)
        while True:
            chunk = await process.stdout.read(4096)
            if not chunk:
                break
            text = chunk.decode("utf-8", "replace")
            tail.append(text)
            self._follow(text)
        code = await process.wait()
        found = MODEL_LINE.search("".join(tail))
        if code != 0 or not found:
            return code or 1, None
        model = Path(found.group(1).strip())
        return 0, (model if model.is_absolute() else settings.project_dir / model)

    async def _run(self) -> None:
        command = list(self.settings.train_command)
        try:
            mode = await self._mode()
            self._set(mode=mode)
            code, model = await self._train(
                command + (["--finetune"] if mode == "finetune" else [])
            )
            if model is None and mode == "finetune":
                self.log.append("微調整できなかったため、最初から学習し直します。")
                self._set(mode="full", progress=1)
                code, model = await self._train(command)
            if model is None:
                reason = next(
                    (line for line in reversed(self.log) if "rror" in line or "problem" in line),
                    self.log[-1] if self.log else "",
                )
                self._fail(f"学習に失敗しました(終了コード {code})。{reason}")
                return
            self._set(stage="新しいモデルを読み込み中", progress=95)
            await self.upstream.replace_model(str(model.resolve()))
            loaded = (await self.upstream.status()).get("model_file", "")
            if Path(loaded).name != model.name:
                self._fail(f"Rasa が新しいモデルを読み込んでいません(現在: {Path(loaded).name})。")
                return
            self._set(
                state="succeeded",
                progress=100,
                stage="完了",
                model=model.name,
                finished_at=time.time(),
                message=f"新しいモデル {model.name} で応答しています。",
            )
        except UpstreamError as error:
            self._fail(f"新しいモデルを Rasa に読み込めませんでした({error.reason})。")
        except Exception as error:  # noqa: BLE001 - the editor must learn why, whatever it is
            log.exception("retrain failed")
            self._fail(f"学習を実行できませんでした: {error}")

    def _fail(self, message: str) -> None:
        self.pending = list(self.status.get("changes", [])) + self.pending  # still to bring in
        self._set(
            state="failed",
            stage="失敗",
            finished_at=time.time(),
            message=message + " 以前のモデルで応答を続けています。",
        )


def paths_of(request: Request) -> Paths:
    settings = state_of(request).settings
    return Paths(settings.project_dir, settings.corpus_dir, settings.is_shop_corpus)


async def confusions(request: Request, faq_id: str, texts: List[str]) -> List[str]:
    """Warnings for new questions the running model gives to another entry."""
    state = state_of(request)
    titles = await run_in_threadpool(faq_labels, state.settings.corpus_dir)
    warnings = []
    for text in texts[:50]:
        try:
            seen = understanding(await state.upstream.parse(text), titles)
        except UpstreamError:
            return [
                "Rasa サーバーに接続できないため、ほかのエントリとの重なりは確認できませんでした。"
            ]
        other = seen["predicted"]
        if (
            other
            and other.startswith("faq/")
            and other != f"faq/{faq_id}"
            and seen["confidence"] >= CONFUSION_CONFIDENCE
        ):
            warnings.append(
                f"「{text}」は現在のモデルでは別のエントリ「{seen['predicted_title']}」"
                f"({other[4:]}、確信度 {seen['confidence']:.2f})と判定されます。"
                "紛らわしくないか確認してください。"
            )
    return warnings


@router.get("/entries")
async def entries(request: Request, q: str = "") -> dict:
    require_role(request, "content")
    found = await run_in_threadpool(list_entries, paths_of(request), q[:100])
    return {"entries": found}


@router.get("/entries/{faq_id}")
async def entry(request: Request, faq_id: str) -> dict:
    require_role(request, "content")
    found = await run_in_threadpool(find_entry, paths_of(request), faq_id)
    if found is None:
        raise ApiError(404, f"エントリ '{faq_id[:80]}' は見つかりません。")
    return {"entry": found}


def rejected_edit(rejected: EditRejected) -> ApiError:
    return ApiError(422, "保存できませんでした。" + " / ".join(rejected.problems[:20]))


async def _save(
    request: Request, faq_id: str, category: Optional[str], data: Dict[str, Any]
) -> dict:
    try:
        new = await run_in_threadpool(save_entry, paths_of(request), faq_id, data, category)
    except EditRejected as rejected:
        raise rejected_edit(rejected) from None
    warnings = await confusions(request, faq_id, new)
    saved = await run_in_threadpool(find_entry, paths_of(request), faq_id)
    what = "追加" if category is not None else "編集"
    request.app.state.trainer.note(f"エントリ {faq_id} を{what}")
    return {"entry": saved, "warnings": warnings, "retrain_needed": True}


async def add_entry(request: Request, data: Dict[str, Any]) -> dict:
    """Adds a new entry (`id` and `category` among `data`'s fields): checked, then written."""
    faq_id, category = data.get("id"), data.get("category")
    if not isinstance(faq_id, str) or not FAQ_ID.match(faq_id):
        raise ApiError(422, "id は半角英小文字で始まり、英小文字・数字・_ だけで書いてください。")
    if not isinstance(category, str) or not category:
        raise ApiError(422, "カテゴリを選んでください。")
    return await _save(request, faq_id, category, data)


@router.put("/entries/{faq_id}")
async def update(request: Request, faq_id: str) -> dict:
    require_role(request, "content")
    return await _save(request, faq_id, None, await read_json(request))


@router.post("/entries")
async def add(request: Request) -> dict:
    require_role(request, "content")
    return await add_entry(request, await read_json(request))


@router.get("/categories")
async def categories(request: Request) -> dict:
    require_role(request, "content")
    found = await run_in_threadpool(list_entries, paths_of(request), "")
    return {"categories": sorted({e["category"] for e in found if e["category"]})}


@router.post("/train")
async def train(request: Request) -> dict:
    session = require_role(request, "content")
    await read_json(request)
    return {"training": request.app.state.trainer.start(session.account.username)}


@router.get("/train")
async def training(request: Request) -> dict:
    require_role(request, "content")
    return {"training": request.app.state.trainer.snapshot()}
