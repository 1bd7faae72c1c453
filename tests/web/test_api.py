"""The web app's HTTP API against the running stack: chat, login, roles, agent and content APIs.

Everything here talks HTTP to `python -m bot serve` (the `stack` fixture), except the rate-limit
and outage tests, which run their own app in-process (`TestClient`) against the stack's Rasa so
their counters and failures never lock out the other tests. No failed login ever reaches the
stack: its per-client limit counts every failure from 127.0.0.1.
"""

from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from bot.faq.build import ordered_entries, render_answer, render_training_data
from bot.faq.catalog import load_catalog
from bot.faq.corpus import load_corpus, normalized_question
from bot.serving.actions_server import free_port
from bot.store import Journal
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


def project_files(project: Path) -> Dict[Path, bytes]:
    """Every file a content edit may write: the corpus folder, the catalog, the training data."""
    paths = sorted((project / "faq_corpus").iterdir())
    paths += [project / "faq_catalog.yml", project / "data" / "nlu" / "faq.yml"]
    return {path: path.read_bytes() for path in paths if path.is_file()}


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


# ---------------------------------------------------------------- fixtures


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


@pytest.fixture
def restore_corpus(stack):
    """Puts the scratch project's corpus, catalog and training data back byte for byte."""
    before = project_files(stack.project)
    yield before
    for path in set(project_files(stack.project)) - set(before):
        path.unlink()
    for path, data in before.items():
        path.write_bytes(data)


# ---------------------------------------------------------------- chat: visitors and customers


def test_a_visitor_gets_the_faq_answer_of_the_corpus(stack, visitor):
    replies = ask(visitor, FAQ_QUESTION)
    assert replies[0]["text"] == corpus_answer(stack.project, "cancellation_method")
    assert CONTACT_CENTER in replies[0]["text"]


def test_a_visitor_asking_about_orders_gets_a_login_hint_not_data(visitor):
    text = said(ask(visitor, ORDER_QUESTION))
    assert "ログイン" in text
    assert "ORD-" not in text


def test_a_customer_sees_their_own_orders_and_nobody_elses(stack, users):
    orders = orders_by_customer(stack.project)
    assert orders["yamada"] == ["ORD-10000001", "ORD-10000005"]
    text = said(ask(users("yamada"), ORDER_QUESTION))
    for number in orders["yamada"]:
        assert number in text
    others = [n for user, numbers in orders.items() if user != "yamada" for n in numbers]
    assert "ORD-10000009" in others  # kobayashi's
    for number in others:
        assert number not in text, number


@pytest.mark.parametrize(
    "question",
    [
        ORDER_QUESTION,
        "ORD-10000001の状況を教えて",
        "注文番号ORD-10000005の状況はどうなっていますか",
        # What yamada's order button would send: the intent and the number, no NLU involved.
        '/check_order_status{"order_number": "ORD-10000001"}',
    ],
)
def test_another_customer_never_sees_yamadas_orders(stack, users, question):
    orders = orders_by_customer(stack.project)
    text = said(ask(users("kobayashi"), question))
    for number in orders["yamada"]:
        assert number not in text
    if "ORD-" in question:
        assert "見つかりませんでした" in text
    else:
        assert all(number in text for number in orders["kobayashi"])


def test_after_logout_the_same_question_gets_the_visitor_answer(stack):
    with logged_in(stack, "yamada") as client:
        assert "ORD-10000001" in said(ask(client, ORDER_QUESTION))
        ended = client.cookies.get(COOKIE)
        response = client.post("/api/logout", json={})
        assert response.status_code == 200 and response.json() == {"user": None}
        assert client.cookies.get(COOKIE) is None  # the page's cookie is deleted
        assert client.get("/api/session").json()["user"] is None
        text = said(ask(client, ORDER_QUESTION))
        assert "ORD-" not in text and "ログイン" in text
    with with_cookie(stack, ended) as replay:  # the cookie of the ended session is dead
        assert replay.get("/api/session").json() == {"user": None, "history": []}
        assert "ORD-" not in said(ask(replay, ORDER_QUESTION))


@pytest.mark.parametrize(
    "cookie",
    [
        "forged-session-id",
        "A" * 43,
        "../../etc/passwd",
        "yamada",
    ],
)
def test_a_forged_or_foreign_session_cookie_is_an_anonymous_visitor(stack, cookie):
    with with_cookie(stack, cookie) as client:
        assert client.get("/api/session").json() == {"user": None, "history": []}
        response = client.post("/api/chat", json={"text": ORDER_QUESTION})
        assert response.status_code == 200
        assert "ORD-" not in said(response.json()["replies"])
        new_id, _ = session_cookie(response)  # a fresh session of its own, never the forged id
        assert new_id != cookie


def test_a_session_of_another_server_is_an_anonymous_visitor(stack):
    with app_client(stack) as other_server:
        response = other_server.post(
            "/api/login", json={"username": "yamada", "password": "yamada-demo"}
        )
        foreign, _ = session_cookie(response)
        assert other_server.get("/api/session").json()["user"]["username"] == "yamada"
    with with_cookie(stack, foreign) as client:
        assert client.get("/api/session").json()["user"] is None
        assert "ORD-" not in said(ask(client, ORDER_QUESTION))


def test_the_session_cookie_is_httponly_strict_and_site_wide(visitor):
    response = visitor.post("/api/chat", json={"text": "こんにちは"})
    assert response.status_code == 200
    value, flags = session_cookie(response)
    assert len(value) >= 32
    assert flags.get("httponly") is True
    assert str(flags.get("samesite")).lower() == "strict"
    assert flags.get("path") == "/"


