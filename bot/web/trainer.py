"""The content editor's retrain: train in a child process, validate, publish, wait until live.

One retrain at a time. `bot train --validate --no-publish`, in Rasa's Python
(bot/pythons.py), trains and checks the new model (bot/serving/publish.py); the trainer then
publishes it (bot/models.py), and every Rasa worker of every Rasa server pulls it from the
model server (bot/web/model_server.py). The editor sees when all of them answer with it. A
model that fails its check is never published.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from collections import deque
from pathlib import Path
from typing import Any, Deque, Dict, List, Optional

from starlette.concurrency import run_in_threadpool

from bot.corpora import workspace
from bot.models import publish
from bot.web.common import ApiError
from bot.web.labels import faq_labels
from bot.web.model_server import WORKERS
from bot.web.settings import Settings
from bot.web.upstream import Upstream, UpstreamError

log = logging.getLogger(__name__)

# Share of the whole run each training step takes, for the progress bar: the featurizers
# (sentence embeddings) before DIET, DIET's epochs, then the FAQ ranker; the rest is quick.
STEP_SHARE = {"DIETClassifier": (15, 75), "FaqRanker": (75, 88)}
EPOCHS = re.compile(r"Epochs:\s+(\d+)%")
COMPONENT = re.compile(r"Starting to train component '([^']+)'")
MODEL_LINE = re.compile(r"^model: (.+\.tar\.gz)\s*$", re.MULTILINE)
VALIDATION_FAILED = 3  # `bot train --validate`: the model failed its check and was rejected
LOAD_TIMEOUT_S = 240.0  # after the pull interval: a worker downloads and loads the model


def validation_message(result: Optional[Dict[str, Any]]) -> str:
    """Why a new model was not published, for the editor."""
    result = result or {}
    if result.get("error"):
        return f"新しいモデルを読み込めなかったため公開しませんでした({result['error']})。"
    wrong = "、".join(
        f"「{w['question']}」→ {w['answered_as']}" for w in (result.get("wrong") or [])[:3]
    )
    return (
        "新しいモデルは検証に通らなかったため公開しませんでした。正式な質問 "
        f"{result.get('questions', 0)} 件中 {result.get('right', 0)} 件しか正しく回答できません"
        f"({wrong})。"
    )


class Trainer:
    """One retrain at a time: trains in a child process, then swaps the model into Rasa."""

    def __init__(self, settings: Settings, upstream: Upstream, publisher: Any = None) -> None:
        self.settings, self.upstream, self.publisher = settings, upstream, publisher
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
                now = self.status["progress"]
                if start is not None:
                    self._set(progress=max(now, start))
                else:  # a quick step: one point, never past the next slow step's start
                    ahead = [low for low, _ in STEP_SHARE.values() if low > now]
                    self._set(progress=max(now, min(now + 1, min(ahead, default=95) - 1)))
            if line.startswith("validation: "):
                self._validation(line[len("validation: ") :])
                continue
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
        # The editor's model is checked before anyone gets it, and published here, not by train.
        command = list(self.settings.train_command) + ["--validate", "--no-publish"]
        try:
            mode = await self._mode()
            self._set(mode=mode)
            code, model = await self._train(
                command + (["--finetune"] if mode == "finetune" else [])
            )
            if model is None and mode == "finetune" and code != VALIDATION_FAILED:
                self.log.append("微調整できなかったため、最初から学習し直します。")
                self._set(mode="full", progress=1)
                code, model = await self._train(command)
            if model is None:
                if code == VALIDATION_FAILED:
                    self._fail(validation_message(self.status.get("validation")))
                    return
                reason = next(
                    (line for line in reversed(self.log) if "rror" in line or "problem" in line),
                    self.log[-1] if self.log else "",
                )
                self._fail(f"学習に失敗しました(終了コード {code})。{reason}")
                return
            self._set(stage="新しいモデルを公開中", progress=95, model=model.name)
            await self._go_live(model)
            if self.status["state"] == "succeeded" and self.publisher is not None:
                # The FAQ content as saved goes live with the model (a snapshot for its config).
                await self.publisher.publish(self.status.get("requested_by", ""), "trainer", True)
        except UpstreamError as error:
            self._fail(
                f"新しいモデルで Rasa が応答しているか確かめられませんでした({error.reason})。"
            )
        except Exception as error:  # noqa: BLE001 - the editor must learn why, whatever it is
            log.exception("retrain failed")
            self._fail(f"学習を実行できませんでした: {error}")

    def _validation(self, text: str) -> None:
        try:
            result = json.loads(text)
        except ValueError:
            return
        self._set(validation=result, stage="新しいモデルを検証中")
        if result.get("ok"):
            self.log.append(
                f"検証: 正式な質問 {result.get('questions')} 件中 {result.get('right')} 件に"
                "正しく回答しました。"
            )

    async def _go_live(self, model: Path) -> None:
        """Publishes the validated model, then waits until every Rasa worker answers with it."""
        settings, upstream = self.settings, self.upstream
        await run_in_threadpool(publish, model, self.status.get("validation"))
        if not settings.model_server_token:  # no model server: load it into the one Rasa
            await upstream.replace_model(str(model.resolve()))
            loaded = Path(str((await upstream.status()).get("model_file", ""))).name
            self._done(model, int(loaded == model.name), {settings.rasa_url: loaded}, 1)
            return
        servers = settings.rasa_servers or [settings.rasa_url]
        expected = settings.rasa_workers * len(servers)
        deadline = time.monotonic() + settings.model_pull_s + LOAD_TIMEOUT_S
        upstream.swapping = True  # a worker loading the model answers late: wait, do not fail
        try:
            while True:
                # Every worker's pulls say which model it answers with (bot/web/model_server.py).
                seen = WORKERS.recent(LOAD_TIMEOUT_S)
                on_new = sum(1 for name in seen.values() if name == model.name)
                self._set(
                    stage=f"新しいモデルで応答しているワーカー: {on_new} / {expected}",
                    progress=max(self.status["progress"], 95 + int(4 * on_new / expected)),
                    workers=on_new,
                    workers_expected=expected,
                )
                if on_new >= expected or time.monotonic() > deadline:
                    self._done(model, on_new, seen, expected)
                    return
                await asyncio.sleep(0.5)
        finally:
            upstream.swapping = False

    def _done(self, model: Path, on_new: int, seen: Dict[str, Any], expected: int) -> None:
        if on_new < expected:
            self._fail(
                f"新しいモデル {model.name} を公開しましたが、{expected} ワーカー中 {on_new} しか"
                "読み込んでいません。残りは次の取得で切り替わります。"
            )
            return
        self._set(
            state="succeeded",
            progress=100,
            stage="完了",
            finished_at=time.time(),
            worker_models=seen,
            message=(
                f"新しいモデル {model.name} で、すべてのワーカー({expected})が応答しています。"
            ),
        )

    def _fail(self, message: str) -> None:
        self.pending = list(self.status.get("changes", [])) + self.pending  # still to bring in
        self._set(
            state="failed",
            stage="失敗",
            finished_at=time.time(),
            message=message + " 以前のモデルで応答を続けています。",
        )
