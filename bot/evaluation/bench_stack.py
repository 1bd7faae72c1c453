"""The benchmarks' stack: a scratch copy of the project, `bot serve` of it started and stopped,
its processes and their memory, and the load average of each phase. Used by bench.py,
worker_sweep.py, worker_faults.py and soak.py."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List

from bot.corpora import copy_project
from bot.models import published_model
from bot.serving.actions_server import free_port

# The checkout this bench runs from: the stack and the trainings it starts run the same code,
# not whichever checkout the editable install points at.
CODE_ROOT = Path(__file__).resolve().parents[2]


def own_code(env: Dict[str, str]) -> Dict[str, str]:
    """`env` with CODE_ROOT first on PYTHONPATH (children run `python -m bot` elsewhere)."""
    paths = [str(CODE_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    return dict(env, PYTHONPATH=os.pathsep.join(paths))


@contextmanager
def phase(result: Dict[str, Any], name: str) -> Iterator[None]:
    """Records the machine's 1-minute load average at the start and end of a phase."""
    start = round(os.getloadavg()[0], 2)
    try:
        yield
    finally:
        result.setdefault("load_avg", {})[name] = [start, round(os.getloadavg()[0], 2)]


def rss_mib(pid: int, with_children: bool = False) -> float:
    """Resident memory of a process (and of its children: Rasa's workers are children)."""
    pids = [pid] + ([int(c) for c in child_pids(pid)] if with_children else [])
    total = 0.0
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return round(total, 1)


def child_pids(pid: int) -> List[str]:
    return subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()


def children(pid: int) -> Dict[str, int]:
    found = {}
    for child in child_pids(pid):
        command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        name = (
            "rasa" if " rasa run" in command else "actions" if "actions_app" in command else "web"
        )
        found[name] = int(child)
    return found


def scratch_project(root: Path, into: Path) -> Path:
    if into.exists():
        shutil.rmtree(into)
    return copy_project(root, into, published_model(root / "models"))


def start_stack(work: Path, token: str) -> tuple[subprocess.Popen, str, str]:
    """`bot serve` of the scratch project on free ports; its environment passes through
    (RASA_WORKERS among it)."""
    rasa_port, actions_port, web_port = free_port(), free_port(), free_port()
    env = dict(
        os.environ, RASA_TELEMETRY_ENABLED="false", RASA_AUTH_TOKEN=token,
        CHAT_RATE_LIMIT="100000/60", CLIENT_RATE_LIMIT="1000000/60", DATABASE_URL=f"sqlite:///{work / 'store.sqlite3'}",
    )  # fmt: skip
    with (work / "serve.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--rasa-port", str(rasa_port),
             "--actions-port", str(actions_port), "--web-port", str(web_port)],
            cwd=work, env=own_code(env), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return server, f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{rasa_port}"


def stop_serve(server: subprocess.Popen) -> None:
    """Ctrl-C to `bot serve` (it stops its servers), killed after a minute."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
