"""`make bench`: throughput and latency curves, faults under load, memory, training and
edit-to-live times, with stock Rasa's `rasa init` bot measured in the same run as reference.

Runs the whole stack (`python -m bot serve`) from a scratch copy of the project under
var/bench/stack/, so the benchmark's edits, trainings and conversations never touch the
repository, and writes reports/bench.json, bench.md and bench_curve.png. It reports; it does not
fail on a slow machine. The drivers are in load.py, the reference in stock_rasa.py, the report in
bench_report.py, the scratch stack and its processes in bench_stack.py.
"""

from __future__ import annotations

import asyncio
import os
import platform
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

import httpx

from bot.evaluation import proc_cpu
from bot.evaluation.bench_report import RATES, SESSIONS, write_report
from bot.evaluation.bench_stack import (
    children,
    own_code,
    phase,
    rss_mib,
    scratch_project,
    start_stack,
    stop_serve,
)
from bot.evaluation.evaluate import held_out_questions, parse_all
from bot.evaluation.load import (
    Conversation,
    ConversationFactory,
    Tally,
    closed_loop,
    load,
    long_conversations,
    long_figures,
    ms,
    open_loop,
    web_customers,
)
from bot.evaluation.stock_rasa import start_stock, stock_project, stock_senders, wait_stock
from bot.evaluation.worker_sweep import measure_worker_counts
from bot.models import published_model
from bot.serving.actions_server import stop, wait_for

# seconds of each closed-loop point (ours and stock alike), of each open-loop rate
CURVE_SECONDS = {1: 20, 5: 20, 10: 30, 25: 30, 50: 60}
OPEN_SECONDS = 30
QUICK_SECONDS = 4
LONG_CONVERSATIONS, LONG_TURNS = 4, 40  # 3 pairs of a last and a first 8 turns