def test_the_session_id_changes_at_login(stack, visitor):
    before, _ = session_cookie(visitor.post("/api/chat", json={"text": "こんにちは"}))
    response = visitor.post("/api/login", json={"username": "sato", "password": "sato-demo"})
    assert response.status_code == 200
    assert response.json()["user"] == {
        "username": "sato",
        "display_name": "佐藤 花子",
        "role": "customer",
    }
    after, flags = session_cookie(response)
    assert after != before and flags.get("httponly") is True
    assert visitor.get("/api/session").json()["user"]["username"] == "sato"
    with with_cookie(stack, before) as planted:  # the id known before the login is worthless now
        assert planted.get("/api/session").json()["user"] is None


def test_the_conversation_is_kept_in_order(visitor):
    first = ask(visitor, FAQ_QUESTION)
    second = ask(visitor, "支払い方法を教えて", display="お支払い方法")
    history = visitor.get("/api/session").json()["history"]
    expected = [{"from": "user", "text": FAQ_QUESTION}]
    expected += [{"from": "bot", **reply} for reply in first]
    expected += [{"from": "user", "text": "お支払い方法"}]  # a button shows its title
    expected += [{"from": "bot", **reply} for reply in second]
    assert history == expected


# ---------------------------------------------------------------- login and rate limits (in-process)


def test_a_wrong_password_is_401_with_a_japanese_message(stack):
    with app_client(stack) as client:
        response = client.post("/api/login", json={"username": "yamada", "password": "nope"})
        assert "正しくありません" in japanese_error(response, 401)
        assert COOKIE not in response.headers.get("set-cookie", "")
        unknown = client.post("/api/login", json={"username": "nobody", "password": "x"})
        assert japanese_error(unknown, 401) == response.json()["error"]  # no user enumeration


@pytest.mark.parametrize(
    "body",
    [{}, {"username": "yamada"}, {"username": "", "password": "x"}, {"username": 1, "password": 2}],
)
def test_login_needs_a_username_and_a_password(stack, body):
    with app_client(stack) as client:
        japanese_error(client.post("/api/login", json=body), 422)


def test_the_sixth_failed_login_within_the_window_is_429(stack):
    limit, window = Settings().login_failures
    assert (limit, window) == (5, 600.0)
    with app_client(stack) as client:
        for _ in range(limit):
            response = client.post("/api/login", json={"username": "suzuki", "password": "x"})
            japanese_error(response, 401)
        response = client.post("/api/login", json={"username": "suzuki", "password": "x"})
        assert "ログインできません" in japanese_error(response, 429)
        assert 0 < int(response.headers["retry-after"]) <= window + 1
        # Locked even with the right password: the lock is what stops guessing.
        right = client.post("/api/login", json={"username": "suzuki", "password": "suzuki-demo"})
        japanese_error(right, 429)


def test_failures_on_many_usernames_lock_the_client(stack):
    with app_client(stack, login_failures=(3, 600)) as client:
        for name in ("ito", "sato", "watanabe"):
            japanese_error(client.post("/api/login", json={"username": name, "password": "x"}), 401)
        response = client.post(
            "/api/login", json={"username": "nakamura", "password": "nakamura-demo"}
        )
        japanese_error(response, 429)


def test_a_successful_login_forgets_the_usernames_failures(stack):
    with app_client(stack, login_failures=(3, 600)) as client:
        for _ in range(2):
            client.post("/api/login", json={"username": "takahashi", "password": "x"})
        ok = client.post("/api/login", json={"username": "takahashi", "password": "takahashi-demo"})
        assert ok.status_code == 200


def test_the_fourth_message_in_the_window_is_429_with_retry_after(stack):
    with app_client(stack, chat_rate=(3, 60)) as client:
        for _ in range(3):
            ask(client, FAQ_QUESTION)
        response = client.post("/api/chat", json={"text": FAQ_QUESTION})
        assert "お待ちください" in japanese_error(response, 429)
        assert 1 <= int(response.headers["retry-after"]) <= 61
        history = client.get("/api/session").json()["history"]
        assert [h["text"] for h in history if h["from"] == "user"] == [FAQ_QUESTION] * 3
        client.cookies.clear()  # another visitor has a window of its own
        ask(client, FAQ_QUESTION)


def test_a_client_dropping_its_cookie_is_still_limited_by_address(stack):
    with app_client(stack, client_rate=(3, 60)) as client:
        for _ in range(3):
            ask(client, FAQ_QUESTION)
            client.cookies.clear()  # a new session every time
        response = client.post("/api/chat", json={"text": FAQ_QUESTION})
        assert "お待ちください" in japanese_error(response, 429)
        assert "faqbot_session" not in response.cookies  # no session left behind for it


def test_when_rasa_is_down_the_chat_apologises_with_the_contact_center(stack):
    dead = f"http://127.0.0.1:{free_port()}"
    with app_client(stack, rasa_url=dead, actions_url=dead, rasa_timeout_s=5) as client:
        response = client.post("/api/chat", json={"text": FAQ_QUESTION})
        assert response.status_code == 503
        body = response.json()
        assert CONTACT_CENTER in body["error"] and JAPANESE.search(body["error"])
        assert CONTACT_CENTER in body["replies"][0]["text"]
        health = client.get("/healthz")
        assert health.status_code == 503
        assert set(health.json()["down"]) == {"rasa", "actions"}


