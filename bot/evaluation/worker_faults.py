"""A Rasa worker killed under load: how long until the server is whole again, which turns fail.

`python -m bot.evaluation.worker_faults [--roll]` starts the stack (`bot serve`, RASA_WORKERS=2
unless set) from a scratch copy of the project under var/bench/faults/, keeps 10 customers
chatting, SIGKILLs one Rasa worker (with `--roll`: the whole Rasa server, as `bot serve` restarts
it), and prints, as JSON: the seconds until every worker answers again (the server's own board,
else the count of worker processes), each failed turn's time from the kill, and what `/healthz`
said meanwhile. The figures behind the choice of replacing one worker over rolling the server.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import httpx

from bot.evaluation.bench_stack import (
    child_pids,
    children,
    scratch_project,
    start_stack,
    stop_serve,
)
from bot.evaluation.load import web_customers
from bot.serving.actions_server import wait_for

SESSIONS = 10
BEFORE_S, AFTER_S = 10.0, 40.0


async def answering(client: httpx.AsyncClient, url: str, rasa_url: str, rasa_pid: int) -> int:
    """How many Rasa workers answer: the server's board, or the live worker processes."""
    try:
        body = (await client.get(f"{rasa_url}/webhooks/web/workers", timeout=2)).json()
        return int(body["answering"])
    except (httpx.HTTPError, ValueError, KeyError):
        pass
    try:
        (await client.get(f"{rasa_url}/", timeout=2)).raise_for_status()
    except httpx.HTTPError:
        return 0
    return len(child_pids(rasa_pid))


async def measure(url: str, rasa_url: str, serve_pid: int, workers: int, roll: bool) -> Dict:
    turns: List[tuple[float, int]] = []  # (time, status)
    stop = asyncio.Event()

    async def customer(i: int) -> None:
        n = i
        while not stop.is_set():
            conversation = web_customers(url)(n)
            await conversation.open()
            for k in range(8):
                if stop.is_set():
                    break
                try:
                    status = (await conversation.say(k)).status_code
                except httpx.HTTPError:
                    status = 0
                turns.append((time.monotonic(), status))
            await conversation.close()
            n += SESSIONS

    chatting = [asyncio.create_task(customer(i)) for i in range(SESSIONS)]
    health: List[Dict[str, Any]] = []
    async with httpx.AsyncClient(timeout=10) as client:
        await asyncio.sleep(BEFORE_S)
        rasa_pid = children(serve_pid)["rasa"]
        victim = int(child_pids(rasa_pid)[0])
        killed = time.monotonic()
        if roll:
            os.killpg(rasa_pid, signal.SIGKILL)
        else:
            os.kill(victim, signal.SIGKILL)
        whole_after = None
        while time.monotonic() - killed < AFTER_S:
            at = round(time.monotonic() - killed, 1)
            try:
                response = await client.get(f"{url}/healthz")
                body = response.json()
                health.append({
                    "at": at, "http": response.status_code, "status": body["status"],
                    "down": body["down"], "degraded": body.get("degraded"),
                })  # fmt: skip
            except httpx.HTTPError as error:
                health.append({"at": at, "error": type(error).__name__})
            now_rasa = children(serve_pid).get("rasa", rasa_pid)
            if whole_after is None and at > 1:
                if await answering(client, url, rasa_url, now_rasa) >= workers:
                    whole_after = at
            await asyncio.sleep(0.25)
    stop.set()
    await asyncio.gather(*chatting)
    failed = [round(t - killed, 2) for t, status in turns if status != 200]
    changes = [
        h for i, h in enumerate(health) if i == 0 or h.get("status") != health[i - 1].get("status")
    ]
    return {
        "mode": "roll the server" if roll else "kill one worker",
        "workers": workers,
        "turns": len(turns),
        "failed_turns": len(failed),
        "failed_at_s": failed,
        "whole_again_after_s": whole_after,
        "healthz_changes": changes,
    }


def main(argv: List[str]) -> int:
    roll = "--roll" in argv
    root = Path.cwd()
    os.environ.setdefault("RASA_WORKERS", "2")
    workers = int(os.environ["RASA_WORKERS"])
    work = scratch_project(root, root / "var" / "bench" / "faults")
    server, url, rasa_url = start_stack(work, "faults-token")
    try:
        wait_for(f"{url}/healthz", timeout=600, process=server)
        print(json.dumps(asyncio.run(measure(url, rasa_url, server.pid, workers, roll)), indent=1))
    finally:
        stop_serve(server)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
