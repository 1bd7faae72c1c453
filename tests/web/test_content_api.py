"""The content editor's API against the running stack: search, edits, their rules and warnings."""

from __future__ import annotations

import unicodedata
from typing import Optional

import pytest

from bot.faq.build import ordered_entries, render_training_data
from bot.faq.catalog import load_catalog
from bot.faq.corpus import normalized_question
from tests.web.api import (
    corpus_entries,
    is_yaml,
    japanese_error,
    logged_in,
)
from tests.web.conftest import project_files

# ---------------------------------------------------------------- content editor API


def test_search_finds_the_cancellation_entries(users):
    editor = users("editor")
    found = editor.get("/api/content/entries", params={"q": "解約"}).json()["entries"]
    ids = {entry["id"] for entry in found}
    assert {"cancellation_method", "cancellation_fee"} <= ids
    for entry in found:
        text = " ".join([entry["title"], entry["question"], entry["answer"], *entry["examples"]])
        assert "解約" in text
    everything = editor.get("/api/content/entries").json()["entries"]
    assert len(everything) == 44 and ids < {e["id"] for e in everything}
    assert editor.get("/api/content/entries", params={"q": "ほげほげ存在しない"}).json() == {
        "entries": []
    }


def test_get_one_entry_and_the_categories(stack, users):
    editor = users("editor")
    entry = editor.get("/api/content/entries/cancellation_method").json()["entry"]
    corpus = corpus_entries(stack.project)["cancellation_method"]
    assert entry["category"] == "cancellation" and entry["file"] == "cancellation.yml"
    assert entry["title"] == corpus.title and entry["answer"] == corpus.answer
    assert entry["examples"] == [i.text for i in corpus.examples]
    assert entry["tests"] == [i.text for i in corpus.tests]
    categories = editor.get("/api/content/categories").json()["categories"]
    assert categories == sorted(load_catalog(stack.project / "faq_catalog.yml").categories)
    missing = editor.get("/api/content/entries/no_such_entry")
    japanese_error(missing, 404)
    assert editor.get("/api/content/train").json()["training"]["state"] in (
        "idle",
        "running",
        "succeeded",
        "failed",
    )


def test_an_answer_edit_is_saved_with_comments_and_rebuilds_the_training_data(
    stack, users, restore_corpus
):
    project = stack.project
    path = project / "faq_corpus" / "invoices.yml"
    text = path.read_text("utf-8")
    assert "  - id: receipt\n" in text
    commented = "# 請求書カテゴリ(テスト用のコメント)\n" + text.replace(
        "  - id: receipt\n", "  - id: receipt  # 領収書のエントリ\n"
    )
    path.write_text(commented, "utf-8")
    others = {
        p: b for p, b in project_files(project).items() if p.name not in ("invoices.yml", "faq.yml")
    }

    editor = users("editor")
    entry = editor.get("/api/content/entries/receipt").json()["entry"]
    new_answer = entry["answer"] + "\n領収書の再発行は{billing_center}までご連絡ください。"
    response = editor.put("/api/content/entries/receipt", json={**entry, "answer": new_answer})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["entry"]["answer"] == new_answer
    assert body["publish_needed"] is True and body["warnings"] == []

    saved = path.read_text("utf-8")
    assert saved.startswith("# 請求書カテゴリ(テスト用のコメント)\n")
    assert "  - id: receipt  # 領収書のエントリ\n" in saved
    assert corpus_entries(project)["receipt"].answer == new_answer
    # Only the edited entry changed: the edit added exactly one line to the file.
    assert (
        saved.replace("      領収書の再発行は{billing_center}までご連絡ください。\n", "")
        == commented
    )
    assert {p: b for p, b in project_files(project).items() if p in others} == others

    catalog = load_catalog(project / "faq_catalog.yml")
    training = (project / "data" / "nlu" / "faq.yml").read_text("utf-8")
    assert "領収書の再発行はビリングカスタマセンタ 0120-047-128" in training
    assert training == render_training_data(
        ordered_entries(project / "faq_corpus", catalog), catalog.contacts, "faq_corpus"
    )
    assert editor.get("/api/content/entries/receipt").json()["entry"]["answer"] == new_answer


def _title_too_long(entry, entries):
    return {**entry, "title": "領収書" * 11}, "title"


def _unknown_placeholder(entry, entries):
    return {**entry, "answer": entry["answer"] + "\n{nope}までどうぞ。"}, "{nope}"


def _duplicate_example(entry, entries):
    other = entries["cancellation_fee"].examples[0].text
    return {**entry, "examples": entry["examples"] + [other]}, "cancellation_fee"


def _empty_answer(entry, entries):
    return {**entry, "answer": "   "}, "answer"


def _examples_not_a_list(entry, entries):
    return {**entry, "examples": "領収書"}, "examples"


def _too_few_examples(entry, entries):
    return {**entry, "examples": entry["examples"][:3]}, "examples"


def _test_question_as_example(entry, entries):
    return {**entry, "examples": entry["examples"] + [entries["receipt"].tests[0].text]}, "test"


