"""The bench's reference: stock Rasa's `rasa init` bot (moodbot) on the same Rasa, one process.

Made once per Rasa version under var/bench/stock/rasa-<version>/ (`rasa init --no-prompt`
trains it, about a minute, and downloads nothing) and reused on later runs. It runs with its own
files: the REST channel, the in-memory tracker store, no action server (it has no custom
actions). It is driven through POST /webhooks/rest/webhook by the same closed-loop driver as ours.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Tuple

import httpx

from bot.evaluation.load import ConversationFactory
from bot.serving.actions_server import KEEP_ALIVE, free_port, wait_for

# The moodbot's own utterances, in an order its stories and rules answer.
STOCK_TURNS = (
    "hello",
    "I am sad",
    "no",
    "hello",
    "great",
    "are you a bot?",
    "yes",
    "goodbye",
)


def stock_project(var: Path) -> Path:
    """The trained `rasa init` project for this Rasa version, made when missing."""
    import rasa

    project = var / "stock" / f"rasa-{rasa.__version__}"
    if any((project / "models").glob("*.tar.gz")):
        return project
    project.mkdir(parents=True, exist_ok=True)
    with (project / "init.log").open("w") as log:
        subprocess.run(
            [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", "."],
            cwd=project, env=stock_env(), stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, check=True, timeout=1800,
        )  # fmt: skip
    if not any((project / "models").glob("*.tar.gz")):
        raise RuntimeError(f"rasa init trained no model: see {project / 'init.log'}")
    return project


def stock_env() -> dict:
    return dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", **KEEP_ALIVE)


def start_stock(project: Path) -> Tuple[subprocess.Popen, str]:
    """`rasa run --enable-api` of the stock project on a free loopback port (one process)."""
    port = free_port()
    log = (project / "run.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa", "run", "--enable-api", "--interface", "127.0.0.1",
         "--port", str(port), "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
        cwd=project, env=stock_env(), stdin=subprocess.DEVNULL, stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()
    return process, f"http://127.0.0.1:{port}"


def wait_stock(process: subprocess.Popen, url: str) -> None:
    wait_for(f"{url}/", timeout=600, process=process)


class StockSender:
    """One moodbot conversation: a fresh sender through the REST channel."""

    def __init__(self, url: str, n: int):
        self.sender = f"bench-{n}-{uuid.uuid4().hex[:8]}"
        self.client = httpx.AsyncClient(
            base_url=url, timeout=300, limits=httpx.Limits(max_connections=2)
        )

    async def open(self) -> None:
        pass

    async def say(self, k: int) -> httpx.Response:
        message = STOCK_TURNS[k % len(STOCK_TURNS)]
        return await self.client.post(
            "/webhooks/rest/webhook", json={"sender": self.sender, "message": message}
        )

    async def close(self) -> None:
        await self.client.aclose()


def stock_senders(url: str) -> ConversationFactory:
    return lambda n: StockSender(url, n)
