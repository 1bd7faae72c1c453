"""A scratch project with the shop's corpus, for building, checking and publishing snapshots."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path) -> Path:
    """The corpus, catalog, config and out-of-scope examples: what a snapshot is built from."""
    for name in ("faq_catalog.yml", "config.yml", "config_few_examples.yml"):
        shutil.copy2(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "faq_corpus", tmp_path / "faq_corpus")
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    shutil.copy2(ROOT / "data/nlu/out_of_scope.yml", tmp_path / "data/nlu/out_of_scope.yml")
    return tmp_path


@pytest.fixture(scope="session")
def shop_snapshot():
    """The shop's snapshot, built once (vectors from the repository's embedding cache)."""
    from bot.knowledge.build import build_snapshot

    return build_snapshot(ROOT / "faq_corpus", project_dir=ROOT)