@pytest.mark.parametrize(
    "breaks",
    [
        _title_too_long,
        _unknown_placeholder,
        _duplicate_example,
        _empty_answer,
        _examples_not_a_list,
        _too_few_examples,
        _test_question_as_example,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_an_edit_that_breaks_a_rule_is_refused_and_writes_nothing(stack, users, breaks):
    editor = users("editor")
    before = project_files(stack.project)
    entry = editor.get("/api/content/entries/receipt").json()["entry"]
    body, problem = breaks(entry, corpus_entries(stack.project))
    response = editor.put("/api/content/entries/receipt", json=body)
    message = japanese_error(response, 422)
    assert message.startswith("保存できませんでした")
    assert problem in message
    assert "faq-edit-" not in message and str(stack.project) not in message  # no scratch paths
    assert project_files(stack.project) == before
    assert not list((stack.project / "faq_corpus").glob(".*.tmp"))


def test_an_edit_of_an_unknown_entry_is_refused(stack, users):
    before = project_files(stack.project)
    body = {"title": "t", "question": "q", "answer": "a", "examples": [], "tests": []}
    response = users("editor").put("/api/content/entries/no_such_entry", json=body)
    assert response.status_code in (404, 422)
    assert "no_such_entry" in japanese_error(response, response.status_code)
    assert project_files(stack.project) == before


def _new_entry(**fields):
    body = {
        "id": "receipt_reissue",
        "category": "invoices",
        "title": "領収書の再発行",
        "question": "領収書は再発行できますか?",
        "answer": "{billing_center}までお問い合わせください。",
        "examples": [],
        "tests": [],
    }
    return {k: v for k, v in {**body, **fields}.items() if v is not ...}


@pytest.mark.parametrize(
    "body, problem",
    [
        (_new_entry(id="Bad-ID"), "id"),
        (_new_entry(id="1receipt"), "id"),
        (_new_entry(id=""), "id"),
        (_new_entry(id=5), "id"),
        (_new_entry(category=...), "カテゴリ"),
        (_new_entry(category=""), "カテゴリ"),
        (_new_entry(id="receipt"), "receipt"),
        (_new_entry(id="cancellation_fee", category="invoices"), "cancellation_fee"),
        (_new_entry(category="nosuch"), "nosuch"),
        (_new_entry(), "examples"),
        (_new_entry(title=""), "title"),
    ],
    ids=[
        "bad-id",
        "digit-first-id",
        "empty-id",
        "number-id",
        "missing-category",
        "empty-category",
        "duplicate-id",
        "duplicate-id-other-category",
        "unknown-category",
        "too-few-examples",
        "empty-title",
    ],
)
def test_adding_an_entry_with_a_bad_field_is_422_and_writes_nothing(stack, users, body, problem):
    before = project_files(stack.project)
    response = users("editor").post("/api/content/entries", json=body)
    assert problem in japanese_error(response, 422)
    assert project_files(stack.project) == before


def test_a_control_character_in_an_answer_is_dropped_not_a_500(stack, restore_corpus):
    with logged_in(stack, "editor") as editor:  # a 500 closes the connection: its own client
        entry = editor.get("/api/content/entries/receipt").json()["entry"]
        body = {**entry, "answer": entry["answer"] + "\nベル\x07です。"}
        response = editor.put("/api/content/entries/receipt", json=body)
    assert response.status_code == 200, response.text
    saved = corpus_entries(stack.project)["receipt"].answer
    assert saved.endswith("ベル です。") and "\x07" not in saved


def test_a_control_character_in_an_example_never_breaks_the_training_data(stack, restore_corpus):
    with logged_in(stack, "editor") as editor:
        entry = editor.get("/api/content/entries/receipt").json()["entry"]
        body = {**entry, "examples": entry["examples"] + ["領収書\x01を発行して"]}
        response = editor.put("/api/content/entries/receipt", json=body)
    assert response.status_code in (200, 422), response.text
    assert is_yaml((stack.project / "data" / "nlu" / "faq.yml").read_text("utf-8"))
    if response.status_code == 200:  # accepted only with the character taken out
        saved = corpus_entries(stack.project)["receipt"].examples[-1].text
        assert not any(unicodedata.category(ch) == "Cc" for ch in saved)


def confident_other_entry_question(agent, corpus: dict) -> Optional[str]:
    known = {
        normalized_question(t)
        for e in corpus.values()
        for t in [e.question] + [i.text for i in e.examples + e.tests]
    }
    for text in ("解約の仕方を知りたいです", "サービスを解約する方法を教えてください"):
        seen = agent.post("/api/agent/inspect", json={"text": text}).json()
        if normalized_question(text) not in known and seen["faq_ranking"][0]["confidence"] >= 0.5:
            if seen["faq_ranking"][0]["label"] == "faq/cancellation_method":
                return text
    return None


def test_an_example_the_model_gives_to_another_entry_gets_a_warning(stack, users, restore_corpus):
    text = confident_other_entry_question(users("agent"), corpus_entries(stack.project))
    assert text, "no sample question is confidently cancellation_method with this model"
    editor = users("editor")
    entry = editor.get("/api/content/entries/receipt").json()["entry"]
    response = editor.put(
        "/api/content/entries/receipt", json={**entry, "examples": entry["examples"] + [text]}
    )
    assert response.status_code == 200, response.text
    warnings = response.json()["warnings"]
    assert len(warnings) == 1 and text in warnings[0] and "解約方法" in warnings[0]
