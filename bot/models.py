"""Where trained models live, which one is current, and training a new one."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Optional

MODELS_DIR = Path("models")
KEEP_MODELS = 3
POINTER = "published.json"  # names the model every Rasa server answers with (serving/publish)
REJECTED = Path("var/rejected-models")
MODEL_PATH = "/internal/model"  # the web app's model server (bot/web/model_server.py)


class NoModelError(RuntimeError):
    """No trained model yet."""


def latest_model(models_dir: Path = MODELS_DIR) -> Path:
    """The newest model archive; raises with the fix when there is none."""
    archives = sorted(Path(models_dir).glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not archives:
        raise NoModelError(f"no trained model in {models_dir}/: run `make train` first")
    return archives[-1]


def pointer(models_dir: Path = MODELS_DIR) -> Optional[Dict[str, Any]]:
    """What `published.json` says, or None when nothing was published (or it is unreadable)."""
    try:
        data = json.loads((Path(models_dir) / POINTER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("model"), str) else None


def published_model(models_dir: Path = MODELS_DIR) -> Path:
    """The published model; before the first publish (or if its file is gone), the newest."""
    data = pointer(models_dir)
    if data is not None:
        path = Path(models_dir) / Path(data["model"]).name
        if path.is_file():
            return path
    return latest_model(models_dir)


def publish(model: Path, validation: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Names `model` (an archive inside its models folder) as the one to serve, atomically."""
    model = Path(model)
    if not model.is_file():
        raise NoModelError(f"{model} does not exist")
    record = {
        "model": model.name,
        "published_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "validation": validation,
    }
    handle, temporary = tempfile.mkstemp(dir=model.parent, prefix=".published-", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(record, out, ensure_ascii=False)
    os.replace(temporary, model.parent / POINTER)
    return record


def reject(model: Path, project_dir: Path) -> Path:
    """Moves a model that failed validation out of `models/`, where nothing picks it up."""
    folder = Path(project_dir) / REJECTED
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / Path(model).name
    shutil.move(str(model), target)
    return target


def prune_models(models_dir: Path = MODELS_DIR, keep: int = KEEP_MODELS) -> None:
    """Deletes all but the newest `keep` archives (never the published one)."""
    archives = sorted(Path(models_dir).glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    published = (pointer(models_dir) or {}).get("model")
    for old in archives[:-keep]:
        if old.name != published:
            old.unlink(missing_ok=True)


def train_model(
    config: Path = Path("config.yml"),
    domain: Path = Path("domain.yml"),
    data: Path = Path("data"),
    out: Path = MODELS_DIR,
    fixed_name: str | None = None,
    force: bool = False,
    finetune: Path | None = None,
    epoch_fraction: float = 1.0,
) -> Path:
    """Trains with Rasa (it skips training when nothing changed) and returns the model path."""
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    from rasa.model_training import train

    result = train(
        domain=str(domain),
        config=str(config),
        training_files=[str(data)],
        output=str(out),
        force_training=force,
        fixed_model_name=fixed_name,
        model_to_finetune=str(finetune) if finetune else None,
        finetuning_epoch_fraction=epoch_fraction if finetune else 1.0,
    )
    if result.code != 0 or not result.model:
        raise RuntimeError(f"rasa train failed (exit {result.code}); see the log above")
    prune_models(Path(out))
    return Path(result.model)
