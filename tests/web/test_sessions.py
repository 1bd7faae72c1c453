"""Sessions as Redis keeps them (production): what a second web app reads back."""

from __future__ import annotations

from bot.store.views import Account
from bot.web.sessions import WebSession, session_from_json, session_to_json


def test_a_session_reads_back_with_its_history_and_the_warnings_given():
    session = WebSession(id="s", account=Account("yamada", "山田 太郎", "customer"))
    session.remember({"from": "user", "text": "カード****-****-****-1111"})
    session.warned.extend(["card", "phone"])
    again = session_from_json(session_to_json(session))
    assert (again.id, again.account, again.conversation_id) == (
        "s",
        session.account,
        session.conversation_id,
    )
    assert again.history == session.history
    assert again.warned == ["card", "phone"]  # another web app does not warn about them again


def test_a_session_saved_before_warnings_existed_reads_back_with_none():
    old = '{"id": "s", "account": null, "conversation_id": "c", "history": []}'
    assert session_from_json(old).warned == []


def test_past_the_bound_the_idlest_session_goes(monkeypatch):
    from bot.web import sessions

    monkeypatch.setattr(sessions, "MAX_SESSIONS", 3)
    store = sessions.SessionStore(idle_seconds=3600)
    first, second, third = (store.create() for _ in range(3))
    assert store.get(first.id) is first  # used again: second is now the idlest
    fourth = store.create()
    assert store.get(second.id) is None
    assert all(store.get(s.id) is s for s in (first, third, fourth)) and len(store) == 3


def test_a_session_idle_past_its_limit_goes_even_unasked(monkeypatch):
    from bot.web import sessions

    clock = [1000.0]
    monkeypatch.setattr(sessions.time, "monotonic", lambda: clock[0])
    store = sessions.SessionStore(idle_seconds=600)
    idle = store.create()
    clock[0] += 601
    store.create()
    assert len(store) == 1 and store.get(idle.id) is None


def test_rate_limit_keys_idle_past_their_window_go(monkeypatch):
    from bot.web import sessions

    clock = [1000.0]
    monkeypatch.setattr(sessions.time, "monotonic", lambda: clock[0])
    window = sessions.SlidingWindow(limit=2, seconds=60)
    for n in range(1000):  # a key hit once and never again used to stay forever
        window.hit(f"client-{n}")
    assert len(window) == 1000
    clock[0] += 61
    window.hit("now")
    assert len(window) == 1
    window.hit("now")
    assert window.blocked_for("now") > 0  # the live key still counts


def test_past_the_bound_the_idlest_rate_limit_key_goes(monkeypatch):
    from bot.web import sessions

    monkeypatch.setattr(sessions, "MAX_WINDOW_KEYS", 3)
    window = sessions.SlidingWindow(limit=1, seconds=60)
    for key in ("a", "b", "c"):
        window.hit(key)
    window.hit("a")  # a is the most recent again: b is the idlest
    window.hit("d")
    assert window.blocked_for("b") == 0 and window.blocked_for("a") > 0 and len(window) == 3
