"""Browser sessions kept on the server (the cookie holds only a random id), rate limits."""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Deque, List, Optional

from bot.store.views import Account

COOKIE = "faqbot_session"
# In memory (embedded profile). A session after an 8-turn conversation holds ~23 KB (its
# bubbles with their buttons; tracemalloc on the web app under the soak's load), so 20,000 hold
# ~0.5 GB; beyond that the idlest go first (their customers log in again). The idle limit is
# Settings.session_idle_s (8 hours: a working day's chat stays). More: REDIS_URL (production).
MAX_SESSIONS = 20_000
MAX_HISTORY = 200  # bubbles kept for a reload
# Rate-limit keys (sessions, client addresses, usernames) tracked at once. A key whose last event
# left its window holds nothing and goes at once; beyond this many live keys the idlest go (each
# then counts afresh: a flood of 100,000 addresses is beyond what a per-key limit stops anyway).
MAX_WINDOW_KEYS = 100_000


@dataclass
class WebSession:
    id: str
    account: Optional[Account] = None
    conversation_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    history: List[dict] = field(default_factory=list)
    last_seen: float = field(default_factory=lambda: time.monotonic())
    turns: Deque[float] = field(default_factory=deque)
    warned: List[str] = field(default_factory=list)  # kinds of personal data warned about

    def remember(self, entry: dict) -> None:
        self.history.append(entry)
        del self.history[:-MAX_HISTORY]


class SlidingWindow:
    """At most `limit` events per `seconds` for each key."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._events: OrderedDict[str, Deque[float]] = OrderedDict()  # the idlest key first
        self._lock = threading.Lock()

    def _window(self, key: str, now: float) -> Deque[float]:
        events = self._events.setdefault(key, deque())
        while events and now - events[0] > self.seconds:
            events.popleft()
        return events

    def blocked_for(self, key: str) -> float:
        """Seconds until `key` may act again (0 when it may now)."""
        now = time.monotonic()
        with self._lock:
            events = self._window(key, now)
            if not events:
                del self._events[key]
                return 0.0
            if len(events) < self.limit:
                return 0.0
            return max(0.1, self.seconds - (now - events[0]))

    def hit(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._window(key, now).append(now)
            self._events.move_to_end(key)
            while self._events:  # keys idle past their window, and the idlest beyond the bound
                idlest = next(iter(self._events.values()))
                if len(self._events) <= MAX_WINDOW_KEYS and now - idlest[-1] <= self.seconds:
                    break
                self._events.popitem(last=False)

    def clear(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)

    def __len__(self) -> int:
        return len(self._events)


class SessionStore:
    """In-memory sessions with an idle timeout (the embedded default)."""

    def __init__(self, idle_seconds: float) -> None:
        self.idle_seconds = idle_seconds
        self._sessions: OrderedDict[str, WebSession] = OrderedDict()  # the idlest first
        self._lock = threading.Lock()

    def get(self, session_id: Optional[str]) -> Optional[WebSession]:
        if not session_id:
            return None
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if now - session.last_seen > self.idle_seconds:
                del self._sessions[session_id]
                return None
            session.last_seen = now
            self._sessions.move_to_end(session_id)
            return session

    def create(self, account: Optional[Account] = None) -> WebSession:
        session = WebSession(id=secrets.token_urlsafe(32), account=account)
        with self._lock:
            self._sessions[session.id] = session
            while self._sessions:  # idle past the limit, and the idlest beyond MAX_SESSIONS
                idlest = next(iter(self._sessions.values()))
                if (
                    len(self._sessions) <= MAX_SESSIONS
                    and session.last_seen - idlest.last_seen <= self.idle_seconds
                ):
                    break
                self._sessions.popitem(last=False)
        return session

    def save(self, session: WebSession) -> None:
        """Nothing to do: the session lives in this process."""

    def drop(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._sessions)


def session_to_json(session: WebSession) -> str:
    account = session.account
    return json.dumps(
        {
            "id": session.id,
            "account": [account.username, account.display_name, account.role] if account else None,
            "conversation_id": session.conversation_id,
            "history": session.history,
            "warned": session.warned,
        },
        ensure_ascii=False,
    )


def session_from_json(text: str) -> WebSession:
    data = json.loads(text)
    account = Account(*data["account"]) if data.get("account") else None
    return WebSession(
        id=data["id"],
        account=account,
        conversation_id=data["conversation_id"],
        history=list(data.get("history") or []),
        warned=list(data.get("warned") or []),
    )


class RedisSessionStore:
    """Sessions in Redis, shared by every web app of the production profile."""

    def __init__(self, client, idle_seconds: float, prefix: str = "faqbot:session:") -> None:
        self.client, self.idle_seconds, self.prefix = client, int(idle_seconds), prefix

    def get(self, session_id: Optional[str]) -> Optional[WebSession]:
        if not session_id or len(session_id) > 100:
            return None
        key = self.prefix + session_id
        text = self.client.get(key)
        if text is None:
            return None
        self.client.expire(key, self.idle_seconds)
        return session_from_json(text)

    def create(self, account: Optional[Account] = None) -> WebSession:
        session = WebSession(id=secrets.token_urlsafe(32), account=account)
        self.save(session)
        return session

    def save(self, session: WebSession) -> None:
        self.client.set(self.prefix + session.id, session_to_json(session), ex=self.idle_seconds)

    def drop(self, session_id: str) -> None:
        self.client.delete(self.prefix + session_id)


class RedisWindow:
    """SlidingWindow kept in Redis (a sorted set of event times per key)."""

    def __init__(self, client, limit: int, seconds: float, prefix: str) -> None:
        self.client, self.limit, self.seconds, self.prefix = client, limit, seconds, prefix

    def blocked_for(self, key: str) -> float:
        now = time.time()
        name = self.prefix + key
        pipe = self.client.pipeline()
        pipe.zremrangebyscore(name, 0, now - self.seconds)
        pipe.zrange(name, 0, 0, withscores=True)
        pipe.zcard(name)
        _, oldest, count = pipe.execute()
        if count < self.limit or not oldest:
            return 0.0
        return max(0.1, self.seconds - (now - oldest[0][1]))

    def hit(self, key: str) -> None:
        now = time.time()
        name = self.prefix + key
        pipe = self.client.pipeline()
        pipe.zadd(name, {f"{now}:{secrets.token_hex(4)}": now})
        pipe.expire(name, int(self.seconds) + 1)
        pipe.execute()

    def clear(self, key: str) -> None:
        self.client.delete(self.prefix + key)