# ---------------------------------------------------------------- input errors


LONE_SURROGATE = b'{"text": "\\ud800"}'
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    "body, headers, status",
    [
        pytest.param({"text": ""}, None, 422, id="empty"),
        pytest.param({"text": " \t\n\u3000 "}, None, 422, id="whitespace-only"),
        pytest.param({"text": "\x00\x07\x1b"}, None, 422, id="control-characters-only"),
        pytest.param({"text": "あ" * 501}, None, 422, id="501-chars"),
        pytest.param({"text": 123}, None, 422, id="number"),
        pytest.param({"text": None}, None, 422, id="null"),
        pytest.param({"text": ["解約"]}, None, 422, id="list"),
        pytest.param({"text": {"q": "解約"}}, None, 422, id="object"),
        pytest.param({"text": True}, None, 422, id="bool"),
        pytest.param({}, None, 422, id="missing-text"),
        pytest.param({"text": "解約", "display": 5}, None, 422, id="display-not-a-string"),
        pytest.param(b'{"text": ', JSON, 400, id="invalid-json"),
        pytest.param(b"", JSON, 400, id="empty-body"),
        pytest.param(b'["text"]', JSON, 400, id="json-array"),
        pytest.param(b'"text"', JSON, 400, id="json-string"),
        pytest.param(b'{"text": "\xff\xfe"}', JSON, 400, id="not-utf8"),
        pytest.param(LONE_SURROGATE, JSON, 422, id="lone-surrogate"),
        pytest.param(b'{"text": "x"}', {"content-type": "text/plain"}, 415, id="text-plain"),
        pytest.param(
            b"text=x", {"content-type": "application/x-www-form-urlencoded"}, 415, id="form"
        ),
        pytest.param(b'{"text": "x"}', {}, 415, id="no-content-type"),
        pytest.param(b'{"text": "' + b"a" * 300_000 + b'"}', JSON, 413, id="300kB-body"),
    ],
)
def test_bad_chat_input_gets_a_clear_4xx(stack, body, headers, status):
    with stack.client() as client:
        if isinstance(body, bytes):
            response = client.post("/api/chat", content=body, headers=headers)
        else:
            response = client.post("/api/chat", json=body)
        message = japanese_error(response, status)
        if status == 422 and body == {"text": "あ" * 501}:
            assert "500文字" in message
        assert client.get("/api/session").json()["history"] == []  # nothing half-stored


def test_exactly_500_characters_are_accepted(visitor):
    ask(visitor, "解" * 500)
    ask(visitor, "  " + "あ" * 500 + "\n")  # surrounding blanks do not count


def test_control_characters_are_stripped_and_the_question_answered(stack, visitor):
    replies = ask(visitor, "\x00解約方法を\x07教えてください\x1b\x7f")
    assert replies[0]["text"] == corpus_answer(stack.project, "cancellation_method")
    shown = visitor.get("/api/session").json()["history"][0]["text"]
    assert shown == "解約方法を 教えてください"
    assert not any(unicodedata.category(ch) == "Cc" for ch in shown)


