"""Publishing: which model the Rasa servers pull, and the check a new model must pass first."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from bot.models import NoModelError, prune_models, published_model
from bot.serving.publish import publish, reject, validate_model
from tests.conftest import ROOT


def archive(folder: Path, name: str, age_s: float = 0.0) -> Path:
    path = folder / name
    path.write_bytes(b"model " + name.encode())
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    return path


def test_before_any_publish_the_newest_model_is_served(tmp_path):
    with pytest.raises(NoModelError):
        published_model(tmp_path)
    archive(tmp_path, "old.tar.gz", age_s=60)
    newest = archive(tmp_path, "new.tar.gz")
    assert published_model(tmp_path) == newest


def test_the_published_model_wins_over_a_newer_unpublished_one(tmp_path):
    chosen = archive(tmp_path, "chosen.tar.gz", age_s=60)
    record = publish(chosen, {"ok": True, "questions": 3, "right": 3})
    archive(tmp_path, "newer-not-validated.tar.gz")
    assert published_model(tmp_path) == chosen
    stored = json.loads((tmp_path / "published.json").read_text(encoding="utf-8"))
    assert stored == record and stored["model"] == "chosen.tar.gz"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_a_pointer_to_a_vanished_or_unreadable_model_falls_back_to_the_newest(tmp_path):
    chosen = archive(tmp_path, "chosen.tar.gz", age_s=60)
    newest = archive(tmp_path, "newest.tar.gz")
    publish(chosen)
    chosen.unlink()
    assert published_model(tmp_path) == newest
    (tmp_path / "published.json").write_text("{not json", encoding="utf-8")
    assert published_model(tmp_path) == newest


def test_publishing_a_missing_file_is_refused(tmp_path):
    with pytest.raises(NoModelError):
        publish(tmp_path / "nothing.tar.gz")


def test_pruning_never_deletes_the_published_model(tmp_path):
    published = archive(tmp_path, "a.tar.gz", age_s=100)
    publish(published)
    for i, name in enumerate(("b", "c", "d", "e")):
        archive(tmp_path, f"{name}.tar.gz", age_s=50 - i)
    prune_models(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.glob("*.tar.gz")) == ["a.tar.gz", "d.tar.gz", "e.tar.gz"]


def test_a_rejected_model_leaves_the_models_folder(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    good = archive(models, "good.tar.gz", age_s=60)
    bad = archive(models, "bad.tar.gz")
    moved = reject(bad, tmp_path)
    assert moved == tmp_path / "var" / "rejected-models" / "bad.tar.gz" and moved.exists()
    assert published_model(models) == good


def test_an_archive_that_does_not_load_fails_validation(tmp_path):
    broken = archive(tmp_path, "broken.tar.gz")
    result = validate_model(broken, ROOT / "faq_corpus")
    assert result["ok"] is False and result["error"]


def test_the_trained_model_answers_its_canonical_questions(trained_model):
    result = validate_model(trained_model, ROOT / "faq_corpus")
    assert result["ok"] is True, result
    assert result["questions"] >= 40 and result["right"] / result["questions"] >= 0.9
