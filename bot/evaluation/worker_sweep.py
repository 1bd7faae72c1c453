"""Rasa workers per core by measurement: the closed loop at 10 sessions with 1, 2 and 3 workers.

`make bench` runs it after its main stack has stopped (its other figures are at the default
`RASA_WORKERS`); `python -m bot.evaluation.worker_sweep [SECONDS] [COUNTS...]` runs it alone
and prints the figures as JSON. Each count gets its own `bot serve` of the same scratch project,
a short warm-up, then the 10-session closed loop; the machine's load average is recorded beside
each, since the cores may be shared.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Sequence

from bot.evaluation.bench_stack import phase, scratch_project, start_stack, stop_serve
from bot.evaluation.load import closed_loop, web_customers
from bot.serving.actions_server import wait_for

COUNTS = (1, 2, 3)
SESSIONS = 10


@contextmanager
def rasa_workers(count: int) -> Iterator[None]:
    """RASA_WORKERS=count for the stacks started meanwhile."""
    before = os.environ.get("RASA_WORKERS")
    os.environ["RASA_WORKERS"] = str(count)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("RASA_WORKERS", None)
        else:
            os.environ["RASA_WORKERS"] = before


async def _loop(url: str, seconds: float):
    await closed_loop(web_customers(url), 2, min(5.0, seconds))  # warm-up
    return await closed_loop(web_customers(url), SESSIONS, seconds)


def measure_worker_counts(
    work: Path, seconds: float, counts: Sequence[int] = COUNTS
) -> Dict[str, Any]:
    """turns/s, p50, p95 and errors at 10 sessions for each count of Rasa workers."""
    result: Dict[str, Any] = {"worker_counts": list(counts)}
    for count in counts:
        with rasa_workers(count), phase(result, f"10 sessions, {count} Rasa workers"):
            server, url, _ = start_stack(work, f"sweep-{count}")
            try:
                wait_for(f"{url}/healthz", timeout=600, process=server)
                tally = asyncio.run(_loop(url, seconds))
            finally:
                stop_serve(server)
        result.update({
            f"workers_{count}_turns_per_s": tally.per_s(),
            f"workers_{count}_p50_ms": tally.ms(0.5),
            f"workers_{count}_p95_ms": tally.ms(0.95),
            f"workers_{count}_errors": len(tally.errors),
        })  # fmt: skip
    return result


def main(argv: Sequence[str]) -> int:
    seconds = float(argv[0]) if argv else 30.0
    counts = [int(a) for a in argv[1:]] or list(COUNTS)
    root = Path.cwd()
    work = scratch_project(root, root / "var" / "bench" / "sweep")
    print(json.dumps(measure_worker_counts(work, seconds, counts), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
