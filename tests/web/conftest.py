"""One running stack for the web tests: `python -m bot serve` in a scratch copy of the project.

The copy has its own faq_corpus/, models/, store and trackers, so the content editor's edits and
retrains never touch the repository.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator

import httpx
import pytest
from httpx._client import ClientState

from bot import corpora
from bot.pythons import rasa_python
from bot.serving.actions_server import free_port, wait_for
from bot.web.corpus_edit import Paths
from tests.web.corpus_scratch import MINI

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = ROOT / "reports" / "screenshots"
MODEL_TOKEN = "stack-model-server-token"
# Rasa's and the action server's tokens (a test's extra_env may set its own)
TOKENS = {"RASA_AUTH_TOKEN": "stack-rasa-token", "ACTIONS_TOKEN": "stack-actions-token"}


class Client(httpx.Client):
    """httpx.Client that may also be used in a `with` block after its first request."""

    def __enter__(self):
        if self._state == ClientState.OPENED:
            return self
        return super().__enter__()


@dataclass
class Stack:
    url: str
    project: Path
    process: subprocess.Popen
    rasa_port: int
    actions_port: int
    log: Path

    def client(self) -> httpx.Client:
        """A fresh browser-like client (its own cookie jar)."""
        return Client(base_url=self.url, timeout=120, trust_env=False)

    def login(self, username: str) -> httpx.Client:
        client = self.client()
        response = client.post(
            "/api/login", json={"username": username, "password": f"{username}-demo"}
        )
        assert response.status_code == 200, response.text
        return client


def copy_project(trained_model: Path, into: Path) -> Path:
    return corpora.copy_project(ROOT, into, trained_model)


def start_stack(project: Path, extra_env: dict | None = None) -> Stack:
    rasa_port, actions_port, web_port = free_port(), free_port(), free_port()
    log = project / "serve.log"
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "DATABASE_URL": f"sqlite:///{project / 'store.sqlite3'}",
        "CLIENT_RATE_LIMIT": "100000/60",  # every test client comes from 127.0.0.1
        "RASA_WORKERS": "2",  # every stack test runs with several Rasa workers
        "MODEL_SERVER_TOKEN": MODEL_TOKEN,  # so a test can see the workers' pulls
        **TOKENS,
        **(extra_env or {}),
    }
    env.pop("BOT_TOKEN_SECRET", None)  # the stack makes up its own, like `make run`
    with log.open("w") as out:
        process = subprocess.Popen(
            [rasa_python(), "-m", "bot", "serve", "--rasa-port", str(rasa_port),
             "--actions-port", str(actions_port), "--web-port", str(web_port)],
            cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    stack = Stack(f"http://127.0.0.1:{web_port}", project, process, rasa_port, actions_port, log)
    try:
        wait_for(f"{stack.url}/healthz", timeout=400, process=process)
    except Exception:
        stop_stack(stack)
        raise RuntimeError(f"the stack did not start:\n{log.read_text()[-3000:]}") from None
    return stack


def stop_stack(stack: Stack) -> int | None:
    if stack.process.poll() is None:
        stack.process.send_signal(signal.SIGINT)
        try:
            stack.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            stack.process.kill()
            stack.process.wait()
    return stack.process.returncode


@contextmanager
def scratch_stack(trained_model: Path, folder: Path, extra_env: dict) -> Iterator[Stack]:
    """A stack running in a scratch copy of the project at `folder`, stopped afterwards."""
    running = start_stack(copy_project(trained_model, folder), extra_env)
    try:
        yield running
    finally:
        stop_stack(running)


@pytest.fixture(scope="session")
def stack(trained_model, tmp_path_factory):
    # Generous for the suite's many sessions, still finite: its own test lowers it.
    with scratch_stack(
        trained_model, tmp_path_factory.mktemp("project"), {"CHAT_RATE_LIMIT": "200/60"}
    ) as running:
        yield running


@pytest.fixture(scope="session")
def embedding_dir(tmp_path_factory) -> Path:
    """A scratch embedding cache for the in-process web apps, never the project's own."""
    return tmp_path_factory.mktemp("embeddings")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make test does)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)  # a turn on a busy 2-core CI machine can take seconds

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


# ---------------------------------------------------------------- the API tests' clients


def project_files(project: Path) -> Dict[Path, bytes]:
    """Every file a content edit may write: the corpus folder, the catalog, the training data."""
    paths = sorted((project / "faq_corpus").iterdir())
    paths += [project / "faq_catalog.yml", project / "data" / "nlu" / "faq.yml"]
    return {path: path.read_bytes() for path in paths if path.is_file()}


@pytest.fixture(scope="module")
def users(stack):
    """Logged-in clients shared by the module, by username ("" is an anonymous visitor)."""
    clients: Dict[str, httpx.Client] = {}

    def get(username: str) -> httpx.Client:
        if username not in clients:
            clients[username] = stack.login(username) if username else stack.client()
        return clients[username]

    yield get
    for client in clients.values():
        client.close()


@pytest.fixture
def visitor(stack):
    with stack.client() as client:
        yield client


@contextmanager
def restored(project: Path) -> Iterator[Dict[Path, bytes]]:
    """Puts the project's corpus, catalog and training data back byte for byte afterwards."""
    before = project_files(project)
    try:
        yield before
    finally:
        for path in set(project_files(project)) - set(before):
            path.unlink()
        for path, data in before.items():
            path.write_bytes(data)


@pytest.fixture
def restore_corpus(stack):
    """Puts the scratch project's corpus, catalog and training data back byte for byte."""
    with restored(stack.project) as before:
        yield before


def publish_saved(stack: Stack, timeout: float = 120.0) -> dict:
    """Publishes the corpus as saved (regressions confirmed) and waits until every worker
    serves it; the publish's status."""
    with stack.login("editor") as editor:
        response = editor.post("/api/content/publish", json={"confirm": True})
        assert response.status_code == 200, response.text
        deadline = time.monotonic() + timeout
        while True:
            status = editor.get("/api/content/publish").json()["publish"]
            if not response.json()["published"] or status["state"] in ("live", "partial"):
                return status
            assert time.monotonic() < deadline, status
            time.sleep(0.5)


@pytest.fixture
def restore_published(stack):
    """restore_corpus, then that corpus published: later tests see the original answers even
    after this one published (or rolled back) another version."""
    with restored(stack.project) as before:
        yield before
    publish_saved(stack)


# ---------------------------------------------------------------- the content editor's scratch corpora


@pytest.fixture
def shop(tmp_path) -> Paths:
    """A scratch project with a copy of the shop's corpus, catalog and built training data."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "faq_corpus", project / "faq_corpus")
    shutil.copy2(ROOT / "faq_catalog.yml", project / "faq_catalog.yml")
    (project / "data" / "nlu").mkdir(parents=True)
    shutil.copy2(ROOT / "data" / "nlu" / "faq.yml", project / "data" / "nlu" / "faq.yml")
    return Paths(project, project / "faq_corpus", shop=True)


@pytest.fixture
def mini(shop) -> Paths:
    """A non-shop corpus folder next to the shop's (relaxed rules, no catalog)."""
    folder = shop.project / "mini"
    folder.mkdir()
    (folder / "shop.yml").write_text(MINI, encoding="utf-8")
    return Paths(shop.project, folder, shop=False)