def test_a_script_tag_is_answered_and_never_echoed(visitor):
    response = visitor.post("/api/chat", json={"text": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert response.json()["replies"]
    assert "<script" not in response.text


# ---------------------------------------------------------------- health, origin, headers


def test_healthz_reports_every_part_ok(visitor):
    response = visitor.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["down"] == []
    for part in ("web", "rasa", "actions", "store"):
        assert body[part]["ok"] is True, part
    assert body["rasa"]["model"].endswith(".tar.gz")


@pytest.mark.parametrize("path", ["/api/chat", "/api/login", "/api/logout"])
@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1:1"])
def test_a_post_from_another_site_is_403(stack, path, origin):
    with stack.client() as client:
        response = client.post(
            path, json={"text": "解約", "username": "yamada"}, headers={"origin": origin}
        )
        assert "別のサイト" in japanese_error(response, 403)
        assert COOKIE not in response.headers.get("set-cookie", "")


def test_a_post_from_the_same_site_is_served(stack, visitor):
    response = visitor.post("/api/chat", json={"text": FAQ_QUESTION}, headers={"origin": stack.url})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path", ["/", "/embed", "/shop", "/widget.js", "/agent", "/healthz", "/api/session"]
)
def test_security_headers(visitor, path):
    response = visitor.get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    if path.startswith("/api/"):
        assert response.headers["cache-control"] == "no-store"


def test_the_cross_site_refusal_carries_the_security_headers(visitor):
    response = visitor.post(
        "/api/chat", json={"text": "x"}, headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert "content-security-policy" in response.headers


# ---------------------------------------------------------------- roles

INSPECT = {"text": "解約方法を教えて"}
ENTRY_BODY = {"title": "t", "question": "q", "answer": "a", "examples": [], "tests": []}
AGENT_ENDPOINTS = [
    ("GET", "/api/agent/customers", None),
    ("GET", "/api/agent/labels", None),
    ("POST", "/api/agent/inspect", INSPECT),
    ("POST", "/api/agent/batch", {"questions": "解約方法\n違約金"}),
    ("POST", "/api/agent/judgements", {"text": "解約", "correct": False, "label": "faq/receipt"}),
    ("GET", "/api/agent/judgements", None),
    ("GET", "/api/agent/export", None),
    ("GET", "/api/agent/insights", None),
]
CONTENT_ENDPOINTS = [
    ("GET", "/api/content/entries", None),
    ("GET", "/api/content/entries/receipt", None),
    ("PUT", "/api/content/entries/receipt", ENTRY_BODY),
    ("POST", "/api/content/entries", {"id": "x_new", "category": "invoices", **ENTRY_BODY}),
    ("GET", "/api/content/categories", None),
    ("POST", "/api/content/train", {}),
    ("GET", "/api/content/train", None),
    ("GET", "/api/content/groups", None),
    ("POST", "/api/content/groups/receipt/examples", {"faq_id": "receipt", "questions": ["x"]}),
    ("GET", "/api/content/groups/receipt/draft", None),
    ("POST", "/api/content/groups/receipt/entry", {"id": "x_new", "category": "invoices"}),
    ("POST", "/api/content/groups/receipt/dismiss", {"questions": ["x"]}),
]
ADMIN_ENDPOINTS = [("GET", "/api/admin/audit", None)]
ROLE_CASES = [
    (endpoint, caller, status)
    for endpoints, other_staff in (
        (AGENT_ENDPOINTS, ("editor", "admin")),
        (CONTENT_ENDPOINTS, ("agent", "admin")),
        (ADMIN_ENDPOINTS, ("agent", "editor")),
    )
    for endpoint in endpoints
    for caller, status in (("", 401), ("yamada", 403), *((name, 403) for name in other_staff))
]


def flat_routes(routes) -> Iterator:
    """The app's routes, those of included routers too (newer FastAPI keeps those apart)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        yield from flat_routes(included.routes) if included is not None else [route]


def test_the_role_cases_cover_every_staff_route():
    app = create_app(Settings())  # routes only: no lifespan, nothing started
    routes = {
        (method, re.sub(r"\{[^}]+\}", "receipt", route.path))
        for route in flat_routes(app.routes)
        if route.path.startswith(("/api/agent", "/api/content", "/api/admin"))
        for method in getattr(route, "methods", ()) or ()
        if method != "HEAD"
    }
    assert routes == {(m, p) for m, p, _ in AGENT_ENDPOINTS + CONTENT_ENDPOINTS + ADMIN_ENDPOINTS}


@pytest.mark.parametrize(
    "endpoint, caller, status",
    ROLE_CASES,
    ids=[f"{m} {p} as {c or 'anonymous'}" for (m, p, _), c, _ in ROLE_CASES],
)
def test_staff_apis_refuse_other_roles(stack, users, endpoint, caller, status):
    method, path, body = endpoint
    before = project_files(stack.project)
    response = users(caller).request(method, path, json=body)
    message = japanese_error(response, status)
    assert ("ログイン" in message) if status == 401 else ("のみ利用できます" in message)
    assert project_files(stack.project) == before


@pytest.mark.parametrize(
    "path, role, title",
    [
        ("/agent", "agent", "テストコンソール"),
        ("/content", "editor", "FAQ 編集"),
        ("/admin", "admin", "監査ログ"),
    ],
)
def test_staff_pages_by_role(users, path, role, title):
    anonymous = users("").get(path)
    assert anonymous.status_code == 200 and "ログイン" in anonymous.text
    assert "<title>社員ログイン</title>" in anonymous.text
    for caller in ("yamada", *({"agent", "editor", "admin"} - {role})):
        refused = users(caller).get(path)
        assert refused.status_code == 403 and "利用できません" in refused.text, caller
        assert "{{ROLE}}" not in refused.text
    page = users(role).get(path)
    assert page.status_code == 200 and f"<h1>{title}</h1>" in page.text


# ---------------------------------------------------------------- agent console API


def test_customers_and_labels(stack, users):
    agent = users("agent")
    assert agent.get("/api/agent/customers").json() == {"customers": sorted(CUSTOMERS)}
    labels = {
        label["name"]: label["title"] for label in agent.get("/api/agent/labels").json()["labels"]
    }
    for faq_id, entry in corpus_entries(stack.project).items():
        assert labels[f"faq/{faq_id}"] == entry.title
    assert {"check_order_status", "out_of_scope", "greet"} <= set(labels)
    assert "nlu_fallback" not in labels and "faq" not in labels


def test_inspect_shows_tokens_rankings_and_the_visitors_answer(stack, users):
    response = users("agent").post("/api/agent/inspect", json={"text": "解約方法を教えて"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["text"] == "解約方法を教えて"
    assert "解約" in [token["text"] for token in body["tokens"]]
    for token in body["tokens"]:
        assert body["text"][token["start"] : token["end"]] and token["pos"]
    assert body["intent_ranking"][0]["name"] == "faq"
    assert all(0 <= i["confidence"] <= 1 for i in body["intent_ranking"])
    top = body["faq_ranking"][0]
    assert top == {**top, "label": "faq/cancellation_method", "title": "解約方法"}
    assert all(item["title"] for item in body["faq_ranking"])
    # the dense (meaning) and lexical (BM25) parts beside the fused score, for each candidate
    assert set(top["scores"]) == {"dense", "lexical", "fused"}
    assert top["scores"]["dense"] > 0.8 and top["scores"]["lexical"] > 0
    fused = [item["scores"]["fused"] for item in body["faq_ranking"]]
    assert fused == sorted(fused, reverse=True)
    assert body["scope"]["out_of_scope"] is False
    assert body["answers"]["visitor"][0]["text"] == corpus_answer(
        stack.project, "cancellation_method"
    )
    assert "customer" not in body["answers"]


def test_inspect_as_a_customer_answers_with_their_data(users):
    response = users("agent").post(
        "/api/agent/inspect", json={"text": ORDER_QUESTION, "as": "yamada"}
    )
    assert response.status_code == 200, response.text
    answers = response.json()["answers"]
    visitor, customer = said(answers["visitor"]), said(answers["customer"]["replies"])
    assert answers["customer"]["username"] == "yamada"
    assert "ORD-10000001" in customer and "ORD-10000005" in customer
    assert "ORD-" not in visitor and "ログイン" in visitor
    assert visitor != customer


@pytest.mark.parametrize("as_user", ["nobody", "", "agent", 5, ["yamada"]])
def test_inspect_as_an_unknown_customer_is_422(users, as_user):
    response = users("agent").post(
        "/api/agent/inspect", json={"text": ORDER_QUESTION, "as": as_user}
    )
    japanese_error(response, 422)


def test_inspect_names_the_predicted_faq_entry_by_label_and_title(users):
    body = users("agent").post("/api/agent/inspect", json={"text": FAQ_QUESTION}).json()
    assert body["predicted"] == "faq/cancellation_method"
    assert body["predicted_title"] == "解約方法"


def test_batch_gives_one_row_per_line(users):
    questions = "解約方法を教えて\n\n  支払い方法は?  \nこんにちは\n"
    response = users("agent").post("/api/agent/batch", json={"questions": questions})
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert [row["text"] for row in rows] == ["解約方法を教えて", "支払い方法は?", "こんにちは"]
    for row in rows:
        assert row["predicted"] and 0 <= row["confidence"] <= 1
        assert isinstance(row["fallback"], bool)
    assert rows[2]["predicted"] == "greet"


@pytest.mark.parametrize(
    "questions",
    [
        "\n".join(f"質問{i}" for i in range(201)),
        "",
        " \n \n",
        5,
        ["ok", 5],
        "解約\n" + "あ" * 501,
    ],
    ids=["201-lines", "empty", "blank-lines", "number", "list-with-number", "501-char-line"],
)
def test_batch_refuses_bad_input(users, questions):
    response = users("agent").post("/api/agent/batch", json={"questions": questions})
    message = japanese_error(response, 422)
    if isinstance(questions, str) and questions.count("\n") == 200:
        assert "200件" in message


def test_batch_of_exactly_200_lines_is_accepted(users):
    questions = ["解約方法", "違約金", "支払い方法", "請求書"] * 50
    response = users("agent").post("/api/agent/batch", json={"questions": questions})
    assert response.status_code == 200 and len(response.json()["rows"]) == 200


def fallback_questions(agent) -> List[str]:
    """Questions the running model sends to nlu_fallback (checked, not assumed)."""
    found = []
    for text in ("確認したい", "できますか", "届かない", "それはどうなりますか"):
        ranking = agent.post("/api/agent/inspect", json={"text": text}).json()["intent_ranking"]
        if ranking and ranking[0]["name"] == "nlu_fallback":
            found.append(text)
    return found


def test_batch_marks_the_questions_the_model_falls_back_on(users):
    agent = users("agent")
    fallbacks = fallback_questions(agent)
    assert fallbacks, "none of the sample questions falls back with this model"
    rows = agent.post("/api/agent/batch", json={"questions": fallbacks}).json()["rows"]
    assert all(row["fallback"] for row in rows)


def test_judgements_are_saved_and_listed(users):
    agent = users("agent")
    right = {
        "text": "解約のやり方を知りたい",
        "predicted": "faq/cancellation_method",
        "correct": True,
    }
    wrong = {
        "text": "領収書っていただけるんですか",
        "predicted": "faq/invoice_issuance",
        "correct": False,
        "label": "faq/receipt",
    }
    out_of_scope = {"text": "今日の天気は?", "correct": False, "label": "out_of_scope"}
    saved = []
    for body in (right, wrong, out_of_scope):
        response = agent.post("/api/agent/judgements", json=body)
        assert response.status_code == 200, response.text
        saved.append(response.json()["judgement"])
    assert saved[0]["label"] == "faq/cancellation_method"  # a right answer keeps its label
    assert saved[0]["judged_by"] == "agent"
    listed = {j["id"]: j for j in agent.get("/api/agent/judgements").json()["judgements"]}
    for judgement, body in zip(saved, (right, wrong, out_of_scope)):
        assert listed[judgement["id"]] == judgement
        assert judgement["text"] == body["text"] and judgement["correct"] is body["correct"]
    ids = [j["id"] for j in agent.get("/api/agent/judgements").json()["judgements"]]
    assert ids == sorted(ids)


@pytest.mark.parametrize(
    "body",
    [
        {"text": "解約したい", "correct": False, "label": "faq/no_such_entry"},
        {"text": "解約したい", "correct": False, "label": "nlu_fallback"},
        {"text": "解約したい", "correct": False},
        {"text": "解約したい", "correct": True},
        {"text": "解約したい", "correct": "yes", "label": "faq/receipt"},
        {"text": "解約したい", "correct": False, "label": "faq/receipt", "predicted": 3},
        {"text": "", "correct": False, "label": "faq/receipt"},
    ],
)
def test_a_judgement_with_an_unknown_label_or_bad_field_is_422(users, body):
    agent = users("agent")
    count = len(agent.get("/api/agent/judgements").json()["judgements"])
    japanese_error(agent.post("/api/agent/judgements", json=body), 422)
    assert len(agent.get("/api/agent/judgements").json()["judgements"]) == count


def test_a_right_faq_answer_judged_as_the_console_sends_it_is_saved(users):
    agent = users("agent")
    seen = agent.post("/api/agent/inspect", json={"text": FAQ_QUESTION}).json()
    body = {
        "text": FAQ_QUESTION,
        "predicted": seen["predicted"],
        "correct": True,
        "label": seen["predicted"],
    }
    response = agent.post("/api/agent/judgements", json=body)
    assert response.status_code == 200, response.text


def test_export_lists_judged_questions_under_their_entry_and_skips_known_ones(stack, users):
    agent = users("agent")
    entries = corpus_entries(stack.project)
    new_question = "領収書を経理用に発行してもらうことはできますか(テスト)"
    known_example = entries["cancellation_fee"].examples[0].text
    known_question = entries["cancellation_method"].question.rstrip("。") + "!!"  # same words
    judged = [
        {
            "text": new_question,
            "correct": False,
            "label": "faq/receipt",
            "predicted": "faq/invoice_type",
        },
        {"text": known_example, "correct": False, "label": "faq/cancellation_fee"},
        {"text": known_question, "correct": True, "predicted": "faq/cancellation_method"},
        {"text": "配送業者を選べますか(テスト)", "correct": False, "label": "out_of_scope"},
    ]
    for body in judged:
        assert agent.post("/api/agent/judgements", json=body).status_code == 200
    response = agent.get("/api/agent/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/yaml")
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.startswith("#")
    exported = yaml.safe_load(response.text)
    assert isinstance(exported, dict)
    assert set(exported) <= set(entries)
    assert new_question in exported["receipt"]
    everything = [text for texts in exported.values() for text in texts]
    assert len(everything) == len(set(map(normalized_question, everything)))
    for text in (known_example, known_question, "配送業者を選べますか(テスト)"):
        assert text not in everything
    corpus = {
        normalized_question(t)
        for e in entries.values()
        for t in [e.question] + [i.text for i in e.examples + e.tests]
    }
    assert not corpus & set(map(normalized_question, everything))


def test_insights_count_the_logged_turns_and_list_fallbacks(stack, users):
    agent = users("agent")
    before = agent.get("/api/agent/insights").json()
    fallbacks = fallback_questions(agent)
    gibberish = "ほげほげ ふがふが"
    # Each fallback question twice: the list is the 20 most frequent, and other tests may have
    # logged many one-off fallbacks before.
    sent = [gibberish, FAQ_QUESTION, *fallbacks, *fallbacks]
    for text in sent:  # each in a conversation of its own, as separate visitors ask
        with stack.client() as client:
            ask(client, text)
    after = agent.get("/api/agent/insights").json()
    assert after["turns"] == before["turns"] + len(sent)
    assert sum(day["turns"] for day in after["per_day"]) == after["turns"]
    journal = Journal(f"sqlite:///{stack.project / 'store.sqlite3'}")
    try:
        logged = {turn.text: turn for turn in journal.turns(None, len(sent)) if turn.text in sent}
    finally:
        journal.close()
    assert set(logged) == set(sent)
    # Gibberish is either not understood (fallback) or understood as out of scope.
    assert logged[gibberish].intent in ("nlu_fallback", "out_of_scope")
    assert logged[gibberish].outcome == "ok" and CONTACT_CENTER in logged[gibberish].reply
    assert logged[FAQ_QUESTION].intent == "faq" and not logged[FAQ_QUESTION].fallback
    listed = {item["text"]: item["count"] for item in after["fallback"]}
    for text, turn in logged.items():
        assert turn.fallback == (turn.intent == "nlu_fallback")
        if turn.fallback:
            assert listed.get(text, 0) >= sent.count(text), text
    assert fallbacks, "no sample question falls back with this model"
    assert 0 < after["fallback_rate"] <= 1
    if len(after["fallback"]) < 20:  # the whole list: the rate is its share of all turns
        fallback_turns = sum(item["count"] for item in after["fallback"])
        assert after["fallback_rate"] == pytest.approx(fallback_turns / after["turns"], abs=1e-4)


def test_insights_group_the_unanswered_questions_by_meaning(stack, users):
    from bot.store import TurnRecord

    wordings = ["ポイントの有効期限はいつまでですか", "貯まったポイントはいつ失効しますか",
                "ポイントの期限が切れるのはいつですか"]  # fmt: skip
    unrelated = "駐車場はありますか"
    journal = Journal(f"sqlite:///{stack.project / 'store.sqlite3'}")
    try:  # logged as the chat logs them; 12 customers each, so they rank among the first
        for n, text in enumerate(wordings * 12 + [unrelated] * 12):
            record = TurnRecord(f"groups-{n}", None, text, "nlu_fallback", None, None, True, "")
            turn_id = journal.log_turn(record)
        journal.set_feedback(turn_id, f"groups-{n}", "unhelpful")
    finally:
        journal.close()
    groups = users("agent").get("/api/agent/insights").json()["groups"]
    by_text = {q["text"]: g for g in groups for q in g["questions"]}
    points = by_text[wordings[0]]
    assert sorted(q["text"] for q in points["questions"]) == sorted(wordings)
    assert (points["customers"], points["turns"], points["unhelpful_share"]) == (36, 36, 0.0)
    assert by_text[unrelated]["id"] != points["id"]
    assert by_text[unrelated]["unhelpful_share"] > 0
    assert points["nearest_faq_id"] in corpus_entries(stack.project)
    assert points["nearest_title"] and 0 < points["nearest_similarity"] <= 1
    assert points["first_seen"] <= points["last_seen"]
    assert [g["customers"] for g in groups] == sorted(
        (g["customers"] for g in groups), reverse=True
    )


def test_the_turn_log_records_which_faq_entry_answered(stack):
    question = corpus_entries(stack.project)["cancellation_fee"].question
    with stack.client() as client:
        assert ask(client, question)[0]["text"] == corpus_answer(stack.project, "cancellation_fee")
    journal = Journal(f"sqlite:///{stack.project / 'store.sqlite3'}")
    try:
        turn = journal.turns(None, 1)[-1]
    finally:
        journal.close()
    assert turn.text == question and turn.intent == "faq"
    assert turn.faq_id == "cancellation_fee"


# ---------------------------------------------------------------- content editor API


def test_search_finds_the_cancellation_entries(users):
    editor = users("editor")
    found = editor.get("/api/content/entries", params={"q": "解約"}).json()["entries"]
    ids = {entry["id"] for entry in found}
    assert {"cancellation_method", "cancellation_fee"} <= ids
    for entry in found:
        text = " ".join([entry["title"], entry["question"], entry["answer"], *entry["examples"]])
        assert "解約" in text
    everything = editor.get("/api/content/entries").json()["entries"]
    assert len(everything) == 44 and ids < {e["id"] for e in everything}
    assert editor.get("/api/content/entries", params={"q": "ほげほげ存在しない"}).json() == {
        "entries": []
    }


def test_get_one_entry_and_the_categories(stack, users):
    editor = users("editor")
    entry = editor.get("/api/content/entries/cancellation_method").json()["entry"]
    corpus = corpus_entries(stack.project)["cancellation_method"]
    assert entry["category"] == "cancellation" and entry["file"] == "cancellation.yml"
    assert entry["title"] == corpus.title and entry["answer"] == corpus.answer
    assert entry["examples"] == [i.text for i in corpus.examples]
    assert entry["tests"] == [i.text for i in corpus.tests]
    categories = editor.get("/api/content/categories").json()["categories"]
    assert categories == sorted(load_catalog(stack.project / "faq_catalog.yml").categories)
    missing = editor.get("/api/content/entries/no_such_entry")
    japanese_error(missing, 404)
    assert editor.get("/api/content/train").json()["training"]["state"] in (
        "idle",
        "running",
        "succeeded",
        "failed",
    )


def test_an_answer_edit_is_saved_with_comments_and_rebuilds_the_training_data(
    stack, users, restore_corpus
):
    project = stack.project
    path = project / "faq_corpus" / "invoices.yml"
    text = path.read_text("utf-8")
    assert "  - id: receipt\n" in text
    commented = "# 請求書カテゴリ(テスト用のコメント)\n" + text.replace(
        "  - id: receipt\n", "  - id: receipt  # 領収書のエントリ\n"
    )
    path.write_text(commented, "utf-8")
    others = {
        p: b for p, b in project_files(project).items() if p.name not in ("invoices.yml", "faq.yml")
    }

    editor = users("editor")
    entry = editor.get("/api/content/entries/receipt").json()["entry"]
    new_answer = entry["answer"] + "\n領収書の再発行は{billing_center}までご連絡ください。"
    response = editor.put("/api/content/entries/receipt", json={**entry, "answer": new_answer})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["entry"]["answer"] == new_answer
    assert body["retrain_needed"] is True and body["warnings"] == []

    saved = path.read_text("utf-8")
    assert saved.startswith("# 請求書カテゴリ(テスト用のコメント)\n")
    assert "  - id: receipt  # 領収書のエントリ\n" in saved
    assert corpus_entries(project)["receipt"].answer == new_answer
    # Only the edited entry changed: the edit added exactly one line to the file.
    assert (
        saved.replace("      領収書の再発行は{billing_center}までご連絡ください。\n", "")
        == commented
    )
    assert {p: b for p, b in project_files(project).items() if p in others} == others

    catalog = load_catalog(project / "faq_catalog.yml")
    training = (project / "data" / "nlu" / "faq.yml").read_text("utf-8")
    assert "領収書の再発行はビリングカスタマセンタ 0120-047-128" in training
    assert training == render_training_data(
        ordered_entries(project / "faq_corpus", catalog), catalog.contacts, "faq_corpus"
    )
    assert editor.get("/api/content/entries/receipt").json()["entry"]["answer"] == new_answer


def _title_too_long(entry, entries):
    return {**entry, "title": "領収書" * 11}, "title"


def _unknown_placeholder(entry, entries):
    return {**entry, "answer": entry["answer"] + "\n{nope}までどうぞ。"}, "{nope}"


def _duplicate_example(entry, entries):
    other = entries["cancellation_fee"].examples[0].text
    return {**entry, "examples": entry["examples"] + [other]}, "cancellation_fee"


def _empty_answer(entry, entries):
    return {**entry, "answer": "   "}, "answer"


def _examples_not_a_list(entry, entries):
    return {**entry, "examples": "領収書"}, "examples"


def _too_few_examples(entry, entries):
    return {**entry, "examples": entry["examples"][:3]}, "examples"


def _test_question_as_example(entry, entries):
    return {**entry, "examples": entry["examples"] + [entries["receipt"].tests[0].text]}, "test"


@pytest.mark.parametrize(
    "breaks",
    [
        _title_too_long,
        _unknown_placeholder,
        _duplicate_example,
        _empty_answer,
        _examples_not_a_list,
        _too_few_examples,
        _test_question_as_example,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_an_edit_that_breaks_a_rule_is_refused_and_writes_nothing(stack, users, breaks):
    editor = users("editor")
    before = project_files(stack.project)
    entry = editor.get("/api/content/entries/receipt").json()["entry"]
    body, problem = breaks(entry, corpus_entries(stack.project))
    response = editor.put("/api/content/entries/receipt", json=body)
    message = japanese_error(response, 422)
    assert message.startswith("保存できませんでした")
    assert problem in message
    assert "faq-edit-" not in message and str(stack.project) not in message  # no scratch paths
    assert project_files(stack.project) == before
    assert not list((stack.project / "faq_corpus").glob(".*.tmp"))


def test_an_edit_of_an_unknown_entry_is_refused(stack, users):
    before = project_files(stack.project)
    body = {"title": "t", "question": "q", "answer": "a", "examples": [], "tests": []}
    response = users("editor").put("/api/content/entries/no_such_entry", json=body)
    assert response.status_code in (404, 422)
    assert "no_such_entry" in japanese_error(response, response.status_code)
    assert project_files(stack.project) == before


def _new_entry(**fields):
    body = {
        "id": "receipt_reissue",
        "category": "invoices",
        "title": "領収書の再発行",
        "question": "領収書は再発行できますか?",
        "answer": "{billing_center}までお問い合わせください。",
        "examples": [],
        "tests": [],
    }
    return {k: v for k, v in {**body, **fields}.items() if v is not ...}


@pytest.mark.parametrize(
    "body, problem",
    [
        (_new_entry(id="Bad-ID"), "id"),
        (_new_entry(id="1receipt"), "id"),
        (_new_entry(id=""), "id"),
        (_new_entry(id=5), "id"),
        (_new_entry(category=...), "カテゴリ"),
        (_new_entry(category=""), "カテゴリ"),
        (_new_entry(id="receipt"), "receipt"),
        (_new_entry(id="cancellation_fee", category="invoices"), "cancellation_fee"),
        (_new_entry(category="nosuch"), "nosuch"),
        (_new_entry(), "examples"),
        (_new_entry(title=""), "title"),
    ],
    ids=[
        "bad-id",
        "digit-first-id",
        "empty-id",
        "number-id",
        "missing-category",
        "empty-category",
        "duplicate-id",
        "duplicate-id-other-category",
        "unknown-category",
        "too-few-examples",
        "empty-title",
    ],
)
def test_adding_an_entry_with_a_bad_field_is_422_and_writes_nothing(stack, users, body, problem):
    before = project_files(stack.project)
    response = users("editor").post("/api/content/entries", json=body)
    assert problem in japanese_error(response, 422)
    assert project_files(stack.project) == before


def test_a_control_character_in_an_answer_is_dropped_not_a_500(stack, restore_corpus):
    with logged_in(stack, "editor") as editor:  # a 500 closes the connection: its own client
        entry = editor.get("/api/content/entries/receipt").json()["entry"]
        body = {**entry, "answer": entry["answer"] + "\nベル\x07です。"}
        response = editor.put("/api/content/entries/receipt", json=body)
    assert response.status_code == 200, response.text
    saved = corpus_entries(stack.project)["receipt"].answer
    assert saved.endswith("ベル です。") and "\x07" not in saved


def test_a_control_character_in_an_example_never_breaks_the_training_data(stack, restore_corpus):
    with logged_in(stack, "editor") as editor:
        entry = editor.get("/api/content/entries/receipt").json()["entry"]
        body = {**entry, "examples": entry["examples"] + ["領収書\x01を発行して"]}
        response = editor.put("/api/content/entries/receipt", json=body)
    assert response.status_code in (200, 422), response.text
    assert is_yaml((stack.project / "data" / "nlu" / "faq.yml").read_text("utf-8"))
    if response.status_code == 200:  # accepted only with the character taken out
        saved = corpus_entries(stack.project)["receipt"].examples[-1].text
        assert not any(unicodedata.category(ch) == "Cc" for ch in saved)


def confident_other_entry_question(agent, corpus: dict) -> Optional[str]:
    known = {
        normalized_question(t)
        for e in corpus.values()
        for t in [e.question] + [i.text for i in e.examples + e.tests]
    }
    for text in ("解約の仕方を知りたいです", "サービスを解約する方法を教えてください"):
        seen = agent.post("/api/agent/inspect", json={"text": text}).json()
        if normalized_question(text) not in known and seen["faq_ranking"][0]["confidence"] >= 0.5:
            if seen["faq_ranking"][0]["label"] == "faq/cancellation_method":
                return text
    return None


def test_an_example_the_model_gives_to_another_entry_gets_a_warning(stack, users, restore_corpus):
    text = confident_other_entry_question(users("agent"), corpus_entries(stack.project))
    assert text, "no sample question is confidently cancellation_method with this model"
    editor = users("editor")
    entry = editor.get("/api/content/entries/receipt").json()["entry"]
    response = editor.put(
        "/api/content/entries/receipt", json={**entry, "examples": entry["examples"] + [text]}
    )
    assert response.status_code == 200, response.text
    warnings = response.json()["warnings"]
    assert len(warnings) == 1 and text in warnings[0] and "解約方法" in warnings[0]
