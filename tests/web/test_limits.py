"""Login and rate limits, and a Rasa outage, on in-process apps (`TestClient`) against the
stack's Rasa, so their counters and failures never lock out the other tests. No failed login
ever reaches the stack: its per-client limit counts every failure from 127.0.0.1.
"""

from __future__ import annotations

import pytest

from bot.serving.actions_server import free_port
from bot.web.sessions import COOKIE
from bot.web.settings import Settings
from tests.web.api import (
    CONTACT_CENTER,
    FAQ_QUESTION,
    JAPANESE,
    app_client,
    ask,
    japanese_error,
)

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
