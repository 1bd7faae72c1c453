"""`make run`: the web app, the Rasa server and the action server, started and stopped together.

Rasa and the action server listen on 127.0.0.1 only; the web app on HOST (default 127.0.0.1).
Rasa's HTTP API and its web channel need a token that only the web app is given; the action
server one that only Rasa and the web app are given. Rasa and the actions run in this Python
(3.10, Rasa's); the web app in its own (bot/pythons.py). Rasa runs
RASA_WORKERS worker processes (default: one per core), serialized per conversation by the
profile's lock store; each worker pulls the published model from the web app's model server
(a token only Rasa is given), so a retrain in the content editor reaches all of them.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List

from bot.corpora import workspace
from bot.models import published_model
from bot.pythons import rasa_python, web_python
from bot.serving.actions_server import (
    KEEP_ALIVE,
    actions_token,
    health_url,
    start_action_server,
    stop,
    wait_for,
)
from bot.serving.profile import MODEL_PATH, ProfileError, write_endpoints


def rasa_command(
    rasa_port: int, endpoints: Path, model: Path, auth_token: str | None = None
) -> List[str]:
    """The Rasa server with the REST channel and the HTTP API, loopback only (Python 3.10)."""
    command = [
        rasa_python(), "-m", "rasa", "run",
        "--interface", "127.0.0.1", "--port", str(rasa_port),
        "--enable-api", "--credentials", "credentials.yml",
        "--endpoints", str(endpoints), "--model", str(model),
    ]  # fmt: skip
    # one argv item: a random token may begin with "-", which argparse would take for an option
    return command + ([f"--auth-token={auth_token}"] if auth_token else [])


def web_command(host: str, port: int) -> List[str]:
    """The FastAPI app under uvicorn, in the web app's own Python (bot/pythons.py)."""
    return [
        web_python(), "-m", "uvicorn", "bot.web.app:create_app", "--factory",
        "--host", host, "--port", str(port), "--no-server-header", "--log-level", "warning",
        "--ws", "none", "--timeout-keep-alive", "75",
    ]  # fmt: skip


def rasa_workers() -> int:
    """RASA_WORKERS, default one per core (measured against 1 and 3 on 2 cores: README, make bench)."""
    text = os.environ.get("RASA_WORKERS", "").strip()
    if not text:
        return max(1, os.cpu_count() or 1)
    if not text.isdigit() or int(text) < 1:
        raise ProfileError(f"RASA_WORKERS must be a whole number of at least 1, not {text!r}")
    return int(text)


MAX_RESTARTS = 5  # per child within RESTART_WINDOW_S; beyond that something is really wrong
RESTART_WINDOW_S = 300


