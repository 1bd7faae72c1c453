"""The check before going live: canonical questions find their entry; no right answer turns wrong
unseen; the editor sees what changed."""

from __future__ import annotations

import pytest

from bot.knowledge.build import build_snapshot, pipeline_config, segmenter
from bot.knowledge.check import Reader, changes_between, check_snapshot
from bot.nlu.embedding_cache import cached_embedder


@pytest.fixture(scope="module")
def reader() -> Reader:
    embedder = cached_embedder(None)
    return Reader(lambda texts: embedder.training(texts, kind="query"), segmenter("C").tokens)


def index_of(snapshot, project):
    return snapshot.index(pipeline_config(project / "config.yml")[0])


def rewrite(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_shop_passes_and_a_new_example_is_seen_as_an_improvement_or_nothing(project, reader):
    live = build_snapshot(project / "faq_corpus", project_dir=project)
    result = check_snapshot(live, index_of(live, project), reader, live, index_of(live, project))
    assert result.passed and result.canonical_total == 44
    assert result.regressions == [] and result.improvements == []
    assert result.tests_right >= 0.9 * result.tests_total


def test_a_canonical_question_taken_by_another_entry_fails_the_check(project, reader):
    live = build_snapshot(project / "faq_corpus", project_dir=project)
    # the receipt entry's canonical question becomes the invoice-issuing question's wording
    rewrite(
        project / "faq_corpus" / "invoices.yml",
        "question: 領収書の発行は可能ですか?",
        "question: 請求書はいつ発行されますか?",
    )
    draft = build_snapshot(project / "faq_corpus", project_dir=project, base=live)
    result = check_snapshot(draft, index_of(draft, project), reader, live, index_of(live, project))
    assert not result.passed
    assert [w["expected"] for w in result.canonical_wrong] == ["faq/receipt"]
    assert changes_between(live, draft) == ["エントリ receipt の質問・例文を変更"]


def test_answers_only_reports_a_confident_margin():
    from bot.knowledge.check import answers

    assert answers([{"confidence": 0.6}, {"confidence": 0.2}])
    assert not answers([{"confidence": 0.6}, {"confidence": 0.58}])
    assert not answers([{"confidence": 0.2}])
    assert not answers([])


def test_changes_name_entries_added_removed_and_fields_changed(shop_snapshot):
    from .test_store import variant

    edited = variant(shop_snapshot, "x")
    assert changes_between(shop_snapshot, edited) == [
        f"エントリ {shop_snapshot.entries[0]['id']} の回答を変更"
    ]
    assert changes_between(None, shop_snapshot) == ["初回の公開(44 エントリ)"]
