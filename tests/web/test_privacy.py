"""Personal data typed into the chat is stored, sent and logged nowhere, after real turns.

Each kind goes through `/api/chat` of a running stack (web app, Rasa, action server); then the
`turns` table, Rasa's tracker store (the `events` rows as stored), the output of all three
servers and the reply are read back. Two stacks: the suite's own, at the log level `make run`
uses, and one at DEBUG, where Rasa logs every message and parse: there the masked text must be
in the log (so the log could show the secret) and the secret must not.
"""

from __future__ import annotations

import json
import os
import subprocess
import unicodedata
from typing import Iterator, List

import pytest
from sqlalchemy import create_engine, text

from bot.pythons import rasa_python
from bot.store import Journal
from bot.store.views import TurnView
from tests.web.api import said
from tests.web.conftest import scratch_stack

CARD_NOTICE = "ビリングカスタマセンタ 0120-047-128"
WARNING_START = "ご入力いただいた内容に"

# id -> (message, kept as, strings that must appear nowhere). A short number is searched with
# the character before it, so that digits of timestamps or confidences cannot match by chance.
CASES = {
    "card": (
        "カード番号は4111 1111 1111 1111です。登録できますか",
        "カード番号は****-****-****-1111です。登録できますか",
        ["4111 1111 1111 1111", "411111111111"],
    ),
    "card-full-width": (
        "カード５５５５－５５５５－５５５５－４４４４で払いたい",
        "カード****-****-****-4444で払いたい",
        ["５５５５－５５５５－５５５５", "5555-5555-5555", "555555555555"],
    ),
    "my-number": (
        "マイナンバーは123456789018です",
        "マイナンバーは[個人番号]です",
        ["123456789018", "1234 5678 9018"],
    ),
    "bank-account": (
        "口座番号は7654321です。口座振替にしたい",
        "口座番号は[口座番号]です。口座振替にしたい",
        ["は7654321", "7654321です"],
    ),
    "email": (
        "メールアドレスhanako.sato@example.co.jpに送ってください",
        "メールアドレス[メールアドレス]に送ってください",
        ["hanako.sato@example", "hanako.sato"],
    ),
    "phone": (
        "折り返しは090-8765-4321にお願いします",
        "折り返しは[電話番号]にお願いします",
        ["090-8765-4321", "09087654321", "8765-4321"],
    ),
    "password": (
        "パスワードはSakura2026xです。ログインできません",
        "パスワードは[パスワード]です。ログインできません",
        ["Sakura2026x"],
    ),
    "mixed": (
        "カード4111111111111111、携帯090-8765-4321、hanako.sato@example.co.jp、"
        "マイナンバー123456789018、口座番号7654321、PW: Sakura2026x",
        "カード****-****-****-1111、携帯[電話番号]、[メールアドレス]、"
        "マイナンバー[個人番号]、口座番号[口座番号]、PW: [パスワード]",
        ["411111111111", "090-8765-4321", "hanako.sato", "123456789018", "号7654321"]
        + ["Sakura2026x"],
    ),
}


def forms(secret: str) -> List[str]:
    """The secret as typed and as a log line or a JSON row may write it."""
    found = {secret, unicodedata.normalize("NFKC", secret)}
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", secret) if ch.isdigit())
    if len(digits) >= 10:
        found.add(digits)
    found |= {json.dumps(f)[1:-1] for f in list(found)}  # \\u escapes, as Rasa logs and stores
    return sorted(found)


