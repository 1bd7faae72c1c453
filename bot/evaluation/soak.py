"""`python -m bot bench --soak MINUTES` (`make soak`): a long day in little, on loopback.

The stack (`bot serve`) runs from a scratch copy of the project under var/bench/soak/, as
`make bench`'s does. 10 logged-in customers chat back to back, each conversation 8 turns and
then a new customer session (a new conversation), for MINUTES minutes. The run is cut into
windows of 5 minutes (a run shorter than 15 minutes: three equal windows, said in the report);
after each window it records every process's resident memory and open file descriptors, the
files and bytes under the project's var/ (lock files apart), the window's p50 and p95 turn
latency and its errors. reports/soak.json, soak.md and soak.png; the figures that matter for a
long day: RSS growth after the first window, and p95 of the last window over the first.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

from bot.evaluation.bench_stack import (
    child_pids,
    children,
    rss_mib,
    scratch_project,
    start_stack,
    stop_serve,
)
from bot.evaluation.load import closed_loop, web_customers
from bot.serving.actions_server import wait_for

SESSIONS = 10
WINDOW_S = 300.0
SHORT_RUN_WINDOWS = 3  # a run shorter than 3 windows of 5 minutes: 3 shorter windows


def window_seconds(minutes: float) -> float:
    return WINDOW_S if minutes * 60 >= SHORT_RUN_WINDOWS * WINDOW_S else minutes * 60 / 3


def open_files(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def processes(serve_pid: int) -> Dict[str, int]:
    """The stack's processes by role; Rasa's workers numbered in pid order."""
    found = {"serve": serve_pid}
    for name, pid in children(serve_pid).items():
        found["rasa main" if name == "rasa" else name] = pid
        if name == "rasa":
            for n, worker in enumerate(sorted(int(p) for p in child_pids(pid)), 1):
                found[f"rasa worker {n}"] = worker
    return found


def var_files(project: Path) -> Dict[str, int]:
    files = [p for p in (project / "var").rglob("*") if p.is_file()]
    locks = [p for p in files if p.parent.name == "locks"]
    return {
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files if p.exists()),
        "lock_files": len(locks),
    }


def sample(serve_pid: int, project: Path) -> Dict[str, Any]:
    found = processes(serve_pid)
    return {
        "rss_mib": {name: rss_mib(pid) for name, pid in found.items()},
        "open_files": {name: open_files(pid) for name, pid in found.items()},
        "var": var_files(project),
    }


async def soak(url: str, serve_pid: int, project: Path, minutes: float) -> Dict[str, Any]:
    """The windows of a soak against a running stack."""
    length = window_seconds(minutes)
    count = max(1, round(minutes * 60 / length))
    windows: List[Dict[str, Any]] = []
    started = time.monotonic()
    for n in range(count):
        tally = await closed_loop(web_customers(url), SESSIONS, length)
        window = {
            "window": n + 1,
            "end_s": round(time.monotonic() - started),
            "turns": len(tally.latencies),
            "turns_per_s": tally.per_s(),
            "p50_ms": tally.ms(0.5),
            "p95_ms": tally.ms(0.95),
            "errors": len(tally.errors),
            **({"error_kinds": dict(Counter(tally.errors))} if tally.errors else {}),
            **sample(serve_pid, project),
            "load_avg": round(os.getloadavg()[0], 2),
        }
        windows.append(window)
    first, last = windows[0], windows[-1]
    rss_first, rss_last = sum(first["rss_mib"].values()), sum(last["rss_mib"].values())
    return {
        "minutes": minutes,
        "window_s": length,
        "sessions": SESSIONS,
        "windows": windows,
        "rss_mib_first": round(rss_first, 1),
        "rss_mib_last": round(rss_last, 1),
        "rss_growth_pct": round(100 * (rss_last - rss_first) / rss_first, 1) if rss_first else None,
        "p95_last_over_first": (
            round(last["p95_ms"] / first["p95_ms"], 2)
            if first["p95_ms"] and last["p95_ms"]
            else None
        ),
        "errors": sum(w["errors"] for w in windows),
        "turns": sum(w["turns"] for w in windows),
    }


def run_soak(root: Path, reports: Path, minutes: float) -> int:
    """`bot serve` from a scratch project, the soak, the report."""
    from bot.evaluation.soak_report import write_soak_report

    work = scratch_project(root, root / "var" / "bench" / "soak")
    server, url, _ = start_stack(work, "soak-token")
    try:
        wait_for(f"{url}/healthz", timeout=600, process=server)
        result = asyncio.run(soak(url, server.pid, work, minutes))
    finally:
        stop_serve(server)
    result["machine"] = f"{os.cpu_count()} cores"
    result["when"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    print(write_soak_report(result, reports))
    return 0
