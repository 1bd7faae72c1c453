"""`python -m bot knowledge publish|list|show|diff|rollback` in a scratch project."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from bot.cli import main


@pytest.fixture
def in_project(project, monkeypatch):
    monkeypatch.chdir(project)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{project / 'store.sqlite3'}")
    return project


def audit_actions(project) -> list[str]:
    engine = create_engine(f"sqlite:///{project / 'store.sqlite3'}")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT action FROM audit_log ORDER BY id")).scalars()
        actions = list(rows)
    engine.dispose()
    return actions


def test_publish_list_show_diff_and_rollback(in_project, capsys):
    assert main(["knowledge", "publish", "--by", "tester"]) == 0
    assert main(["knowledge", "publish", "--by", "tester"]) == 0  # unchanged: nothing new
    assert "unchanged" in capsys.readouterr().out
    path = in_project / "faq_corpus" / "invoices.yml"
    line = "お支払い方法により、領収書のお渡し方法が異なります。"
    path.write_text(path.read_text("utf-8").replace(line, "【CLI】" + line), "utf-8")
    assert main(["knowledge", "publish", "--by", "tester"]) == 0
    capsys.readouterr()

    assert main(["knowledge", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["live"] for r in rows] == [True, False]
    new, old = rows[0]["id"], rows[1]["id"]
    assert rows[0]["changes"] == ["エントリ receipt の回答を変更"]

    assert main(["knowledge", "show", "--entry", "receipt"]) == 0
    assert json.loads(capsys.readouterr().out)["answer"].startswith("【CLI】")
    assert main(["knowledge", "diff", old, "--entry", "receipt"]) == 0
    diff = capsys.readouterr().out
    assert diff.startswith("エントリ receipt の回答を変更") and "【CLI】" in diff

    assert main(["knowledge", "rollback", "--by", "tester"]) == 0
    assert f"knowledge {old} is live again (was {new})" in capsys.readouterr().out
    assert main(["knowledge", "show", "--entry", "receipt"]) == 0
    assert json.loads(capsys.readouterr().out)["answer"].startswith(line)
    assert audit_actions(in_project) == [
        "knowledge_publish",
        "knowledge_publish",
        "knowledge_rollback",
    ]


def test_a_failing_corpus_is_not_published_and_says_why(in_project, capsys):
    assert main(["knowledge", "publish", "--by", "tester"]) == 0
    path = in_project / "faq_corpus" / "invoices.yml"
    path.write_text(
        path.read_text("utf-8").replace(
            "question: 領収書の発行は可能ですか?", "question: 請求書はいつ発行されますか?"
        ),
        "utf-8",
    )
    assert main(["knowledge", "publish", "--by", "tester"]) == 1
    assert "not published: its check failed" in capsys.readouterr().err
    assert main(["knowledge", "show", "nosuchid"]) == 2
