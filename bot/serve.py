"""`make run`: the action server and the Rasa server on 127.0.0.1, stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List

from bot.actions_server import start_action_server, stop, wait_for
from bot.models import latest_model


def endpoints_file(actions_port: int) -> Path:
    """endpoints.yml as is for port 5055, else a copy pointing at `actions_port`."""
    if actions_port == 5055:
        return Path("endpoints.yml")
    handle = tempfile.NamedTemporaryFile("w", suffix="-endpoints.yml", delete=False)
    with handle:
        handle.write(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
    return Path(handle.name)


def rasa_command(rasa_port: int, endpoints: Path, model: Path) -> List[str]:
    """The Rasa server with the REST channel and the HTTP API, loopback only."""
    return [
        sys.executable, "-m", "rasa", "run",
        "--interface", "127.0.0.1", "--port", str(rasa_port),
        "--enable-api", "--credentials", "credentials.yml",
        "--endpoints", str(endpoints), "--model", str(model),
    ]  # fmt: skip


def serve(rasa_port: int = 5005, actions_port: int = 5055) -> int:
    """Runs both servers until Ctrl-C or until one of them stops."""
    from bot.identity import token_secret
    from bot.store import ensure_seeded, make_engine

    model = latest_model()
    token_secret()  # made up now if unset (development), so both children share it
    ensure_seeded(make_engine())  # the embedded SQLite store is created and seeded on first run
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    actions = start_action_server(actions_port, quiet=False)
    rasa = subprocess.Popen(rasa_command(rasa_port, endpoints_file(actions_port), model), env=env)
    children = [actions, rasa]
    stopping = False

    def on_signal(signum, frame):  # noqa: ARG001 - signal handler signature
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        wait_for(f"http://127.0.0.1:{actions_port}/health", timeout=120, process=actions)
        wait_for(f"http://127.0.0.1:{rasa_port}/status", timeout=300, process=rasa)
        print(
            f"\nReady. Model {model.name}.\n"
            f"  Rasa server:   http://127.0.0.1:{rasa_port}  (REST channel: POST /webhooks/rest/webhook)\n"
            f"  Action server: http://127.0.0.1:{actions_port}\n"
            f"  Try: curl -s -X POST http://127.0.0.1:{rasa_port}/webhooks/rest/webhook "
            "-H 'Content-Type: application/json' "
            '-d \'{"sender": "demo", "message": "支払い方法を教えて"}\'\n'
            "  Ctrl-C stops both.\n",
            flush=True,
        )
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
    except (TimeoutError, RuntimeError) as error:
        print(f"start-up failed: {error}", file=sys.stderr)
        stopping = False
    finally:
        for child in children:
            stop(child)
    return 0 if stopping else 1
