"""The chat API against the running stack: visitors and customers, sessions and cookies, bad
input, health, origin checks and security headers.
"""

from __future__ import annotations

import unicodedata

import pytest

from bot.web.sessions import COOKIE
from tests.web.api import (
    CONTACT_CENTER,
    FAQ_QUESTION,
    ORDER_QUESTION,
    app_client,
    ask,
    corpus_answer,
    japanese_error,
    logged_in,
    orders_by_customer,
    said,
    session_cookie,
    with_cookie,
)

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
