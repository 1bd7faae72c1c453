"""Shared fixtures: the repository root as working directory, and one trained model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    # Rasa and the CLI resolve config.yml, data/ and faq_corpus/ from the working directory.
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The current model: `make test` trains it first; trained here when missing."""
    from bot.models import NoModelError, latest_model, train_model

    os.chdir(ROOT)
    try:
        return latest_model(ROOT / "models")
    except NoModelError:
        return train_model(out=ROOT / "models")


@pytest.fixture(scope="session")
def agent(trained_model):
    """The trained model loaded once for NLU parsing."""
    from rasa.core.agent import Agent

    return Agent.load(str(trained_model))
