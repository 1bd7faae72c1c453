"""The web app's model server: the published archive, with ETags, to token holders only."""

from __future__ import annotations

import os
import time
from pathlib import Path

from fastapi.testclient import TestClient

from bot.serving.profile import MODEL_PATH
from bot.serving.publish import publish
from bot.web.app import create_app
from bot.web.settings import Settings

TOKEN = "model-server-test-token"


def project(tmp_path: Path) -> Path:
    models = tmp_path / "models"
    models.mkdir(parents=True)
    for age, name in ((60, "first.tar.gz"), (0, "second.tar.gz")):
        path = models / name
        path.write_bytes(name.encode() * 1000)
        os.utime(path, (time.time() - age, time.time() - age))
    return tmp_path


def client(tmp_path: Path, token: str | None) -> TestClient:
    settings = Settings(
        project_dir=project(tmp_path),
        database_url=f"sqlite:///{tmp_path / 'store.sqlite3'}",
        model_server_token=token,
    )
    return TestClient(create_app(settings))


def test_no_model_without_the_token_or_without_a_configured_one(tmp_path):
    with client(tmp_path / "a", TOKEN) as web:
        assert web.get(MODEL_PATH).status_code == 404
        assert web.get(MODEL_PATH, params={"token": "wrong"}).status_code == 404
        assert web.get(MODEL_PATH, params={"token": TOKEN + "x"}).status_code == 404
    with client(tmp_path / "b", None) as web:  # no token set: no model server at all
        assert web.get(MODEL_PATH, params={"token": ""}).status_code == 404
        assert web.get(MODEL_PATH, params={"token": "None"}).status_code == 404


def test_the_published_model_with_its_name_as_etag_and_304_when_unchanged(tmp_path):
    with client(tmp_path, TOKEN) as web:
        models = tmp_path / "models"
        first = web.get(MODEL_PATH, params={"token": TOKEN})
        assert first.status_code == 200  # nothing published yet: the newest
        assert first.content == (models / "second.tar.gz").read_bytes()
        assert first.headers["etag"] == '"second.tar.gz"'
        assert first.headers["filename"] == "second.tar.gz"
        same = web.get(
            MODEL_PATH, params={"token": TOKEN}, headers={"If-None-Match": first.headers["etag"]}
        )
        assert same.status_code == 304 and same.content == b""

        publish(models / "first.tar.gz")
        changed = web.get(
            MODEL_PATH, params={"token": TOKEN}, headers={"If-None-Match": first.headers["etag"]}
        )
        assert changed.status_code == 200
        assert changed.headers["etag"] == '"first.tar.gz"'
        assert changed.content == (models / "first.tar.gz").read_bytes()


def test_the_pulls_say_which_worker_answers_with_which_model(tmp_path):
    with client(tmp_path, TOKEN) as web:
        for worker, model in (("host-1", "second.tar.gz"), ("host-2", "first.tar.gz")):
            web.get(
                MODEL_PATH,
                params={"token": TOKEN, "worker": worker},
                headers={"If-None-Match": f'"{model}"'},
            )
        web.get(MODEL_PATH, params={"token": TOKEN, "worker": "bad name; drop"})
        web.get(MODEL_PATH, params={"token": "wrong", "worker": "intruder"})
        assert web.get("/internal/workers", params={"token": "wrong"}).status_code == 404
        seen = web.get("/internal/workers", params={"token": TOKEN}).json()["workers"]
    assert {w: m for w, m in seen.items() if w.startswith(("host-", "bad", "intr"))} == {
        "host-1": "second.tar.gz",
        "host-2": "first.tar.gz",
    }


def test_the_knowledge_server_gives_the_published_snapshot_to_token_holders(tmp_path):
    from bot.knowledge.snapshot import FORMAT, Snapshot
    from bot.knowledge.store import KnowledgeStore
    from bot.web.knowledge_server import KNOWLEDGE_PATH, KNOWLEDGE_WORKERS

    (tmp_path / "faq_corpus").mkdir(parents=True)
    with client(tmp_path, TOKEN) as web:
        assert web.get(KNOWLEDGE_PATH, params={"token": TOKEN}).status_code == 404  # none yet
        snapshot = Snapshot({"format": FORMAT}, [], [], []).sealed()
        KnowledgeStore("faq_corpus", tmp_path).publish(snapshot, "test", expected="")
        assert web.get(KNOWLEDGE_PATH).status_code == 404
        assert web.get(KNOWLEDGE_PATH, params={"token": "wrong"}).status_code == 404
        first = web.get(KNOWLEDGE_PATH, params={"token": TOKEN, "worker": "host-9"})
        assert first.status_code == 200 and first.headers["etag"] == f'"{snapshot.id}"'
        assert Snapshot.from_bytes(first.content, snapshot.id).id == snapshot.id
        same = web.get(
            KNOWLEDGE_PATH,
            params={"token": TOKEN, "worker": "host-9"},
            headers={"If-None-Match": first.headers["etag"]},
        )
        assert same.status_code == 304
        assert KNOWLEDGE_WORKERS.recent(60)["host-9"] == snapshot.id  # it serves that one now
        # a worker that has the snapshot but cannot use it (another config) says so
        web.get(
            KNOWLEDGE_PATH,
            params={"token": TOKEN, "worker": "host-9", "serving": ""},
            headers={"If-None-Match": first.headers["etag"]},
        )
        assert KNOWLEDGE_WORKERS.recent(60)["host-9"] == ""
