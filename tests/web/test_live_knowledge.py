"""Live knowledge through the real stack (2 Rasa workers): an FAQ edit is published, not trained.

Each test puts the corpus back and publishes it again, so later tests see the shop as it is.
"""

from __future__ import annotations

import threading
import time
from contextlib import closing

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.web.conftest import TOKENS, project_files

QUESTION = "領収書はもらえますか"
LINE = "お支払い方法により、領収書のお渡し方法が異なります。"


def wait_live(editor, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = editor.get("/api/content/publish").json()["publish"]
        if status.get("state") in ("live", "partial"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"not live after {timeout} s: {status}")


def answers(stack, question: str, sessions: int = 6) -> list[str]:
    """The first reply to `question` in several new conversations (both workers answer some)."""
    out = []
    for _ in range(sessions):
        with closing(stack.client()) as client:
            reply = client.post("/api/chat", json={"text": question})
            assert reply.status_code == 200, reply.text
            out.append(reply.json()["replies"][0]["text"])
    return out


def edit_answer(editor, faq_id: str, change) -> dict:
    entry = editor.get(f"/api/content/entries/{faq_id}").json()["entry"]
    response = editor.put(f"/api/content/entries/{faq_id}", json={**entry, **change(entry)})
    assert response.status_code == 200, response.text
    assert response.json()["publish_needed"] is True
    return entry


@pytest.fixture
def editor(stack, users):
    """The editor's client; afterwards the corpus as it was, published again."""
    before = project_files(stack.project)
    client = users("editor")
    yield client
    for path in set(project_files(stack.project)) - set(before):
        path.unlink()
    for path, data in before.items():
        path.write_bytes(data)
    response = client.post("/api/content/publish", json={"confirm": True})
    assert response.status_code == 200, response.text
    if response.json()["published"]:
        wait_live(client)


def test_an_answer_edit_is_live_on_every_worker_in_seconds_and_rolls_back(stack, editor):
    assert all(LINE in a for a in answers(stack, QUESTION, 2))
    edit_answer(
        editor, "receipt", lambda e: {"answer": e["answer"].replace(LINE, "【改定】" + LINE)}
    )
    preview = editor.post("/api/content/preview", json={}).json()["preview"]
    assert preview["changes"] == ["エントリ receipt の回答を変更"]
    assert preview["check"]["passed"] and preview["check"]["regressions"] == []
    assert preview["check"]["canonical_total"] == 44
    assert all("【改定】" not in a for a in answers(stack, QUESTION, 2))  # saved, not live yet

    published = editor.post("/api/content/publish", json={"base": preview["base"]}).json()
    assert published["published"] is True and published["draft"] == preview["draft"]
    status = wait_live(editor)
    assert status["state"] == "live", status
    assert status["workers"] == status["workers_expected"] == 2
    assert status["live"]["id"] == preview["draft"] and status["live"]["by"] == "editor"
    assert all(a.startswith("【改定】" + LINE) for a in answers(stack, QUESTION))

    rolled = editor.post("/api/content/rollback", json={})
    assert rolled.status_code == 200, rolled.text
    status = wait_live(editor)
    assert status["live"]["id"] == preview["base"] and status["live"]["action"] == "rollback"
    assert all(a.startswith(LINE) for a in answers(stack, QUESTION))
    with closing(stack.login("admin")) as admin:
        actions = [e["action"] for e in admin.get("/api/admin/audit").json()["entries"][:2]]
    assert actions == ["knowledge_rollback", "knowledge_publish"]


def test_a_snapshot_that_fails_its_check_never_reaches_a_worker(stack, editor):
    live = editor.get("/api/content/publish").json()["publish"]["live"]["id"]
    # receipt's canonical question becomes the invoice-issuing one: it would find another entry
    edit_answer(
        editor,
        "receipt",
        lambda e: {"question": "請求書はいつ発行されますか?", "answer": "【不合格】" + e["answer"]},
    )
    response = editor.post("/api/content/publish", json={"confirm": True})
    assert response.status_code == 422
    assert "公開しませんでした" in response.json()["error"]
    assert editor.get("/api/content/publish").json()["publish"]["live"]["id"] == live
    assert all("【不合格】" not in a for a in answers(stack, QUESTION, 4))


def test_two_editors_publishing_at_once_one_wins_and_the_other_loses_nothing(stack, editor, users):
    other = stack.login("editor")
    base = editor.post("/api/content/preview", json={}).json()["preview"]["base"]
    edit_answer(editor, "receipt", lambda e: {"answer": e["answer"].replace(LINE, "【A】" + LINE)})
    edit_answer(other, "payment_methods", lambda e: {"title": e["title"] + "(B)"})
    first = other.post("/api/content/publish", json={"base": base})
    assert first.status_code == 200 and first.json()["published"]
    late = editor.post("/api/content/publish", json={"base": base})
    assert late.status_code == 409
    assert "ほかの編集者が先に公開" in late.json()["error"]
    # nothing lost: A's edit is saved, and B's publish took it live too (one corpus)
    assert "【A】" in (stack.project / "faq_corpus" / "invoices.yml").read_text("utf-8")
    wait_live(editor)
    assert all(a.startswith("【A】") for a in answers(stack, QUESTION, 2))
    other.close()


def tracker(stack, conversation: str) -> list[dict]:
    return httpx.get(
        f"http://127.0.0.1:{stack.rasa_port}/conversations/{conversation}/tracker",
        params={"token": TOKENS["RASA_AUTH_TOKEN"]},
        timeout=30,
    ).json()["events"]


def test_every_turn_during_a_publish_is_ranked_and_answered_by_one_snapshot(stack, editor):
    stop, failed, sent = threading.Event(), [], []

    def customer() -> None:
        with closing(stack.client()) as client:
            while not stop.is_set():
                reply = client.post("/api/chat", json={"text": QUESTION})
                sent.append(reply.status_code)
                if reply.status_code != 200:
                    failed.append(reply.status_code)
                time.sleep(0.3)

    customers = [threading.Thread(target=customer, daemon=True) for _ in range(3)]
    for thread in customers:
        thread.start()
    try:
        time.sleep(1)
        edit_answer(
            editor, "receipt", lambda e: {"answer": e["answer"].replace(LINE, "【新】" + LINE)}
        )
        assert editor.post("/api/content/publish", json={}).json()["published"]
        wait_live(editor)
        time.sleep(1.5)
    finally:
        stop.set()
        for thread in customers:
            thread.join(timeout=60)
    assert failed == [] and len(sent) > 10
    store = create_engine(f"sqlite:///{stack.project / 'store.sqlite3'}")
    with store.connect() as connection:
        conversations = (
            connection.execute(
                text(
                    "SELECT conversation_id FROM turns GROUP BY conversation_id "
                    "ORDER BY max(id) DESC LIMIT 3"
                )
            )
            .scalars()
            .all()
        )
    store.dispose()
    seen = set()
    for conversation in conversations:
        parse = None
        for event in tracker(stack, conversation):
            if event["event"] == "user":
                parse = event["parse_data"]["response_selector"]["faq"]["response"]
            elif event["event"] == "bot" and parse is not None:  # the turn's first reply
                assert event["metadata"].get("knowledge") == parse["knowledge"]
                assert event["text"] == parse["responses"][0]["text"]
                seen.add(parse["knowledge"])
                parse = None
    assert len(seen) == 2  # turns on both sides of the swap, each of one snapshot
