"""Load drivers of `make bench`: closed loop, open loop and one long conversation.

A driver knows nothing of what it talks to: it gets a factory `conversation(n)` of
`Conversation`s (ours: a logged-in customer of the web app; the reference: a sender of stock
Rasa's REST channel) and times their turns, so both bots go through the same loop.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Protocol

import httpx

from bot.evaluation.evaluate import percentile

CUSTOMERS = ("yamada", "sato", "ito", "suzuki", "takahashi", "kobayashi", "watanabe", "nakamura")
# A customer's turn: half FAQ questions, half questions answered from the store.
TURNS = (
    "注文の状況を知りたい",
    "解約方法を教えてください",
    "支払期限日はいつ?",
    "領収書は発行できますか",
)
TURNS_PER_CONVERSATION = 8


class Conversation(Protocol):
    """One conversation: `open` starts it (untimed), `say(k)` sends its k-th turn."""

    async def open(self) -> None: ...

    async def say(self, k: int) -> httpx.Response: ...

    async def close(self) -> None: ...


ConversationFactory = Callable[[int], Conversation]


@dataclass
class Tally:
    """What a driver measured: a latency per turn (seconds), errors, turns by position."""

    latencies: List[float] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    # turn position k -> latencies (the long conversations: (conversation, k) -> latencies)
    by_position: Dict[Any, List[float]] = field(default_factory=lambda: defaultdict(list))
    elapsed: float = 0.0
    queued: int = 0

    async def timed(
        self, request: Awaitable[httpx.Response], k: Any, since: float | None = None
    ) -> None:
        """Awaits turn `k`; its latency counts from `since` (an open loop's arrival) or now."""
        started = time.monotonic() if since is None else since
        try:
            response = await request
            if response.status_code != 200:
                self.errors.append(str(response.status_code))
        except httpx.HTTPError as error:
            self.errors.append(type(error).__name__)
        latency = time.monotonic() - started
        self.latencies.append(latency)
        self.by_position[k].append(latency)

    def ms(self, share: float) -> float:
        return ms(self.latencies, share)

    def per_s(self) -> float:
        return round(len(self.latencies) / self.elapsed, 1) if self.elapsed else 0.0


def ms(values: List[float], share: float) -> float | None:
    """A percentile in milliseconds; None when nothing was measured."""
    return round(percentile(values, share) * 1000, 1) if values else None


class WebCustomer:
    """A logged-in customer chatting through the web app's /api/chat: conversation n."""

    def __init__(self, url: str, n: int):
        self.url, self.n = url, n
        self.client = httpx.AsyncClient(
            base_url=url, timeout=300, limits=httpx.Limits(max_connections=2)
        )

    async def open(self) -> None:
        await login(self.client, CUSTOMERS[self.n % len(CUSTOMERS)])

    async def say(self, k: int) -> httpx.Response:
        return await self.client.post("/api/chat", json={"text": TURNS[(self.n + k) % len(TURNS)]})

    async def close(self) -> None:
        await self.client.aclose()


def web_customers(url: str) -> ConversationFactory:
    return lambda n: WebCustomer(url, n)


async def login(client: httpx.AsyncClient, username: str) -> None:
    response = await client.post(
        "/api/login", json={"username": username, "password": f"{username}-demo"}
    )
    response.raise_for_status()


async def converse(
    conversation: Conversation,
    turns: int,
    tally: Tally,
    running: Callable[[], bool] = lambda: True,
    opened: bool = False,
) -> None:
    """One conversation of `turns` turns back to back, while `running()`."""
    try:
        if not opened:
            await conversation.open()
        for k in range(turns):
            if not running():
                break
            await tally.timed(conversation.say(k), k)
    finally:
        await conversation.close()


async def closed_loop(
    conversation: ConversationFactory,
    sessions: int,
    seconds: float,
    stop: asyncio.Event | None = None,
    turns: int = TURNS_PER_CONVERSATION,
) -> Tally:
    """`sessions` conversations at a time, each session starting its next one when one ends,
    for `seconds` (or until `stop`): the load adapts to the server's speed. The clock starts
    once every session has opened its first conversation (50 logins take seconds)."""
    tally = Tally()
    ready = asyncio.Event()
    opened, started, deadline = 0, 0.0, 0.0

    def running() -> bool:
        return time.monotonic() < deadline and not (stop and stop.is_set())

    async def session(i: int) -> None:
        nonlocal opened, started, deadline
        first = conversation(i)
        try:
            await first.open()
        finally:
            opened += 1
            if opened == sessions:
                started = time.monotonic()
                deadline = started + seconds
                ready.set()
        await ready.wait()
        await converse(first, turns, tally, running, opened=True)
        n = i + sessions
        while running():
            await converse(conversation(n), turns, tally, running)
            n += sessions

    await asyncio.gather(*(session(i) for i in range(sessions)))
    tally.elapsed = time.monotonic() - started
    return tally


async def load(url: str, sessions: int, seconds: float, stop: asyncio.Event | None = None):
    """`sessions` logged-in customers chatting back to back for `seconds` (or until `stop`)."""
    tally = await closed_loop(web_customers(url), sessions, seconds, stop)
    return tally.latencies, tally.errors, tally.elapsed


class _Slot:
    """A pooled session: its conversation and the number of its next turn."""

    def __init__(self, conversation: ConversationFactory, n: int):
        self.factory, self.n, self.k = conversation, n, 0
        self.current = conversation(n)

    async def next_conversation(self, pool: int) -> None:
        await self.current.close()
        self.n, self.k = self.n + pool, 0
        self.current = self.factory(self.n)
        await self.current.open()


async def open_loop(
    conversation: ConversationFactory,
    rate: float,
    seconds: float,
    pool: int,
    turns: int = TURNS_PER_CONVERSATION,
) -> Tally:
    """Turns arriving at `rate` a second for `seconds`, whatever the server's speed.

    Each arrival is the next turn of a free pooled conversation; when none is free it waits
    (counted in `queued`), and its latency counts from its scheduled arrival, so an overloaded
    server shows as latency. No conversation ever has two turns in flight.
    """
    tally = Tally()
    slots = [_Slot(conversation, n) for n in range(pool)]
    await asyncio.gather(*(slot.current.open() for slot in slots))
    free: asyncio.Queue = asyncio.Queue()
    for slot in slots:
        free.put_nowait(slot)

    async def arrival(scheduled: float) -> None:
        if free.empty():
            tally.queued += 1
        slot = await free.get()
        try:
            await tally.timed(slot.current.say(slot.k), slot.k, since=scheduled)
            slot.k += 1
            if slot.k == turns:
                await slot.next_conversation(pool)
        finally:
            free.put_nowait(slot)

    started = time.monotonic()
    arrivals = []
    for i in range(round(rate * seconds)):
        scheduled = started + i / rate
        await asyncio.sleep(max(0.0, scheduled - time.monotonic()))
        arrivals.append(asyncio.create_task(arrival(scheduled)))
    await asyncio.gather(*arrivals)
    tally.elapsed = time.monotonic() - started
    await asyncio.gather(*(slot.current.close() for slot in slots))
    return tally


async def long_conversations(
    conversation: ConversationFactory,
    conversations: int,
    turns: int,
    window: int = TURNS_PER_CONVERSATION,
    first: int = 1000,
) -> Tally:
    """`conversations` conversations of `turns` turns, one turn in flight at a time (one
    session). Each next conversation starts when the one before has `window` turns left, the
    two taking turns about, so a conversation's last `window` turns run at the same moments as
    the next one's first: a busy machine slows both alike instead of faking growth."""
    tally = Tally()
    waiting = list(range(conversations))
    active: List[List[Any]] = []  # [conversation number, the conversation, its next turn]

    async def start_next() -> None:
        j = waiting.pop(0)
        active.append([j, conversation(first + j), 0])
        await active[-1][1].open()

    started = time.monotonic()
    await start_next()
    while active:
        for entry in list(active):
            j, current, k = entry
            await tally.timed(current.say(k), (j, k))
            entry[2] = k + 1
            if entry[2] == turns - window and waiting:
                await start_next()
            if entry[2] == turns:
                await current.close()
                active.remove(entry)
    tally.elapsed = time.monotonic() - started
    return tally


def long_figures(
    tally: Tally, conversations: int, turns: int, window: int = TURNS_PER_CONVERSATION
) -> Dict:
    """The median of the last `window` turns against that of the first `window`, over the
    windows that ran at the same moments (conversation j's last, j+1's first)."""
    paired = conversations > 1
    firsts = range(1, conversations) if paired else range(conversations)
    lasts = range(conversations - 1) if paired else range(conversations)
    first = [v for j in firsts for k in range(window) for v in tally.by_position[(j, k)]]
    last = [
        v for j in lasts for k in range(turns - window, turns) for v in tally.by_position[(j, k)]
    ]
    first_ms, last_ms = ms(first, 0.5), ms(last, 0.5)
    return {
        "long_turns": len(tally.latencies),
        "long_errors": len(tally.errors),
        "long_first8_p50_ms": first_ms,
        "long_last8_p50_ms": last_ms,
        "long_ratio": round(last_ms / first_ms, 2) if first_ms and last_ms else None,
    }
