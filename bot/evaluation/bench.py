"""`make bench`: latency, throughput, faults under load, memory, training and edit-to-live times.

Runs the whole stack (`python -m bot serve`) from a scratch copy of the project under var/bench/,
so the benchmark's edits, trainings and conversations never touch the repository, and writes
reports/bench.json and reports/bench.md. It reports; it does not fail on a slow machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

import httpx

from bot.corpora import copy_project
from bot.evaluation.evaluate import held_out_questions, parse_all, percentile
from bot.models import latest_model
from bot.serving.actions_server import free_port, wait_for

CUSTOMERS = ("yamada", "sato", "ito", "suzuki", "takahashi", "kobayashi", "watanabe", "nakamura")
# A customer's turn: half FAQ questions, half questions answered from the store.
TURNS = (
    "注文の状況を知りたい",
    "解約方法を教えてください",
    "支払期限日はいつ?",
    "領収書は発行できますか",
)
TURNS_PER_CONVERSATION = 8
EDIT_ENTRY, EDIT_QUESTION = "cancellation_method", "解約方法を教えてください。"


def ms(values: List[float], share: float) -> float:
    return round(percentile(values, share) * 1000, 1) if values else 0.0


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def children(pid: int) -> Dict[str, int]:
    found = {}
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    for child in out.split():
        command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        name = "rasa" if " rasa run" in command else "actions" if "rasa_sdk" in command else "web"
        found[name] = int(child)
    return found


def scratch_project(root: Path, into: Path) -> Path:
    if into.exists():
        shutil.rmtree(into)
    return copy_project(root, into, latest_model(root / "models"))


def timed_train(project: Path, cache: Path, out: str, force: bool) -> float:
    """Wall time of `bot train` into a fresh folder: --force ignores the cache (cold); without
    it, every component whose inputs did not change comes from the cache (warm)."""
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", RASA_CACHE_DIRECTORY=str(cache))
    command = [sys.executable, "-m", "bot", "train", "--out", str(project / out)]
    started = time.monotonic()
    subprocess.run(
        command + (["--force"] if force else []),
        cwd=project, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return round(time.monotonic() - started, 1)


async def login(client: httpx.AsyncClient, username: str) -> None:
    response = await client.post(
        "/api/login", json={"username": username, "password": f"{username}-demo"}
    )
    response.raise_for_status()


async def load(url: str, sessions: int, seconds: float, stop: asyncio.Event | None = None):
    """`sessions` logged-in customers chatting back to back for `seconds` (or until `stop`)."""
    latencies: List[float] = []
    errors: List[str] = []
    deadline = time.monotonic() + seconds

    def running() -> bool:
        return time.monotonic() < deadline and not (stop and stop.is_set())

    async def customer(i: int) -> None:
        n = i
        while running():  # one conversation of TURNS_PER_CONVERSATION turns after another
            limits = httpx.Limits(max_connections=2)
            async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
                await login(client, CUSTOMERS[n % len(CUSTOMERS)])
                for _ in range(TURNS_PER_CONVERSATION):
                    if not running():
                        break
                    started = time.monotonic()
                    try:
                        response = await client.post(
                            "/api/chat", json={"text": TURNS[n % len(TURNS)]}
                        )
                        if response.status_code != 200:
                            errors.append(str(response.status_code))
                    except httpx.HTTPError as error:
                        errors.append(type(error).__name__)
                    latencies.append(time.monotonic() - started)
                    n += 1

    started = time.monotonic()
    await asyncio.gather(*(customer(i) for i in range(sessions)))
    elapsed = time.monotonic() - started
    return latencies, errors, elapsed


async def http_parse(rasa_url: str, token: str, texts: List[str]) -> List[float]:
    latencies = []
    async with httpx.AsyncClient(timeout=60) as client:
        for text in texts:
            started = time.monotonic()
            response = await client.post(
                f"{rasa_url}/model/parse", params={"token": token}, json={"text": text}
            )
            response.raise_for_status()
            latencies.append(time.monotonic() - started)
    return latencies


async def edit_to_live(url: str, marker: str) -> Dict[str, Any]:
    """Edit an answer in the content editor, retrain, and wait until customers get it."""
    async with httpx.AsyncClient(base_url=url, timeout=300) as editor:
        await login(editor, "editor")
        entry = (await editor.get(f"/api/content/entries/{EDIT_ENTRY}")).json()["entry"]
        started = time.monotonic()
        body = {k: entry[k] for k in ("title", "question", "answer", "examples", "tests")}
        body["answer"] = marker + "\n" + entry["answer"]
        (await editor.put(f"/api/content/entries/{EDIT_ENTRY}", json=body)).raise_for_status()
        (await editor.post("/api/content/train", json={})).raise_for_status()
        while True:
            await asyncio.sleep(1)
            training = (await editor.get("/api/content/train")).json()["training"]
            if training["state"] != "running":
                break
        async with httpx.AsyncClient(base_url=url, timeout=60) as visitor:
            while time.monotonic() - started < 1800:
                reply = (await visitor.post("/api/chat", json={"text": EDIT_QUESTION})).json()
                if any(marker in r["text"] for r in reply.get("replies", [])):
                    break
                await asyncio.sleep(0.5)
        return {
            "edit_to_live_s": round(time.monotonic() - started, 1),
            "training_state": training["state"],
            "training_mode": training.get("mode"),
        }


async def measure_stack(url: str, rasa_url: str, token: str, texts: List[str]) -> Dict[str, Any]:
    result: Dict[str, Any] = {}
    http = await http_parse(rasa_url, token, texts)
    result.update(
        http_parse_p50_ms=ms(http, 0.5), http_parse_p95_ms=ms(http, 0.95),
        http_parse_p99_ms=ms(http, 0.99),
    )  # fmt: skip
    await load(url, 2, 5)  # warm-up
    for sessions, seconds in ((1, 20), (10, 30), (50, 60)):
        latencies, errors, elapsed = await load(url, sessions, seconds)
        result[f"turn_p50_ms_at_{sessions}"] = ms(latencies, 0.5)
        result[f"turn_p95_ms_at_{sessions}"] = ms(latencies, 0.95)
        result[f"turns_per_s_at_{sessions}"] = round(len(latencies) / elapsed, 1)
        result[f"errors_at_{sessions}"] = len(errors)
        if errors:
            result[f"error_kinds_at_{sessions}"] = dict(Counter(errors))
        result[f"turns_at_{sessions}"] = len(latencies)
    # A model swap under load: 10 customers chat while the content editor's retrain goes live.
    stop = asyncio.Event()
    background = asyncio.create_task(load(url, 10, 3600, stop))
    result.update(await edit_to_live(url, f"【ベンチ更新 {uuid.uuid4().hex[:6]}】"))
    await asyncio.sleep(3)
    stop.set()
    latencies, errors, _ = await background
    result["swap_requests"] = len(latencies)
    result["swap_failed_requests"] = len(errors)
    if errors:
        result["swap_error_kinds"] = dict(Counter(errors))
    return result


TARGETS = {
    "turn_p95_ms_at_10": ("< 150 ms", lambda v: v < 150),
    "turns_per_s_at_10": ("≥ 50 /s", lambda v: v >= 50),
    "errors_at_50": ("0 (60 s)", lambda v: v == 0),
    "swap_failed_requests": ("0", lambda v: v == 0),
}


def markdown(result: Dict[str, Any]) -> str:
    lines = [
        "# Benchmark",
        "",
        f"{result['machine']} — {result['when']}",
        "",
        "| figure | value | target |",
        "| --- | --- | --- |",
    ]
    for key, value in result.items():
        if key in ("machine", "when", "rss_mib"):
            continue
        target = TARGETS.get(key)
        verdict = ""
        if target:
            verdict = f"{target[0]} — {'met' if target[1](value) else '**missed**'}"
        lines.append(f"| `{key}` | {value} | {verdict} |")
    for name, value in result.get("rss_mib", {}).items():
        lines.append(f"| `rss_mib.{name}` | {value} | |")
    return "\n".join(lines) + "\n"


def bench(root: Path, reports: Path, train: bool = True) -> int:
    work = scratch_project(root, root / "var" / "bench")
    result: Dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    model = latest_model(work / "models")
    from bot.serving.quiet import quiet_rasa

    quiet_rasa()
    from rasa.core.agent import Agent

    texts = [text for text, _ in held_out_questions(root / "faq_corpus")]
    agent = Agent.load(str(model))
    _, milliseconds = asyncio.run(parse_all(agent, texts))
    seconds = [value / 1000 for value in milliseconds]
    result.update(
        parse_p50_ms=ms(seconds, 0.5), parse_p95_ms=ms(seconds, 0.95),
        parse_p99_ms=ms(seconds, 0.99), parse_questions=len(texts),
    )  # fmt: skip
    del agent
    if train:
        cache = work / "cache"
        result["train_cold_s"] = timed_train(work, cache, "trained-cold", force=True)
        result["train_warm_cache_s"] = timed_train(work, cache, "trained-warm", force=False)
    token = uuid.uuid4().hex
    rasa_port, actions_port, web_port = free_port(), free_port(), free_port()
    env = dict(
        os.environ, RASA_TELEMETRY_ENABLED="false", RASA_AUTH_TOKEN=token,
        CHAT_RATE_LIMIT="100000/60", CLIENT_RATE_LIMIT="1000000/60", DATABASE_URL=f"sqlite:///{work / 'store.sqlite3'}",
    )  # fmt: skip
    log = (work / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--rasa-port", str(rasa_port),
         "--actions-port", str(actions_port), "--web-port", str(web_port)],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{web_port}"
    try:
        wait_for(f"{url}/healthz", timeout=600, process=server)
        result.update(
            asyncio.run(measure_stack(url, f"http://127.0.0.1:{rasa_port}", token, texts))
        )
        result["rss_mib"] = {
            name: rss_mib(pid) for name, pid in sorted(children(server.pid).items())
        }
        result["rss_mib"]["serve"] = rss_mib(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "bench.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (reports / "bench.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0
