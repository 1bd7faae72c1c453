"""/api/content/groups in-process on a scratch project: 30 customers asked one thing, one step fixes it.

The conversation log gets fallback turns (three wordings of one need); the editor lists the
groups, then adds the questions as examples, makes a new entry of them or dismisses them as out
of scope. Each write passes `faq check` and the group is gone from the next listing. Rasa is not
running: the confusion check says so in a warning, nothing else needs it.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.faq.catalog import load_catalog
from bot.faq.check import Rules, check_corpus
from bot.serving.actions_server import free_port
from bot.store import Journal, TurnRecord
from bot.web.app import create_app
from bot.web.settings import Settings
from tests.web.api import japanese_error
from tests.web.test_group_actions import PAPER_INVOICE, cli_check

ROOT = Path(__file__).resolve().parents[2]
EXTRA_EXAMPLES = [
    "請求書を紙でもらいたい",
    "紙の請求書を発行してください",
    "請求書は郵便で届きますか",
    "請求書をPDFではなく紙で欲しい",
    "紙の請求書に切り替えたい",
    "請求書を書面で送付してほしい",
    "請求書の紙での発行は可能ですか",
    "郵送の請求書を希望したい",
    "紙の請求書 郵送",
    "請求書を紙で受け取る方法",
]
TESTS = ["紙の請求書って頼めますか", "請求書を郵送に変えたい", "書面の請求書はもらえる?"]


@pytest.fixture(scope="module", autouse=True)
def embedding_cache(embedding_dir):
    """The corpus's embeddings in a scratch cache, never the project's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BOT_EMBEDDING_CACHE", str(embedding_dir))
        yield


