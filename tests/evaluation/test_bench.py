"""`make bench`'s drivers against a tiny local HTTP server, and its report from a result dict."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.evaluation.bench_report import TARGETS, write_report
from bot.evaluation.load import closed_loop, long_conversations, long_figures, open_loop
from bot.serving.actions_server import free_port

FAILING_TURN = 3  # the fake server answers 500 to every conversation's turn 3


class FakeBot:
    """Records every turn, the conversations in flight, overlaps and the peak concurrency."""

    def __init__(self):
        self.turns, self.overlaps, self.in_flight, self.peak = [], 0, set(), 0

    async def turn(self, request: Request) -> JSONResponse:
        body = await request.json()
        conversation = body["conversation"]
        if conversation in self.in_flight:
            self.overlaps += 1
        self.in_flight.add(conversation)
        self.peak = max(self.peak, len(self.in_flight))
        self.turns.append((conversation, body["k"]))
        await asyncio.sleep(0.01)
        self.in_flight.discard(conversation)
        return JSONResponse({}, status_code=500 if body["k"] == FAILING_TURN else 200)


@pytest.fixture
def fake_bot():
    bot = FakeBot()
    app = Starlette(routes=[Route("/turn", bot.turn, methods=["POST"])])
    port = free_port()
    # ws="none": the installed websockets is older than uvicorn's websocket protocol wants
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the fake bot did not start"
        time.sleep(0.02)
    yield bot, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


class FakeConversation:
    def __init__(self, url: str, n: int):
        self.n, self.client = n, httpx.AsyncClient(base_url=url, timeout=30)

    async def open(self) -> None:
        pass

    async def say(self, k: int) -> httpx.Response:
        return await self.client.post("/turn", json={"conversation": self.n, "k": k})

    async def close(self) -> None:
        await self.client.aclose()


def conversations(url: str):
    return lambda n: FakeConversation(url, n)


def test_open_loop_issues_rate_times_seconds_turns_without_overlap(fake_bot):
    bot, url = fake_bot
    # a pool of 2 at 40 arrivals a second: arrivals must queue for free conversations
    tally = asyncio.run(open_loop(conversations(url), rate=40, seconds=1.5, pool=2, turns=8))
    assert len(bot.turns) == len(tally.latencies) == 60
    assert bot.overlaps == 0
    assert bot.peak <= 2
    per_conversation = {}
    for conversation, k in bot.turns:
        per_conversation.setdefault(conversation, []).append(k)
    for ks in per_conversation.values():  # each conversation's turns in order, 8 at most
        assert ks == list(range(len(ks))) and len(ks) <= 8
    assert len(tally.errors) == sum(1 for _, k in bot.turns if k == FAILING_TURN) > 0
    assert set(tally.errors) == {"500"}


def test_closed_loop_runs_n_conversations_at_once(fake_bot):
    bot, url = fake_bot
    tally = asyncio.run(closed_loop(conversations(url), sessions=5, seconds=0.5, turns=4))
    assert bot.peak == 5 and bot.overlaps == 0
    assert len(tally.latencies) == len(bot.turns) > 5
    started = {conversation for conversation, k in bot.turns if k == 0}
    assert set(range(5)) <= started  # sessions 0-4 started their first conversations
    assert len(tally.errors) == sum(1 for _, k in bot.turns if k == FAILING_TURN)


def test_long_conversations_overlap_last_and_first_turns(fake_bot):
    bot, url = fake_bot
    tally = asyncio.run(long_conversations(conversations(url), conversations=3, turns=20, window=4))
    assert bot.peak == 1 and bot.overlaps == 0 and len(bot.turns) == 60
    assert all(len(tally.by_position[(j, k)]) == 1 for j in range(3) for k in range(20))
    order = [(conversation - 1000, k) for conversation, k in bot.turns]
    # conversation 1's first 4 turns alternate with conversation 0's last 4, and so on
    assert order[16:24] == [(0, 16), (1, 0), (0, 17), (1, 1), (0, 18), (1, 2), (0, 19), (1, 3)]
    assert order[:16] == [(0, k) for k in range(16)] and order[-4:] == [
        (2, k) for k in range(16, 20)
    ]
    figures = long_figures(tally, 3, 20, window=4)
    assert figures["long_turns"] == 60 and figures["long_errors"] == 3
    assert figures["long_first8_p50_ms"] > 0 and figures["long_ratio"] > 0


def test_report_tables_targets_and_png(tmp_path):
    result = {"machine": "2 cores", "when": "now", "rasa_workers": 1, "quick": True}
    for n, rate in zip((1, 5, 10, 25, 50), (20, 60, 80, 85, 90)):
        result.update({
            f"turns_per_s_at_{n}": rate, f"turn_p50_ms_at_{n}": 40 + n,
            f"turn_p95_ms_at_{n}": 60 + 10 * n, f"errors_at_{n}": 0, f"turns_at_{n}": 100,
            f"stock_turns_per_s_at_{n}": 30, f"stock_turn_p95_ms_at_{n}": 50 + 20 * n,
            f"ratio_turns_per_s_at_{n}": round(rate / 30, 2),
        })  # fmt: skip
    for rate in (5, 10, 20):
        result.update({
            f"open_p50_ms_at_{rate}": 50, f"open_p95_ms_at_{rate}": 100 + rate,
            f"open_achieved_per_s_at_{rate}": rate, f"open_errors_at_{rate}": 0,
        })  # fmt: skip
    result.update(
        long_conversations=3, long_length=40, long_first8_p50_ms=50.0, long_last8_p50_ms=55.0,
        long_ratio=1.1, long_errors=0, load_avg={"closed loop, ours": [1.0, 1.5]},
        skipped=["edit-to-live and the model swap under load (--quick)"],
        worker_counts=[1, 2, 3],
    )  # fmt: skip
    for n in (1, 2, 3):
        result.update({f"workers_{n}_turns_per_s": 40 + n, f"workers_{n}_p50_ms": 100 + n,
                       f"workers_{n}_p95_ms": 200 + n, f"workers_{n}_errors": 0})  # fmt: skip
    text = write_report(result, tmp_path)
    assert "| 2 | 42 | 102 | 202 | 0 |" in text  # the row of 2 Rasa workers at 10 sessions
    assert "| 10 | 80 | 50 | 160 | 0 | 30 | 250 | 2.67 |" in text
    assert "| 10 | 10 | 50 | 110 |" in text  # the open-loop row at 10 arrivals/s
    assert "| `turn_p95_ms_at_10` | ≤ 300 ms | 160 | met |" in text
    assert "| `turn_p95_ms_at_50` | ≤ 1500 ms | 560 | met |" in text
    assert "| `turn_p95_ms_at_1` | ≤ 80 ms | 70 | met |" in text
    assert "| `swap_failed_requests` | 0 | — | not measured |" in text
    assert "ratio **1.1**" in text and "| closed loop, ours | 1.0 | 1.5 |" in text
    assert "skipped: edit-to-live" in text and "![curve](bench_curve.png)" in text
    assert text.count("| `") >= len(TARGETS)
    assert (tmp_path / "bench_curve.png").stat().st_size > 5000
    assert (tmp_path / "bench.md").read_text(encoding="utf-8") == text


def test_rasa_workers_recorded_from_the_environment(monkeypatch):
    from bot.evaluation.bench import rasa_workers

    monkeypatch.delenv("RASA_WORKERS", raising=False)
    assert isinstance(rasa_workers(), int) and rasa_workers() >= 1
    monkeypatch.setenv("RASA_WORKERS", "2")
    assert rasa_workers() == 2


def test_the_stack_runs_the_benchs_own_checkout():
    from bot.evaluation.bench_stack import CODE_ROOT, own_code

    assert (CODE_ROOT / "bot" / "evaluation" / "bench.py").is_file()
    env = own_code({"PYTHONPATH": "/elsewhere"})
    assert env["PYTHONPATH"].split(":") == [str(CODE_ROOT), "/elsewhere"]
