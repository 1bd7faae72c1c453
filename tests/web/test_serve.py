"""`make run`'s three servers: loopback only, Rasa's API locked, a chat over REST, two Rasa
workers that never interleave one conversation's turns, the model server, Ctrl-C stops all."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from tests.web.conftest import MODEL_TOKEN, ROOT, TOKENS, copy_project, start_stack, stop_stack


def say(port: int, sender: str, message: str) -> list[dict]:
    """A turn through the web app's channel, with the token only the web app has."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/web/webhook?token={TOKENS['RASA_AUTH_TOKEN']}",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["messages"]


@pytest.fixture(scope="module")
def servers(trained_model, tmp_path_factory):
    project = copy_project(trained_model, tmp_path_factory.mktemp("serve"))
    stack = start_stack(project)
    try:
        yield stack
    finally:
        stop_stack(stack)


def domain_text(name: str) -> str:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text("utf-8"))
    return domain["responses"][name][0]["text"]


def test_a_question_over_the_web_channel_gets_the_faq_answer(servers):
    replies = say(servers.rasa_port, "serve-test-1", "解約方法を教えてください。")
    assert replies and "0120-003300" in replies[0]["text"]


def test_the_action_server_answers_through_rasa(servers):
    # A fallback with no FAQ candidate runs action_did_you_mean, which sends the contact centers.
    replies = say(servers.rasa_port, "serve-test-2", "/nlu_fallback")
    assert [r["text"] for r in replies] == [domain_text("utter_none_fits")]


def test_healthz_names_every_part(servers):
    with servers.client() as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["down"] == []
    assert all(body[part]["ok"] for part in ("web", "rasa", "actions", "store"))
    assert body["rasa"]["model"].endswith(".tar.gz")


def pulling_workers(stack) -> dict:
    """The Rasa workers that pull their model from the stack's web app, with their model."""
    with stack.client() as client:
        response = client.get("/internal/workers", params={"token": MODEL_TOKEN})
    assert response.status_code == 200
    return response.json()["workers"]


def test_two_workers_serialize_one_conversations_turns_sent_at_once(servers):
    workers = pulling_workers(servers)  # RASA_WORKERS=2, the stacks' default
    assert len(workers) == 2 and all(m.endswith(".tar.gz") for m in workers.values())
    sender = "serve-test-concurrent"
    questions = ["解約方法を教えてください。", "支払い方法を教えて", "領収書は発行できますか",
                 "請求書はいつ届きますか", "見積書を作りたい", "支払期限日はいつ?"]  # fmt: skip
    with ThreadPoolExecutor(len(questions)) as pool:  # all at once, each on its own connection
        answers = list(pool.map(lambda q: say(servers.rasa_port, sender, q), questions))
    assert all(answers)
    with sqlite3.connect(servers.project / "var" / "trackers.sqlite3") as db:
        events = db.execute(
            "SELECT type_name, action_name, data FROM events WHERE sender_id = ? ORDER BY id",
            (sender,),
        ).fetchall()
    said = [json.loads(data)["text"] for kind, _, data in events if kind == "user"]
    assert sorted(said) == sorted(questions)
    # Turn by turn: every message after the first comes after the previous turn ended with
    # action_listen; interleaved turns would put two user events inside one turn.
    last_action = None
    for kind, action, _ in events:
        if kind == "user":
            assert last_action in (None, "action_listen"), events
            last_action = "user"
        elif kind == "action":
            last_action = action


def status_of(method: str, url: str, token: str | None = None) -> int:
    if token is not None:
        url += ("&" if "?" in url else "?") + f"token={token}"
    request = urllib.request.Request(url, method=method, data=b"{}" if method != "GET" else None)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


# Rasa: the routes the web app calls (bot/web/upstream.py), then one it does not call.
RASA_ROUTES = [("POST", "/webhooks/web/webhook"), ("POST", "/model/parse"), ("GET", "/status"),
               ("GET", "/domain"), ("PUT", "/model"), ("GET", "/webhooks/web/model"),
               ("GET", "/conversations/x/tracker")]  # fmt: skip
# The action server: the web app's health check, Rasa's action calls, then one nobody calls.
ACTION_ROUTES = [("GET", "/health"), ("POST", "/webhook"), ("GET", "/actions")]


@pytest.mark.parametrize("method, path", RASA_ROUTES)
def test_rasa_refuses_a_request_without_the_token_only_the_web_app_has(servers, method, path):
    url = f"http://127.0.0.1:{servers.rasa_port}{path}"
    assert status_of(method, url) == 401
    assert status_of(method, url, "wrong-token") == 401


@pytest.mark.parametrize("method, path", ACTION_ROUTES)
def test_the_action_server_refuses_a_request_without_its_token(servers, method, path):
    url = f"http://127.0.0.1:{servers.actions_port}{path}"
    assert status_of(method, url) == 401
    assert status_of(method, url, "wrong-token") == 401


def test_with_the_token_the_same_servers_answer(servers):
    rasa, actions = (f"http://127.0.0.1:{p}" for p in (servers.rasa_port, servers.actions_port))
    assert status_of("GET", f"{rasa}/status", TOKENS["RASA_AUTH_TOKEN"]) == 200
    assert status_of("GET", f"{rasa}/webhooks/web/model", TOKENS["RASA_AUTH_TOKEN"]) == 200
    assert status_of("GET", f"{actions}/health", TOKENS["ACTIONS_TOKEN"]) == 200
    assert status_of("GET", f"{actions}/actions", TOKENS["ACTIONS_TOKEN"]) == 200
    # Rasa's own REST channel is not served: it would answer without any token
    assert status_of("POST", f"{rasa}/webhooks/rest/webhook", TOKENS["RASA_AUTH_TOKEN"]) == 404


def test_servers_listen_on_loopback_only(servers):
    web_port = int(servers.url.rsplit(":", 1)[1])
    listening = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True).stdout
    for port in (servers.rasa_port, servers.actions_port, web_port):
        addresses = [
            line.split()[3]
            for line in listening.splitlines()
            if line.split()[3].endswith(f":{port}")
        ]
        assert addresses and all(a.startswith("127.0.0.1:") for a in addresses), addresses


def test_ctrl_c_stops_all_three(servers):
    web_port = int(servers.url.rsplit(":", 1)[1])
    servers.process.send_signal(signal.SIGINT)
    assert servers.process.wait(timeout=60) == 0
    for port in (servers.rasa_port, servers.actions_port, web_port):
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
