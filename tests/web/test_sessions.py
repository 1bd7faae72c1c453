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
