"""CPU time of the stack's processes, read from /proc: `make bench`'s CPU per turn, and the
web app's CPU per login, measured on its own to tell the chat turns' share.

Each process counts with its descendants (Rasa's Sanic workers are children of its main
process). User plus system time, in clock ticks, as the kernel accounts it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List

import httpx

from bot.evaluation.load import login

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> List[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # the fields after "(comm)", from state on


def descendants(pid: int) -> List[int]:
    """`pid` and every process below it."""
    parents: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
    found, todo = [], [pid]
    while todo:
        one = todo.pop()
        found.append(one)
        todo += parents.get(one, [])
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of `pid` and its descendants."""
    total = 0
    for one in descendants(pid):
        try:
            fields = _stat(one)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS_PER_S


def snapshot(processes: Dict[str, int]) -> Dict[str, float]:
    return {name: cpu_seconds(pid) for name, pid in processes.items()}


def per_turn_ms(before: Dict[str, float], after: Dict[str, float], turns: int) -> Dict[str, float]:
    """CPU milliseconds per turn of each process between two snapshots."""
    if turns <= 0:
        return {}
    return {name: round(1000 * (after[name] - before[name]) / turns, 2) for name in after}


async def login_cpu_ms(url: str, web_pid: int, logins: int = 10) -> float:
    """The web app's CPU per login (mostly its scrypt check), logins one at a time."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        before = cpu_seconds(web_pid)
        for _ in range(logins):
            await login(client, "yamada")
        return round(1000 * (cpu_seconds(web_pid) - before) / logins, 2)


async def chat_cpu(url: str, result: Dict[str, Any], web_pid: int) -> None:
    """The web app's CPU per chat turn without the logins: each conversation of the closed loop
    logs in first (a scrypt check costs more than several turns), measured on their own."""
    if "cpu_ms_per_turn_web" not in result:
        return
    per_login = result["cpu_ms_per_login_web"] = await login_cpu_ms(url, web_pid)
    logins = per_login * result["conversations_per_turn"]
    result["cpu_ms_per_turn_web_chat"] = round(result["cpu_ms_per_turn_web"] - logins, 2)