def tracker_rows(project) -> List[str]:
    """Rasa's events as stored, each row's JSON as written and as read."""
    engine = create_engine(f"sqlite:///{project / 'var' / 'trackers.sqlite3'}", future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT data FROM events")).scalars().all()
    finally:
        engine.dispose()
    return [row + "\n" + json.dumps(json.loads(row), ensure_ascii=False) for row in rows]


def logged_turns(project) -> List[TurnView]:
    """Every row of the stack's conversation log."""
    journal = Journal(f"sqlite:///{project / 'store.sqlite3'}")
    try:
        return journal.turns(None, 1_000_000)
    finally:
        journal.close()


def logged_texts(project) -> List[str]:
    return [turn.text for turn in logged_turns(project)]


@pytest.fixture(scope="module")
def verbose_stack(trained_model, tmp_path_factory) -> Iterator:
    """A stack of its own whose Rasa and action server log at DEBUG."""
    folder = tmp_path_factory.mktemp("privacy")
    with scratch_stack(trained_model, folder, {"LOG_LEVEL": "DEBUG"}) as verbose:
        yield verbose


@pytest.fixture(scope="module", params=["make-run-level", "debug-level"])
def running(request) -> Iterator:
    """The suite's stack (the log level of `make run`), then the DEBUG one."""
    yield request.getfixturevalue("stack" if request.param == "make-run-level" else "verbose_stack")


def is_debug(stack) -> bool:
    return stack.project.name.startswith("privacy")


@pytest.mark.parametrize("case", list(CASES))
def test_personal_data_is_nowhere_after_a_real_turn(running, case):
    message, kept, secrets = CASES[case]
    with running.login("yamada") as client:
        response = client.post("/api/chat", json={"text": message})
        assert response.status_code == 200, response.text
        body = response.json()
        history = client.get("/api/session").json()["history"]
    replies = body["replies"]
    assert body["masked"] == kept
    assert replies[0]["text"].startswith(WARNING_START)
    assert "チャットでは送信しない" in replies[0]["text"]
    if case in ("card", "card-full-width", "mixed"):
        assert CARD_NOTICE in replies[0]["text"] and "音声ガイダンス" in replies[0]["text"]
    assert len(replies) >= 2  # the warning, then the bot's answer to the masked question
    assert history[0] == {"from": "user", "text": kept}

    turns, events = logged_turns(running.project), tracker_rows(running.project)
    assert kept in [turn.text for turn in turns]  # the turn was logged, masked
    assert any(kept in row for row in events)  # and Rasa stored the masked text
    running.process.poll()
    log = running.log.read_text("utf-8", errors="replace")
    if is_debug(running):
        assert json.dumps(kept)[1:-1] in log or kept in log  # the log shows what Rasa got
    places = {
        "reply": said(replies) + json.dumps(body, ensure_ascii=False),
        "session history": json.dumps(history, ensure_ascii=False),
        "turns table": "\n".join(json.dumps(t.__dict__, default=str) for t in turns)
        + "\n".join(f"{t.text}\n{t.reply}" for t in turns),
        "tracker store": "\n".join(events),
        "server log": log,
    }
    for secret in secrets:
        for form in forms(secret):
            for place, content in places.items():
                assert form not in content, f"{form!r} found in the {place}"


def test_the_warning_comes_once_a_conversation_and_again_for_another_kind(running):
    with running.login("sato") as client:
        first = client.post("/api/chat", json={"text": "カードは4111111111111111です"}).json()
        again = client.post("/api/chat", json={"text": "4111-1111-1111-1111で合っていますか"})
        phone = client.post("/api/chat", json={"text": "電話は03-1234-5678です"}).json()
        phone_again = client.post("/api/chat", json={"text": "03-9876-5432にも"}).json()
    assert first["replies"][0]["text"].startswith(WARNING_START)
    assert again.status_code == 200
    assert again.json()["masked"] == "****-****-****-1111で合っていますか"
    assert not any(WARNING_START in r["text"] for r in again.json()["replies"])
    warned = phone["replies"][0]["text"]
    assert warned.startswith(WARNING_START + "電話番号が") and CARD_NOTICE not in warned
    assert not any(WARNING_START in r["text"] for r in phone_again["replies"])
    with running.login("sato") as client:  # a new login is a new conversation
        anew = client.post("/api/chat", json={"text": "カード4111111111111111"}).json()
    assert anew["replies"][0]["text"].startswith(WARNING_START)


@pytest.mark.parametrize(
    "message",
    [
        "ORD-10000001の状況を教えて",
        "請求書番号R2601000101の支払期限はいつですか",
        "法人番号は9876543210987です",
        "ビリングカスタマセンタ 0120-047-128 の受付時間は?",
        "300,000円の請求書が届きました",
        "2026-03-20が支払期限ですか",
        "カード番号4111 1111 1111 1112は使えますか",  # fails Luhn: not a card number
    ],
)
def test_no_false_alarm_through_the_chat(running, message):
    with running.login("yamada") as client:
        body = client.post("/api/chat", json={"text": message}).json()
        history = client.get("/api/session").json()["history"]
    assert "masked" not in body
    assert not any(WARNING_START in r["text"] for r in body["replies"])
    assert history[0] == {"from": "user", "text": message}
    assert message in logged_texts(running.project)
    if message.startswith("ORD-"):  # the order lookup still gets its number
        assert "ORD-10000001" in said(body["replies"])
        assert "見つかりませんでした" not in said(body["replies"])


def test_the_agent_console_masks_and_audits_answers_as_a_customer(running):
    agent, admin = running.login("agent"), running.login("admin")
    try:
        before = admin.get("/api/admin/audit", params={"action": "answer_as_customer"})
        count = len(before.json()["entries"])
        inspected = agent.post(
            "/api/agent/inspect",
            json={"text": "カード4111111111111111で払える?", "as": "kobayashi"},
        )
        assert inspected.status_code == 200, inspected.text
        assert inspected.json()["text"] == "カード****-****-****-1111で払える?"
        assert "4111111111111111" not in inspected.text
        plain = agent.post("/api/agent/inspect", json={"text": "解約したい"})  # no customer
        assert plain.status_code == 200
        rows = admin.get("/api/admin/audit", params={"action": "answer_as_customer"})
        entries = rows.json()["entries"]
        assert len(entries) == count + 1  # one row for the one answer as a customer
        newest = entries[0]
        assert (newest["actor"], newest["customer"], newest["client"]) == (
            "agent",
            "kobayashi",
            "127.0.0.1",
        )
        assert newest["detail"]["conversation"].startswith("agent-test-")
        assert newest["at"].endswith("+09:00")
        judged = agent.post(
            "/api/agent/judgements",
            json={"text": "PW: Sakura2026x で入れない", "correct": False, "label": "out_of_scope"},
        )
        assert judged.json()["judgement"]["text"] == "PW: [パスワード] で入れない"
    finally:
        agent.close()
        admin.close()


@pytest.mark.parametrize("caller, status", [("", 401), ("yamada", 403), ("agent", 403)])
def test_only_admins_see_the_audit_log(running, caller, status):
    client = running.login(caller) if caller else running.client()
    with client:
        response = client.get("/api/admin/audit")
        page = client.get("/admin")
    assert response.status_code == status
    assert "error" in response.json() and "entries" not in response.json()
    assert page.status_code == (200 if status == 401 else 403)
    if status == 401:
        assert "社員ログイン" in page.text


def test_export_then_erase_a_customer_of_the_running_stack(verbose_stack, tmp_path):
    running = verbose_stack  # not the suite's stack: other tests read the turns it keeps
    with running.login("watanabe") as client:
        for message in ("注文の状況を知りたい", "カード4111111111111111を登録したい"):
            assert client.post("/api/chat", json={"text": message}).status_code == 200
    with running.login("suzuki") as client:
        assert client.post("/api/chat", json={"text": "解約したい"}).status_code == 200
    others = [t for t in logged_turns(running.project) if t.username != "watanabe"]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{running.project / 'store.sqlite3'}",
        "RASA_TELEMETRY_ENABLED": "false",
    }
    env.pop("BOT_PROFILE", None)

    def data(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [rasa_python(), "-m", "bot", "data", *args],  # the command runs in Rasa's Python
            cwd=running.project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    out = tmp_path / "watanabe.json"
    exported = data("export", "--user", "watanabe", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    document = json.loads(out.read_text("utf-8"))
    assert [t["text"] for t in document["conversation_log"]] == [
        "注文の状況を知りたい",
        "カード****-****-****-1111を登録したい",
    ]
    (conversation,) = document["tracker_store"]
    sender = conversation["sender_id"]
    assert "4111111111111111" not in out.read_text("utf-8")

    erased = data("erase", "--user", "watanabe")
    assert erased.returncode == 0, erased.stderr
    assert "deleted 2 turn(s) from the conversation log" in erased.stdout
    assert not any(t.conversation_id == sender for t in logged_turns(running.project))
    engine = create_engine(f"sqlite:///{running.project / 'var' / 'trackers.sqlite3'}")
    try:
        with engine.connect() as connection:
            left = connection.execute(
                text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}
            ).scalar_one()
    finally:
        engine.dispose()
    assert left == 0
    assert logged_turns(running.project) == others  # nobody else's turn went
    again = data("erase", "--user", "watanabe")
    assert "nothing to erase for watanabe" in again.stdout
