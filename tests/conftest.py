"""Shared fixtures: the repository root as working directory, and one trained model.

Each test file runs in the Python where its code runs (bot/pythons.py): the web app's tests in
the web app's Python (.venv-web, no Rasa), the rest in Rasa's (.venv); the store, used by both
the web app and the actions, in both. `make test` runs pytest once in each.
"""

from __future__ import annotations

import os
import subprocess
from importlib.util import find_spec
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

WEB_APP = {"web", "insights", "privacy/test_detect.py"}  # the web app's code
SHARED = {"store", "test_identity.py"}  # the web app's and the actions' code
RASA_SIDE = find_spec("rasa") is not None


def _ignored() -> list[str]:
    if RASA_SIDE:
        return sorted(WEB_APP)
    kept = WEB_APP | SHARED
    paths = [p for p in TESTS.iterdir() if p.name.startswith("test_") or p.is_dir()]
    paths += (TESTS / "privacy").glob("test_*.py")
    names = {str(p.relative_to(TESTS)) for p in paths if p.name != "__pycache__"}
    return sorted(
        n for n in names if n not in kept and not any(k.startswith(n + "/") for k in kept)
    )


collect_ignore = _ignored()


def pytest_report_header(config):
    side = "Rasa's (.venv)" if RASA_SIDE else "the web app's (.venv-web)"
    return f"tests for {side} Python; not collected here: {', '.join(collect_ignore)}"


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    # Rasa and the CLI resolve config.yml, data/ and faq_corpus/ from the working directory.
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The current model: `make test` trains it first; trained here when missing."""
    from bot.models import NoModelError, latest_model

    os.chdir(ROOT)
    try:
        return latest_model(ROOT / "models")
    except NoModelError:
        if not RASA_SIDE:  # the web app's Python trains in Rasa's, as the content editor does
            from bot.pythons import rasa_python

            subprocess.run([rasa_python(), "-m", "bot", "train"], cwd=ROOT, check=True)
            return latest_model(ROOT / "models")
        from bot.models import train_model

        return train_model(out=ROOT / "models")


@pytest.fixture(scope="session")
def agent(trained_model):
    """The trained model loaded once for NLU parsing."""
    from rasa.core.agent import Agent

    return Agent.load(str(trained_model))