def timed_train(project: Path, cache: Path, out: str, force: bool) -> float:
    """Wall time of `bot train` into a fresh folder: --force ignores the cache (cold); without
    it, every component whose inputs did not change comes from the cache (warm)."""
    env = own_code(
        dict(os.environ, RASA_TELEMETRY_ENABLED="false", RASA_CACHE_DIRECTORY=str(cache))
    )
    command = [sys.executable, "-m", "bot", "train", "--out", str(project / out)]
    started = time.monotonic()
    subprocess.run(
        command + (["--force"] if force else []),
        cwd=project, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return round(time.monotonic() - started, 1)


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


def curve_figures(tally: Tally, n: int, prefix: str = "") -> Dict[str, Any]:
    figures = {
        f"{prefix}turns_per_s_at_{n}": tally.per_s(),
        f"{prefix}turn_p50_ms_at_{n}": tally.ms(0.5),
        f"{prefix}turn_p95_ms_at_{n}": tally.ms(0.95),
        f"{prefix}errors_at_{n}": len(tally.errors),
        f"{prefix}turns_at_{n}": len(tally.latencies),
    }
    if tally.errors:
        figures[f"{prefix}error_kinds_at_{n}"] = dict(Counter(tally.errors))
    return figures


async def curve(
    conversation: ConversationFactory,
    quick: bool,
    prefix: str = "",
    processes: Dict[str, int] | None = None,
) -> Dict:
    """A warm-up, then the closed loop at each of SESSIONS; with `processes` (name: pid), the
    CPU time each spent per turn over the closed loop (/proc, bot/evaluation/proc_cpu.py), and
    how many conversations (each logs in first) it took per turn."""
    figures: Dict[str, Any] = {}
    await closed_loop(conversation, 2, 2 if quick else 5)
    opened: List[int] = []

    def counted(n: int) -> Conversation:
        opened.append(n)
        return conversation(n)

    before = proc_cpu.snapshot(processes or {})
    for n in SESSIONS:
        seconds = QUICK_SECONDS if quick else CURVE_SECONDS[n]
        figures.update(curve_figures(await closed_loop(counted, n, seconds), n, prefix))
    turns = sum(figures[f"{prefix}turns_at_{n}"] for n in SESSIONS)
    if processes and turns:
        cpu = proc_cpu.per_turn_ms(before, proc_cpu.snapshot(processes), turns)
        figures.update({f"{prefix}cpu_ms_per_turn_{name}": ms for name, ms in cpu.items()})
        figures[f"{prefix}conversations_per_turn"] = round(len(opened) / turns, 4)
    return figures


async def measure_curves(
    url: str,
    rasa_url: str,
    token: str,
    texts: List[str],
    stock_url: str | None,
    quick: bool,
    processes: Dict[str, int] | None = None,
) -> Dict[str, Any]:
    """NLU over HTTP, then the closed-loop curve of ours and, right after, of stock Rasa."""
    result: Dict[str, Any] = {"curve_sessions": list(SESSIONS)}
    with phase(result, "parse over HTTP"):
        http = await http_parse(rasa_url, token, texts)
    result.update(
        http_parse_p50_ms=ms(http, 0.5), http_parse_p95_ms=ms(http, 0.95),
        http_parse_p99_ms=ms(http, 0.99),
    )  # fmt: skip
    with phase(result, "closed loop, ours"):
        result.update(await curve(web_customers(url), quick, processes=processes))
        if processes and "web" in processes:
            await proc_cpu.chat_cpu(url, result, processes["web"])
    if stock_url is None:
        return result
    with phase(result, "closed loop, stock Rasa"):
        result.update(await curve(stock_senders(stock_url), quick, "stock_"))
    for n in SESSIONS:
        ours_p95, stock_p95 = result[f"turn_p95_ms_at_{n}"], result[f"stock_turn_p95_ms_at_{n}"]
        if result[f"stock_turns_per_s_at_{n}"]:
            ratio = result[f"turns_per_s_at_{n}"] / result[f"stock_turns_per_s_at_{n}"]
            result[f"ratio_turns_per_s_at_{n}"] = round(ratio, 2)
        if ours_p95 and stock_p95:
            result[f"ratio_p95_at_{n}"] = round(ours_p95 / stock_p95, 2)
    return result


async def measure_rest(url: str, quick: bool) -> Dict[str, Any]:
    """Open loop at fixed arrival rates, the long conversation, the model swap under load."""
    result: Dict[str, Any] = {"open_rates": list(RATES)}
    ours = web_customers(url)
    with phase(result, "open loop"):
        for rate in RATES:
            tally = await open_loop(
                ours, rate, QUICK_SECONDS if quick else OPEN_SECONDS, max(5, 2 * rate)
            )
            result.update({
                f"open_p50_ms_at_{rate}": tally.ms(0.5),
                f"open_p95_ms_at_{rate}": tally.ms(0.95),
                f"open_achieved_per_s_at_{rate}": tally.per_s(),
                f"open_errors_at_{rate}": len(tally.errors),
                f"open_queued_at_{rate}": tally.queued,
            })  # fmt: skip
    with phase(result, "long conversation"):
        tally = await long_conversations(ours, LONG_CONVERSATIONS, LONG_TURNS)
    result.update(long_figures(tally, LONG_CONVERSATIONS, LONG_TURNS))
    result.update(long_conversations=LONG_CONVERSATIONS, long_length=LONG_TURNS)
    if quick:
        result["skipped"] = ["edit-to-live and the model swap under load (--quick)"]
        return result
    # 10 customers chat while the content editor publishes an answer edit, a new example, a new
    # entry and a rollback (knowledge snapshots), then retrains the model (a model swap).
    with phase(result, "edit to live, swap under load"):
        from bot.evaluation.knowledge_bench import edits

        halt = asyncio.Event()
        background = asyncio.create_task(load(url, 10, 3600, halt))
        steps = await edits(url, retrain=True)
        for name in ("answer_edit", "new_example", "new_entry", "rollback"):
            result[f"knowledge_{name}_live_s"] = steps[name]["s"]
        result["edit_to_live_s"] = steps["answer_edit"]["s"]
        result["retrain_edit_to_live_s"] = steps["retrain_answer_edit"]["customer_s"]
        await asyncio.sleep(3)
        halt.set()
        latencies, errors, _ = await background
    result["swap_requests"] = len(latencies)
    result["swap_failed_requests"] = len(errors)
    if errors:
        result["swap_error_kinds"] = dict(Counter(errors))
    return result


def rasa_workers() -> int | str:
    """The number of Rasa workers `bot serve` starts: RASA_WORKERS, by serve's own rule where
    it has one (its default), else 1; recorded as given when it is not a number."""
    try:
        from bot.serving.serve import rasa_workers as served
    except ImportError:
        served = None
    value = os.environ.get("RASA_WORKERS", "").strip()
    if served is not None:
        try:
            return served()
        except Exception:  # noqa: BLE001 - an invalid value is recorded; serve reports it
            return value
    return int(value) if value.isdigit() else value or 1


def merge(result: Dict[str, Any], more: Dict[str, Any]) -> None:
    """Adds a phase's figures to the result, its load averages to the earlier phases'."""
    result.setdefault("load_avg", {}).update(more.pop("load_avg", {}))
    result.update(more)


def parse_in_process(model: Path, texts: List[str]) -> Dict[str, Any]:
    from bot.serving.quiet import quiet_rasa

    quiet_rasa()
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    _, milliseconds = asyncio.run(parse_all(agent, texts))
    seconds = [value / 1000 for value in milliseconds]
    return dict(
        parse_p50_ms=ms(seconds, 0.5), parse_p95_ms=ms(seconds, 0.95),
        parse_p99_ms=ms(seconds, 0.99), parse_questions=len(texts),
    )  # fmt: skip


def bench(
    root: Path, reports: Path, train: bool = True, quick: bool = False, stock: bool = True
) -> int:
    var = root / "var" / "bench"
    work = scratch_project(root, var / "stack")
    result: Dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "rasa_workers": rasa_workers(),
        "quick": quick,
    }
    texts = [text for text, _ in held_out_questions(root / "faq_corpus")]
    with phase(result, "parse in process"):
        result.update(parse_in_process(published_model(work / "models"), texts))
    if train:
        cache = work / "cache"
        with phase(result, "training"):
            result["train_cold_s"] = timed_train(work, cache, "trained-cold", force=True)
            result["train_warm_cache_s"] = timed_train(work, cache, "trained-warm", force=False)
    skipped: List[str] = []
    stock_server = stock_url = None
    if stock:
        try:
            with phase(result, "stock rasa init (only when missing)"):
                stock_server, stock_url = start_stock(stock_project(var))
        except (subprocess.SubprocessError, RuntimeError) as error:
            skipped.append(f"stock Rasa reference ({error})")
    else:
        skipped.append("stock Rasa reference (--no-stock)")
    token = uuid.uuid4().hex
    server, url, rasa_url = start_stack(work, token)
    try:
        wait_for(f"{url}/healthz", timeout=600, process=server)
        if stock_server is not None:
            wait_stock(stock_server, stock_url)
        processes = children(server.pid)  # web app, Rasa (with its workers), actions
        merge(
            result,
            asyncio.run(measure_curves(url, rasa_url, token, texts, stock_url, quick, processes)),
        )
        if stock_server is not None:
            result["rss_mib_stock"] = rss_mib(stock_server.pid)
            stop(stock_server)
        more = asyncio.run(measure_rest(url, quick))
        skipped += more.pop("skipped", [])
        merge(result, more)
        result["rss_mib"] = {
            name: rss_mib(pid, with_children=name == "rasa")
            for name, pid in sorted(children(server.pid).items())
        }
        result["rss_mib"]["serve"] = rss_mib(server.pid)
    finally:
        if stock_server is not None:
            stop(stock_server)
        stop_serve(server)
    seconds = QUICK_SECONDS if quick else CURVE_SECONDS[10]
    merge(result, measure_worker_counts(work, seconds))  # 1, 2, 3 Rasa workers at 10 sessions
    result["skipped"] = skipped
    print(write_report(result, reports))
    return 0
