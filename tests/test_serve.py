"""`make run`'s server pair: both on 127.0.0.1, a chat over REST, actions reached, Ctrl-C stops all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

from bot.actions_server import free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]


def say(port: int, sender: str, message: str) -> list[dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def servers(trained_model):
    rasa_port, actions_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--rasa-port", str(rasa_port),
         "--actions-port", str(actions_port)],
        cwd=ROOT, env=dict(os.environ, RASA_TELEMETRY_ENABLED="false"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{rasa_port}/status", timeout=300, process=process)
        wait_for(f"http://127.0.0.1:{actions_port}/health", timeout=60, process=process)
        yield process, rasa_port, actions_port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def domain_text(name: str) -> str:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text("utf-8"))
    return domain["responses"][name][0]["text"]


def test_a_question_over_the_rest_channel_gets_the_faq_answer(servers):
    _, rasa_port, _ = servers
    replies = say(rasa_port, "serve-test-1", "解約方法を教えてください。")
    assert replies and "0120-003300" in replies[0]["text"]


def test_the_action_server_answers_through_rasa(servers):
    _, rasa_port, _ = servers
    # A fallback with no FAQ candidate runs action_did_you_mean, which sends the contact centers.
    replies = say(rasa_port, "serve-test-2", "/nlu_fallback")
    assert [r["text"] for r in replies] == [domain_text("utter_none_fits")]


def test_servers_listen_on_loopback_only(servers):
    _, rasa_port, actions_port = servers
    listening = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True).stdout
    for port in (rasa_port, actions_port):
        addresses = [
            line.split()[3]
            for line in listening.splitlines()
            if line.split()[3].endswith(f":{port}")
        ]
        assert addresses and all(a.startswith("127.0.0.1:") for a in addresses), addresses


def test_ctrl_c_stops_both(servers):
    process, rasa_port, actions_port = servers
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    for port in (rasa_port, actions_port):
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
