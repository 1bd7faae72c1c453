"""bot/web/corpus_edit.py: a rejected or failed edit writes nothing, and its problems say where.

No stack needed: the content editor's saving logic is tested on a temporary copy of faq_corpus/,
faq_catalog.yml and data/nlu/faq.yml (the `shop` and `mini` fixtures of conftest.py).
"""

from __future__ import annotations

import os

import pytest

from bot.web.corpus_edit import EditRejected, Paths, find_entry, save_entry
from tests.web.corpus_scratch import files_of, new_entry

# ---------------------------------------------------------------- rejected edits write nothing


def _edit(faq_id: str, **fields):
    def make(paths: Paths):
        return faq_id, {**find_entry(paths, faq_id), **fields}, None

    return make


def _add(faq_id: str, category: str, **fields):
    def make(paths: Paths):
        return faq_id, new_entry(**fields), category

    return make


def _example_of(faq_id: str):
    def make(paths: Paths):
        entry = find_entry(paths, "receipt")
        other = find_entry(paths, faq_id)["examples"][0]
        return "receipt", {**entry, "examples": entry["examples"] + [other]}, None

    return make


REJECTED = {
    "title-over-30": (_edit("receipt", title="あ" * 31), "31 characters"),
    "unknown-contact": (_edit("receipt", answer="{nope}へどうぞ。"), "{nope}"),
    "empty-answer": (_edit("receipt", answer=" \n "), "answer"),
    "missing-title": (_edit("receipt", title=None), "title"),
    "examples-not-a-list": (_edit("receipt", examples="領収書"), "examples"),
    "example-not-a-string": (_edit("receipt", examples=["領収書", 3]), "examples"),
    "too-few-examples": (_edit("receipt", examples=["領収書ください"]), "examples"),
    "too-few-tests": (_edit("receipt", tests=[]), "test questions"),
    "entity-markup": (_edit("receipt", tests=["[領収書](doc)がほしい", "a", "b"]), "markup"),
    "example-of-another-entry": (_example_of("cancellation_fee"), "cancellation_fee"),
    "unknown-id": (_edit("receipt"), "no_such_id"),
    "add-duplicate-id": (_add("receipt", "invoices"), "receipt"),
    "add-unknown-category": (_add("receipt_reissue", "nosuch"), "nosuch"),
    "add-bad-category-name": (_add("receipt_reissue", "Bad Category"), "カテゴリ"),
    "add-too-few-examples": (_add("receipt_reissue", "invoices", examples=[]), "examples"),
    "add-a-named-intent-id": (_add("greet", "general"), "greet"),
}


@pytest.mark.parametrize("case", REJECTED, ids=list(REJECTED))
def test_a_rejected_edit_writes_nothing(shop, case):
    make, expected = REJECTED[case]
    faq_id, data, category = make(shop)
    if case == "unknown-id":
        faq_id = "no_such_id"
    before = files_of(shop)
    with pytest.raises(EditRejected) as rejected:
        save_entry(shop, faq_id, data, category)
    report = " / ".join(rejected.value.problems)
    assert expected in report
    assert "faq-edit-" not in report  # problems name the real folder, not the scratch copy
    assert files_of(shop) == before
    leftovers = [
        p for d in (shop.corpus, shop.project, shop.training_data.parent) for p in d.glob(".*")
    ]
    assert leftovers == []


def test_problems_name_the_corpus_file_and_line(shop):
    entry = find_entry(shop, "receipt")
    with pytest.raises(EditRejected) as rejected:
        save_entry(shop, "receipt", {**entry, "title": "あ" * 31})
    (problem,) = rejected.value.problems
    where = problem.split(": ", 1)[0]
    path, line = where.rsplit(":", 1)
    assert path == "faq_corpus/invoices.yml" or path.endswith("faq_corpus/invoices.yml")
    lines = (shop.corpus / "invoices.yml").read_text("utf-8").splitlines()
    assert lines[int(line) - 1].strip() == "- id: receipt"


def test_a_failed_write_leaves_the_old_files(shop, monkeypatch):
    before = files_of(shop)
    entry = find_entry(shop, "receipt")

    def refuse(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        save_entry(shop, "receipt", {**entry, "answer": "新しい回答です。"})
    monkeypatch.undo()
    assert files_of(shop) == before
    assert not [p for p in shop.corpus.iterdir() if p.name.startswith(".")]