@pytest.fixture
def project(tmp_path) -> Path:
    """A scratch project: corpus, catalog and training data; its own store."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "faq_corpus", project / "faq_corpus")
    shutil.copytree(ROOT / "data", project / "data")
    shutil.copy2(ROOT / "faq_catalog.yml", project / "faq_catalog.yml")
    return project


def log_customers(project: Path, per_wording: int = 10) -> None:
    """Fallback turns: `per_wording` conversations for each wording of the paper invoice."""
    journal = Journal(f"sqlite:///{project / 'store.sqlite3'}")
    try:
        for index in range(per_wording):
            for number, text in enumerate(PAPER_INVOICE):
                journal.log_turn(
                    TurnRecord(f"c{number}-{index}", None, text, None, None, None, True, "…")
                )
    finally:
        journal.close()


@contextmanager
def app(project: Path, user: str | None = "editor", **settings) -> Iterator[TestClient]:
    values = dict(
        project_dir=project,
        database_url=f"sqlite:///{project / 'store.sqlite3'}",
        rasa_url=f"http://127.0.0.1:{free_port()}",
        actions_url=f"http://127.0.0.1:{free_port()}",
        rasa_timeout_s=2.0,
    )
    with TestClient(create_app(Settings(**{**values, **settings}))) as client:
        if user:
            response = client.post(
                "/api/login", json={"username": user, "password": f"{user}-demo"}
            )
            assert response.status_code == 200, response.text
        yield client


@pytest.fixture
def editor(project) -> Iterator[TestClient]:
    with app(project) as client:
        log_customers(project)
        yield client


def paper_invoice_group(client: TestClient) -> dict | None:
    response = client.get("/api/content/groups")
    assert response.status_code == 200, response.text
    for group in response.json()["groups"]:
        if {q["text"] for q in group["questions"]} & set(PAPER_INVOICE):
            return group
    return None


def written(project: Path) -> dict:
    """Every file a group action may write."""
    paths = [*(project / "faq_corpus").iterdir(), project / "faq_catalog.yml"]
    paths += [project / "data" / "nlu" / name for name in ("faq.yml", "out_of_scope.yml")]
    return {path: path.read_bytes() for path in paths}


def passes_the_check(project: Path, monkeypatch) -> None:
    catalog = load_catalog(project / "faq_catalog.yml")
    assert check_corpus(project / "faq_corpus", catalog, catalog.contacts, Rules()) == []
    cli_check(project, monkeypatch)


def test_thirty_customers_one_group_added_as_examples_then_gone(project, editor, monkeypatch):
    group = paper_invoice_group(editor)
    assert editor.get("/api/content/groups").json()["can_dismiss"] is True
    assert group["customers"] == 30 and group["turns"] == 30
    assert {q["text"] for q in group["questions"]} == set(PAPER_INVOICE)
    assert group["nearest_faq_id"] and group["nearest_title"]
    assert 0 < group["nearest_similarity"] <= 1
    assert group["first_seen"] <= group["last_seen"]
    faq_id = group["nearest_faq_id"]
    response = editor.post(
        f"/api/content/groups/{group['id']}/examples",
        json={"faq_id": faq_id, "questions": list(PAPER_INVOICE)},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert sorted(body["added"]) == sorted(PAPER_INVOICE) and body["publish_needed"] is True
    examples = editor.get(f"/api/content/entries/{faq_id}").json()["entry"]["examples"]
    assert set(PAPER_INVOICE) <= set(examples)
    passes_the_check(project, monkeypatch)
    assert paper_invoice_group(editor) is None
    pending = editor.get("/api/content/publish").json()["publish"]["pending"]
    assert pending == [f"エントリ {faq_id} に例文 3 件を追加"]


def test_some_questions_ticked_the_others_stay(project, editor):
    group = paper_invoice_group(editor)
    response = editor.post(
        f"/api/content/groups/{group['id']}/examples",
        json={"faq_id": "invoice_issuance", "questions": [PAPER_INVOICE[0]]},
    )
    assert response.status_code == 200, response.text
    left = paper_invoice_group(editor)
    assert left["id"] != group["id"]
    assert {q["text"] for q in left["questions"]} == set(PAPER_INVOICE[1:])
    assert (
        editor.post(
            f"/api/content/groups/{group['id']}/dismiss", json={"questions": [PAPER_INVOICE[1]]}
        ).status_code
        == 404
    )  # the old group is gone: its id no longer names anything


def test_a_new_entry_from_the_group_then_gone(project, editor, monkeypatch):
    group = paper_invoice_group(editor)
    response = editor.get(f"/api/content/groups/{group['id']}/draft")
    assert response.status_code == 200, response.text
    draft = response.json()["draft"]
    assert draft["question"] in PAPER_INVOICE and draft["category"] == "invoices"
    assert set(draft["examples"]) == set(PAPER_INVOICE) - {draft["question"]}
    card = "カード4111 1111 1111 1111で払った分の請求書も紙で送って"
    entry = {
        **draft,
        "id": "paper_invoice",
        "answer": "紙の請求書の郵送をご希望の場合は、{billing_center}までお問い合わせください。",
        "examples": draft["examples"] + EXTRA_EXAMPLES + [card],
        "tests": TESTS,
    }
    response = editor.post(f"/api/content/groups/{group['id']}/entry", json=entry)
    assert response.status_code == 200, response.text
    saved = response.json()["entry"]
    assert saved["id"] == "paper_invoice" and saved["file"] == "invoices.yml"
    assert "****-****-****-1111" in saved["examples"][-1] and "4111 1111" not in str(saved)
    assert load_catalog(project / "faq_catalog.yml").entries["paper_invoice"].category == "invoices"
    passes_the_check(project, monkeypatch)
    assert "faq/paper_invoice" in (project / "data" / "nlu" / "faq.yml").read_text("utf-8")
    assert paper_invoice_group(editor) is None


def test_a_new_entry_the_check_refuses_writes_nothing(project, editor):
    group = paper_invoice_group(editor)
    draft = editor.get(f"/api/content/groups/{group['id']}/draft").json()["draft"]
    before = (project / "faq_corpus" / "invoices.yml").read_bytes()
    response = editor.post(
        f"/api/content/groups/{group['id']}/entry",
        json={**draft, "id": "paper_invoice", "answer": "紙の請求書は送れます。"},
    )
    assert "examples; write at least 12" in japanese_error(response, 422)
    assert (project / "faq_corpus" / "invoices.yml").read_bytes() == before
    assert paper_invoice_group(editor)["id"] == group["id"]


def test_dismissed_as_out_of_scope_then_gone(project, editor, monkeypatch):
    group = paper_invoice_group(editor)
    path = project / "data" / "nlu" / "out_of_scope.yml"
    before = path.read_text("utf-8")
    response = editor.post(
        f"/api/content/groups/{group['id']}/dismiss", json={"questions": list(PAPER_INVOICE)}
    )
    assert response.status_code == 200, response.text
    assert sorted(response.json()["added"]) == sorted(PAPER_INVOICE)
    after = path.read_text("utf-8")
    assert after.startswith(before) and after.count("\n") == before.count("\n") + 3
    passes_the_check(project, monkeypatch)
    assert paper_invoice_group(editor) is None


@pytest.mark.parametrize(
    "action, body, status, expected",
    [
        ("examples", {"faq_id": "invoice_issuance", "questions": []}, 422, "1つ以上"),
        ("examples", {"faq_id": "invoice_issuance", "questions": "請求書"}, 422, "リスト"),
        (
            "examples",
            {"faq_id": "invoice_issuance", "questions": ["解約したい"]},
            422,
            "グループの質問",
        ),
        (
            "examples",
            {"faq_id": "no_such_entry", "questions": [PAPER_INVOICE[0]]},
            404,
            "no_such_entry",
        ),
        ("examples", {"questions": [PAPER_INVOICE[0]]}, 422, "エントリを選んで"),
        ("dismiss", {"questions": []}, 422, "1つ以上"),
        ("dismiss", {"questions": [" "]}, 422, "入力"),
        ("entry", {"id": "Bad Id", "category": "invoices"}, 422, "id は半角英小文字"),
    ],
)
def test_bad_input_gets_a_japanese_error_and_writes_nothing(
    project, editor, action, body, status, expected
):
    group = paper_invoice_group(editor)
    before = written(project)
    response = editor.post(f"/api/content/groups/{group['id']}/{action}", json=body)
    assert expected in japanese_error(response, status)
    assert written(project) == before
    assert paper_invoice_group(editor)["id"] == group["id"]


@pytest.mark.parametrize(
    "method, action, body",
    [
        ("POST", "examples", {"faq_id": "invoice_issuance", "questions": [PAPER_INVOICE[0]]}),
        ("GET", "draft", None),
        ("POST", "entry", {"id": "paper_invoice", "category": "invoices"}),
        ("POST", "dismiss", {"questions": [PAPER_INVOICE[0]]}),
    ],
)
def test_an_unknown_group_is_a_404_in_japanese(editor, method, action, body):
    response = editor.request(method, f"/api/content/groups/000000000000/{action}", json=body)
    assert japanese_error(response, 404) == "このグループは見つかりません。一覧を更新してください。"


def test_other_roles_are_refused(project, editor):
    for user, status in ((None, 401), ("agent", 403), ("yamada", 403)):
        with app(project, user) as client:
            assert japanese_error(client.get("/api/content/groups"), status)
            response = client.post(
                "/api/content/groups/000000000000/dismiss", json={"questions": ["x"]}
            )
            assert japanese_error(response, status)


def test_an_imported_corpus_cannot_dismiss_but_lists_and_adds(project):
    corpus = project / "my_faq"
    shutil.copytree(project / "faq_corpus", corpus)
    with app(project, corpus=Path("my_faq")) as client:
        log_customers(project, per_wording=2)
        group = paper_invoice_group(client)
        assert client.get("/api/content/groups").json()["can_dismiss"] is False
        before = (project / "data" / "nlu" / "out_of_scope.yml").read_bytes()
        response = client.post(
            f"/api/content/groups/{group['id']}/dismiss", json={"questions": list(PAPER_INVOICE)}
        )
        assert "ショップの FAQ" in japanese_error(response, 409)
        assert (project / "data" / "nlu" / "out_of_scope.yml").read_bytes() == before
        response = client.post(
            f"/api/content/groups/{group['id']}/examples",
            json={"faq_id": "invoice_issuance", "questions": list(PAPER_INVOICE)},
        )
        assert response.status_code == 200, response.text
        assert paper_invoice_group(client) is None