def serve(
    rasa_port: int = 5005, actions_port: int = 5055, web_port: int = 8000, host: str = "127.0.0.1"
) -> int:
    """Runs the three servers until Ctrl-C; a server that stops is started again."""
    from bot.identity import token_secret
    from bot.privacy.commands import scheduled_purge
    from bot.privacy.retention import DailyPurge, retention_age
    from bot.store import ensure_seeded, make_engine

    models = workspace(Path(os.environ.get("FAQ_CORPUS", "faq_corpus"))).models
    model = published_model(models)
    token_secret()  # made up now if unset (development), so the children share it
    Path("var").mkdir(exist_ok=True)  # embedded SQLite files: the store and Rasa's trackers
    ensure_seeded(make_engine())  # the embedded SQLite store is created and seeded on first run
    # A knowledge snapshot from the first turn: the corpus on disk when none is published yet
    # (or the published one is for another config); otherwise what editors published (or rolled
    # back to) stays. In a child process: the embedder need not stay in this supervisor.
    corpus = os.environ.get("FAQ_CORPUS", "faq_corpus")
    knowledge = [sys.executable, "-m", "bot", "knowledge", "publish", "--corpus", corpus]
    if subprocess.run([*knowledge, "--by", "bot serve", "--confirm", "--if-missing"]).returncode:
        print(
            "the FAQ corpus did not pass its check: the last published one answers", file=sys.stderr
        )
    retention_age()  # a bad BOT_RETENTION_DAYS stops the start, not the first purge a day later
    rasa_token = os.environ.get("RASA_AUTH_TOKEN") or secrets.token_urlsafe(32)
    actions_token()  # made up now if unset: the actions, Rasa and the web app share it
    workers = rasa_workers()
    env = dict(
        os.environ,
        RASA_TELEMETRY_ENABLED="false",
        **KEEP_ALIVE,
        MODEL_SERVER_URL=f"http://127.0.0.1:{web_port}{MODEL_PATH}",
        MODEL_SERVER_TOKEN=os.environ.get("MODEL_SERVER_TOKEN") or secrets.token_urlsafe(32),
        RASA_WORKERS=str(workers),
    )
    web_env = dict(
        env,
        RASA_URL=f"http://127.0.0.1:{rasa_port}",
        ACTIONS_URL=f"http://127.0.0.1:{actions_port}",
        RASA_AUTH_TOKEN=rasa_token,
        PROJECT_DIR=str(Path.cwd()),
    )
    endpoints = write_endpoints(actions_port, env=env)
    # Sanic's workers; Rasa takes more than one only with a multi-process lock store. Each
    # worker embeds with its share of the cores: more engine threads than cores only contend.
    threads = os.environ.get("BOT_EMBEDDER_THREADS") or str(
        max(1, (os.cpu_count() or 1) // workers)
    )
    rasa_env = dict(
        env,
        SANIC_WORKERS=str(workers),
        BOT_EMBEDDER_THREADS=threads,
        RASA_AUTH_TOKEN=rasa_token,  # the web channel asks for it too (bot/serving/channel.py)
    )
    for name in (
        "OPENBLAS_NUM_THREADS",
        "TF_INTRA_OP_PARALLELISM_THREADS",
        "TF_INTER_OP_PARALLELISM_THREADS",
    ):
        rasa_env.setdefault(name, threads)  # numpy's BLAS and TensorFlow: the same share
    starters = {
        "action server": lambda: start_action_server(actions_port, quiet=False),
        "web app": lambda: subprocess.Popen(web_command(host, web_port), env=web_env),
        # Its workers pull the published model from the web app (--model is the fallback). Its
        # own process group: workers left behind by a crashed main process are stopped with it.
        "Rasa server": lambda: subprocess.Popen(
            rasa_command(rasa_port, endpoints, published_model(models), rasa_token),
            env=rasa_env,
            start_new_session=True,
        ),
    }
    children = {name: start() for name, start in starters.items() if name != "Rasa server"}
    retention = DailyPurge(scheduled_purge).start()  # now, then every 24 hours
    restarts: dict[str, list[float]] = {name: [] for name in starters}
    stopping = False

    def on_signal(signum, frame):  # noqa: ARG001 - signal handler signature
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        wait_for(
            health_url(actions_port),
            timeout=120,
            process=children["action server"],
        )
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        # The model server is the web app: up before Rasa asks it for the model.
        wait_for(f"http://{shown}:{web_port}/", timeout=120, process=children["web app"])
        children["Rasa server"] = starters["Rasa server"]()
        wait_for(f"http://127.0.0.1:{rasa_port}/", timeout=300, process=children["Rasa server"])
        wait_for(f"http://{shown}:{web_port}/healthz", timeout=300, process=children["web app"])
        print(
            f"\nReady. Model {model.name}, {workers} Rasa worker(s).\n"
            f"  Chat:          http://{shown}:{web_port}/   (demo shop with the widget: /shop)\n"
            f"  Agent console: http://{shown}:{web_port}/agent    (agent / agent-demo)\n"
            f"  FAQ editor:    http://{shown}:{web_port}/content  (editor / editor-demo)\n"
            f"  Audit log:     http://{shown}:{web_port}/admin    (admin / admin-demo)\n"
            f"  Health:        http://{shown}:{web_port}/healthz\n"
            f"  Rasa server:   http://127.0.0.1:{rasa_port}  (token only the web app has)\n"
            f"  Action server: http://127.0.0.1:{actions_port}  (token only Rasa and the web app have)\n"
            "  Ctrl-C stops all three.\n",
            flush=True,
        )
        while not stopping:
            time.sleep(0.5)
            for name, child in list(children.items()):
                if stopping or child.poll() is None:
                    continue
                now = time.monotonic()
                recent = [t for t in restarts[name] if now - t < RESTART_WINDOW_S]
                if len(recent) >= MAX_RESTARTS:
                    raise RuntimeError(f"the {name} keeps stopping (exit {child.returncode})")
                print(
                    f"the {name} stopped (exit {child.returncode}); starting it again",
                    file=sys.stderr,
                    flush=True,
                )
                restarts[name] = recent + [now]
                if name == "Rasa server":  # its workers outlive a killed main process
                    stop_group(child)
                children[name] = starters[name]()
    except (TimeoutError, RuntimeError) as error:
        print(f"stopping: {error}", file=sys.stderr)
        stopping = False
    finally:
        retention.stop()
        for name, child in children.items():
            (stop_group if name == "Rasa server" else stop)(child)
    return 0 if stopping else 1


def stop_group(process: subprocess.Popen) -> None:
    """Stops a child started in its own session (`start_new_session=True`), then whatever is
    left of its process group: Rasa's workers outlive a killed main process, holding its port.
    The group keeps the leader's id while any member lives, so a dead leader is no obstacle."""
    stop(process)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
