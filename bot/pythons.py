"""Which Python runs which process (neutral: imports neither Rasa nor the web app).

The web app (bot/web, bot/store, bot/privacy, bot/insights) faces the internet and runs on a
supported Python with current libraries, in `.venv-web/` (requirements-web.lock). Rasa, the
action server and training need Rasa 3.6, which supports nothing newer than Python 3.10: they
run in `.venv/` (requirements.lock). `make` creates both; BOT_WEB_PYTHON and BOT_RASA_PYTHON
(a venv's python) override them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _python(variable: str, venv: str) -> str:
    chosen = os.environ.get(variable)
    if chosen:
        return chosen
    python = ROOT / venv / "bin" / "python"
    # A checkout without that venv (a one-venv install) runs everything in this Python.
    return str(python) if python.exists() else sys.executable


def rasa_python() -> str:
    """The Python 3.10 with Rasa: the Rasa server, the action server, training, validation."""
    return _python("BOT_RASA_PYTHON", ".venv")


def web_python() -> str:
    """The web app's Python (3.13, FastAPI, pydantic 2, SQLAlchemy 2; no Rasa)."""
    return _python("BOT_WEB_PYTHON", ".venv-web")
