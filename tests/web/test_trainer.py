"""The content editor's retrain: a model that fails its check is never published; a model that
passes is published before the editor waits for the Rasa workers to answer with it."""

from __future__ import annotations

import asyncio
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.models import pointer
from bot.serving.actions_server import free_port
from bot.web import trainer as trainer_module
from bot.web.settings import Settings
from bot.web.trainer import Trainer
from bot.web.upstream import Upstream

FAILED_CHECK = {
    "ok": False,
    "questions": 44,
    "right": 12,
    "accuracy": 0.27,
    "wrong": [{"id": "cancellation_method", "question": "解約方法は?", "answered_as": "fallback"}],
}


def fake_train(tmp_path: Path, lines: list[str], code: int) -> list[str]:
    """A stand-in for `bot train` that prints what it would and exits with `code`."""
    script = tmp_path / "train.py"
    script.write_text(
        f"import sys\nfor line in {lines!r}:\n    print(line, flush=True)\nsys.exit({code})\n",
        encoding="utf-8",
    )
    return [sys.executable, str(script)]


def run(settings: Settings) -> dict:
    async def go() -> dict:
        nobody = f"http://127.0.0.1:{free_port()}"  # no Rasa listens there
        upstream = Upstream(nobody, nobody, None, 2.0)
        trainer = Trainer(settings, upstream)
        trainer.start("editor")
        await trainer._task
        await upstream.close()
        return trainer.snapshot()

    # Its own thread: the session's Playwright browser (sync API) keeps an event loop running
    # on the main thread, where asyncio.run refuses to start another.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, go()).result()


def test_a_model_failing_its_check_is_not_published_and_the_editor_learns_why(tmp_path):
    (tmp_path / "models").mkdir()
    lines = [
        "Starting to train component 'DIETClassifier'",
        "validation: " + json.dumps(FAILED_CHECK),
    ]
    settings = Settings(
        project_dir=tmp_path,
        train_command=fake_train(tmp_path, lines, trainer_module.VALIDATION_FAILED),
        model_server_token="t",
    )
    status = run(settings)
    assert status["state"] == "failed"
    assert "検証に通らなかったため公開しませんでした" in status["message"]
    assert "44 件中 12 件" in status["message"] and "解約方法は?" in status["message"]
    assert "以前のモデルで応答を続けています" in status["message"]
    assert status["validation"]["ok"] is False
    assert pointer(tmp_path / "models") is None  # nothing was published


def test_a_validated_model_is_published_then_the_editor_waits_for_the_workers(
    tmp_path, monkeypatch
):
    models = tmp_path / "models"
    models.mkdir()
    model = models / "20261202-120000-new.tar.gz"
    model.write_bytes(b"archive")
    check = dict(FAILED_CHECK, ok=True, right=44, accuracy=1.0, wrong=[])
    lines = ["validation: " + json.dumps(check), f"model: {model}"]
    monkeypatch.setattr(trainer_module, "LOAD_TIMEOUT_S", 1.0)
    settings = Settings(
        project_dir=tmp_path,
        train_command=fake_train(tmp_path, lines, 0),
        model_server_token="t",
        model_pull_s=1.0,
        rasa_workers=2,
    )
    status = run(settings)
    assert pointer(models)["model"] == model.name  # published, with its check
    assert pointer(models)["validation"]["right"] == 44
    # No Rasa answered: the editor is told that 0 of 2 workers have it, not "done".
    assert status["state"] == "failed"
    assert "2 ワーカー中 0" in status["message"]
