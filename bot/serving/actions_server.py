"""Starting the rasa-sdk action server as a child process on the loopback interface."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlencode

from bot.pythons import rasa_python


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Waits until `url` answers 200; raises if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


# Servers keep idle connections open longer than their clients do (aiohttp 15 s, httpx 5 s), so
# a client never reuses a connection the server is closing at that moment ("Cannot write to
# closing transport" under load). Sanic (Rasa, rasa-sdk) reads SANIC_* from the environment.
KEEP_ALIVE = {"SANIC_KEEP_ALIVE_TIMEOUT": "75"}


def actions_token() -> str:
    """The action server's shared secret (ACTIONS_TOKEN): made up once per process tree when
    unset; the action server, Rasa (its endpoints file) and the web app inherit it."""
    if not os.environ.get("ACTIONS_TOKEN"):
        os.environ["ACTIONS_TOKEN"] = secrets.token_urlsafe(32)
    return os.environ["ACTIONS_TOKEN"]


def health_url(port: int, token: str | None = None) -> str:
    """The action server's /health, with the token it asks of every request."""
    return f"http://127.0.0.1:{port}/health?{urlencode({'token': token or actions_token()})}"


def start_action_server(port: int, quiet: bool = True) -> subprocess.Popen:
    """Starts rasa-sdk's action server behind the token (bot/serving/actions_app.py), bound to
    127.0.0.1, in Rasa's Python."""
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", **KEEP_ALIVE)
    env.update(SANIC_HOST="127.0.0.1", ACTIONS_TOKEN=actions_token())
    output = subprocess.DEVNULL if quiet else None
    command = [rasa_python(), "-m", "bot.serving.actions_app", "--actions", "actions"]
    return subprocess.Popen(
        command + ["--port", str(port)],
        env=env,
        stdout=output,
        stderr=output,
    )


def stop(process: subprocess.Popen) -> None:
    """Stops a child process, politely first."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_action_server(url: str | None = None) -> Iterator[str]:
    """Yields the webhook URL of a running action server, starting one if none is given."""
    if url:
        yield url
        return
    port = free_port()
    process = start_action_server(port)
    try:
        wait_for(health_url(port), timeout=60, process=process)
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        stop(process)
