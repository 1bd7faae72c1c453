"""The web app runs on its own, supported Python with current libraries, and never imports Rasa
(bot/pythons.py): a fresh interpreter of that Python builds the app, serves a page, and lists
what it imported."""

from __future__ import annotations

import json
import os
import subprocess

from bot.pythons import ROOT, web_python

IMPORTS = """
import importlib, json, pkgutil, sys
import bot.web
from fastapi.testclient import TestClient
from bot.web.app import create_app
for module in pkgutil.iter_modules(bot.web.__path__):  # every module, the lazily used ones too
    importlib.import_module(f"bot.web.{module.name}")
import bot.privacy.detect, bot.insights.groups
from bot.web.agent import _tokens  # the agent console's Sudachi tokens, imported when first used
assert [t["text"] for t in _tokens("解約方法を教えて")][:2] == ["解約", "方法"]
with TestClient(create_app()) as client:
    assert client.get("/").status_code == 200
    assert client.post("/api/login", json={"username": "agent", "password": "agent-demo"}).status_code == 200
import pydantic, sqlalchemy, fastapi, starlette
print(json.dumps({
    "python": list(sys.version_info[:2]),
    "pydantic": pydantic.VERSION, "sqlalchemy": sqlalchemy.__version__,
    "modules": sorted(sys.modules),
}))
"""


def test_the_web_app_runs_on_a_current_python_and_imports_no_rasa(tmp_path):
    env = dict(os.environ, PROJECT_DIR=str(ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 's.db'}")
    env.pop("REDIS_URL", None)
    ran = subprocess.run(
        [web_python(), "-c", IMPORTS], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    found = json.loads(ran.stdout.splitlines()[-1])
    assert tuple(found["python"]) >= (3, 12)
    assert found["pydantic"].startswith("2.") and found["sqlalchemy"].startswith("2.")
    rasa_side = ("rasa", "rasa_sdk", "tensorflow", "sanic", "actions")
    imported = [m for m in found["modules"] if m.split(".")[0] in rasa_side]
    imported += [m for m in found["modules"] if m.startswith("bot.serving")]
    assert imported == []
