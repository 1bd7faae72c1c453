"""What the web API tests share: the demo's questions and customers, and helpers to ask, log in,
read cookies and errors, and run an in-process app on the stack's project."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List

import httpx
import yaml
from fastapi.testclient import TestClient

from bot.faq.build import render_answer
from bot.faq.catalog import load_catalog
from bot.faq.corpus import load_corpus
from bot.web.app import create_app
from bot.web.sessions import COOKIE
from bot.web.settings import Settings
from tests.web.conftest import TOKENS

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
CONTACT_CENTER = "0120-003300"
CUSTOMERS = ("yamada", "sato", "ito", "suzuki", "takahashi", "kobayashi", "watanabe", "nakamura")
FAQ_QUESTION = "解約方法を教えてください"
ORDER_QUESTION = "注文の状況を知りたい"

# ---------------------------------------------------------------- helpers


def japanese_error(response: httpx.Response, status: int) -> str:
    """The `error` of a refused request, after checking its status and that it is Japanese."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("error"), str) and JAPANESE.search(body["error"]), body
    assert "replies" not in body
    return body["error"]


def ask(client, text: str, **extra) -> List[dict]:
    response = client.post("/api/chat", json={"text": text, **extra})
    assert response.status_code == 200, response.text
    replies = response.json()["replies"]
    assert replies and all(isinstance(r["text"], str) for r in replies)
    return replies


def said(replies: List[dict]) -> str:
    """Everything a customer can read or click in the replies."""
    parts = []
    for reply in replies:
        parts.append(reply["text"])
        for button in reply["buttons"]:
            parts += [button["title"], button["payload"]]
    return "\n".join(parts)


def orders_by_customer(project: Path) -> Dict[str, List[str]]:
    raw = yaml.safe_load((project / "data" / "demo_store.yml").read_text("utf-8"))
    return {
        user["username"]: [o["order_number"] for o in user.get("orders") or []]
        for company in raw["companies"]
        for user in company["users"]
    }


def corpus_entries(project: Path) -> dict:
    return {e.id: e for f in load_corpus(project / "faq_corpus") for e in f.entries}


def corpus_answer(project: Path, faq_id: str) -> str:
    """The answer a visitor gets for `faq_id`, as the corpus writes it (contacts filled in)."""
    contacts = load_catalog(project / "faq_catalog.yml").contacts
    return render_answer(corpus_entries(project)[faq_id].answer, contacts).strip()


def session_cookie(response: httpx.Response) -> tuple[str, Dict[str, object]]:
    """The session cookie a response sets: its value and its attributes (lower-case names)."""
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(COOKIE + "=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    first, *attributes = [part.strip() for part in headers[0].split(";")]
    flags: Dict[str, object] = {}
    for attribute in attributes:
        name, _, value = attribute.partition("=")
        flags[name.lower()] = value if value else True
    return first.split("=", 1)[1], flags


def with_cookie(stack, value: str) -> httpx.Client:
    client = stack.client()
    client.cookies.set(COOKIE, value)
    return client


@contextmanager
def logged_in(stack, username: str) -> Iterator[httpx.Client]:
    client = stack.login(username)
    try:
        yield client
    finally:
        client.close()


def is_yaml(text: str) -> bool:
    try:
        yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return True


@contextmanager
def app_client(stack, **overrides) -> Iterator[TestClient]:
    """An in-process web app on the stack's project, store and Rasa (its own limits)."""
    values = dict(
        rasa_url=f"http://127.0.0.1:{stack.rasa_port}",
        actions_url=f"http://127.0.0.1:{stack.actions_port}",
        project_dir=stack.project,
        database_url=f"sqlite:///{stack.project / 'store.sqlite3'}",
        rasa_token=TOKENS["RASA_AUTH_TOKEN"],
        actions_token=TOKENS["ACTIONS_TOKEN"],
    )
    values.update(overrides)
    with TestClient(create_app(Settings(**values))) as client:
        yield client
