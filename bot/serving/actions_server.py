"""Starting the rasa-sdk action server as a child process on the loopback interface."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from typing import Iterator


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


def start_action_server(port: int, quiet: bool = True) -> subprocess.Popen:
    """Starts `python -m rasa_sdk --actions actions` bound to 127.0.0.1."""
    env = dict(os.environ, SANIC_HOST="127.0.0.1", RASA_TELEMETRY_ENABLED="false", **KEEP_ALIVE)
    output = subprocess.DEVNULL if quiet else None
    return subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
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
        wait_for(f"http://127.0.0.1:{port}/health", timeout=60, process=process)
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        stop(process)
