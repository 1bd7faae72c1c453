"""A Rasa server whose dead workers are replaced, and that says how many of them answer.

With SANIC_WORKERS > 1, Sanic 21.12 (Rasa 3.6's) forks its workers once from the main process
and then only waits for them: a worker that dies (killed, out of memory) is gone until the
whole server restarts, and the server carries on with fewer. The patched `serve_multiple` keeps
watching: a worker that ends while the server is not stopping is forked again from the main
process into its slot, at once. The replacement inherits the listening socket, loads the model
(Rasa's `before_server_start`) and only then accepts connections, so the other workers answer
every new turn meanwhile; only the turns in flight on the killed worker fail. Measured against
rolling the whole server (see README, "Dead workers"), replacing the one worker is both faster
and fails no other turn.

Each worker marks its slot on a small shared-memory board with its pid once it serves, the main
process clears the slot when the worker ends: `board()` answers `{"expected", "answering",
"pids"}` from any worker (the web channel's `GET /webhooks/web/workers`), which the web app's
`/healthz` reports as degraded while fewer than expected answer.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from multiprocessing.connection import wait
from typing import Any, Dict, List, Optional

log = logging.getLogger(__name__)

MAX_RESTARTS = (
    5  # per slot within RESTART_WINDOW_S; beyond that the server stops (serve restarts it)
)
RESTART_WINDOW_S = 300.0

_BOARD: Optional[Any] = None  # multiprocessing RawArray of pids, one per slot; 0: not answering
_SLOT = -1  # this worker's slot (set in the main process just before each fork)


def board() -> Dict[str, Any]:
    """How many workers this Rasa server was started with and how many answer."""
    if _BOARD is None:  # one worker, Sanic's single mode: the answering process is it
        return {"expected": 1, "answering": 1, "pids": [os.getpid()]}
    pids = [pid for pid in _BOARD if pid]
    return {"expected": len(_BOARD), "answering": len(pids), "pids": pids}


def _serving(app: Any, loop: Any) -> None:  # noqa: ARG001 - Sanic listener signature
    if _BOARD is not None and _SLOT >= 0:
        _BOARD[_SLOT] = os.getpid()


def serve_supervised(server_settings: Dict[str, Any], workers: int) -> None:
    """Sanic's `serve_multiple`, with every worker that ends replaced while not stopping."""
    global _BOARD, _SLOT
    import asyncio

    from sanic.server.events import trigger_events
    from sanic.server.runners import serve
    from sanic.server.socket import bind_socket, remove_unix_socket

    server_settings["reuse_port"] = True
    server_settings["run_multiple"] = True
    main_start = server_settings.pop("main_start", None)
    main_stop = server_settings.pop("main_stop", None)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    trigger_events(main_start, loop)
    sock = server_settings.get("sock")
    if sock is None:  # Rasa serves TCP; Sanic's unix socket case is not used
        sock = bind_socket(
            server_settings["host"], server_settings["port"], backlog=server_settings["backlog"]
        )
        sock.set_inheritable(True)
        server_settings.update(sock=sock, host=None, port=None)
    server_settings["app"].register_listener(_serving, "after_server_start")
    context = multiprocessing.get_context("fork")
    _BOARD = context.RawArray("i", workers)
    processes: List[Any] = [None] * workers
    restarts: List[List[float]] = [[] for _ in range(workers)]
    stopping = False

    def start(slot: int) -> None:
        global _SLOT
        _SLOT = slot  # the forked worker inherits its slot number
        process = context.Process(target=serve, kwargs=server_settings, daemon=True)
        process.start()
        processes[slot] = process
        _SLOT = -1

    def on_signal(signum: int, frame: Any) -> None:  # noqa: ARG001
        nonlocal stopping
        log.info("Received signal %s. Shutting down.", signal.Signals(signum).name)
        stopping = True
        for process in processes:
            if process is not None and process.pid:
                try:
                    os.kill(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    for slot in range(workers):
        start(slot)
    try:
        while not stopping:
            wait([p.sentinel for p in processes], timeout=1.0)
            for slot, process in enumerate(processes):
                if process.is_alive() or stopping:
                    continue
                _BOARD[slot] = 0
                now = time.monotonic()
                restarts[slot] = [t for t in restarts[slot] if now - t < RESTART_WINDOW_S]
                if len(restarts[slot]) >= MAX_RESTARTS:
                    log.error("Rasa worker %s keeps ending (exit %s)", slot, process.exitcode)
                    on_signal(signal.SIGTERM, None)
                    break
                restarts[slot].append(now)
                log.warning(
                    "Rasa worker [%s] ended (exit %s): starting a new one",
                    process.pid,
                    process.exitcode,
                )
                start(slot)
    finally:
        for process in processes:
            process.join()
        trigger_events(main_stop, loop)
        sock.close()
        loop.close()
        remove_unix_socket(server_settings.get("unix"))


def install() -> None:
    """Sanic's app runs its workers through `serve_supervised` (once per process)."""
    import sanic.app

    sanic.app.serve_multiple = serve_supervised
