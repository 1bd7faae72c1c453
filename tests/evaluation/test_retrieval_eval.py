"""The retrieval evaluation: metrics, the shape of eval/byo_faq/, BM25 (no Rasa training)."""

from __future__ import annotations

import csv
import random
import re

import pytest
import yaml

from bot.evaluation.retrieval_data import (
    DEFAULT_FAQ,
    DEFAULT_QUERIES,
    build_project,
    hit_at_k,
    import_corpus,
    percentile,
    read_faq,
    read_queries,
    reciprocal_rank,
    score_rankings,
)
from bot.evaluation.retrieval_methods import METHODS, Bm25Retriever
from bot.faq.corpus import normalized_question

FAQ_ID = re.compile(r"^[a-z][a-z0-9_]{0,79}$")


# --- metrics -----------------------------------------------------------------------------------


def test_hit_at_k_counts_any_right_entry_within_k():
    ranking = ["a", "b", "c", "d", "e", "f"]
    assert hit_at_k(ranking, ["a"], 1) == 1.0
    assert hit_at_k(ranking, ["b"], 1) == 0.0
    assert hit_at_k(ranking, ["e"], 5) == 1.0
    assert hit_at_k(ranking, ["f"], 5) == 0.0
    assert hit_at_k(ranking, ["x", "c"], 5) == 1.0
    assert hit_at_k([], ["a"], 5) == 0.0


def test_reciprocal_rank_uses_the_first_right_entry_and_the_cutoff():
    ranking = [str(i) for i in range(1, 13)]
    assert reciprocal_rank(ranking, ["1"]) == 1.0
    assert reciprocal_rank(ranking, ["4", "2"]) == 0.5
    assert reciprocal_rank(ranking, ["10"]) == pytest.approx(0.1)
    assert reciprocal_rank(ranking, ["11"]) == 0.0  # beyond the top 10
    assert reciprocal_rank(ranking, ["zz"]) == 0.0


def test_score_rankings_averages_over_queries():
    rankings = [["a", "b"], ["b", "a"], ["c", "d", "e", "f", "g", "a"]]
    labels = [["a"], ["a"], ["a"]]
    scores = score_rankings(rankings, labels)
    assert scores["hit1"] == pytest.approx(1 / 3)
    assert scores["hit5"] == pytest.approx(2 / 3)
    assert scores["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 6) / 3)


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile([], 0.95) == 0.0


# --- the evaluation set ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def faq():
    return read_faq(DEFAULT_FAQ)


@pytest.fixture(scope="module")
def queries():
    return read_queries(DEFAULT_QUERIES)


def test_faq_has_500_entries_with_one_question_each(faq):
    with open(DEFAULT_FAQ, encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == ["id", "category", "question", "answer"]
    assert len(faq) >= 500
    ids = [row["id"] for row in faq]
    assert len(set(ids)) == len(ids)
    assert all(FAQ_ID.match(i) for i in ids)
    assert all(row["question"] and row["answer"] and row["category"] for row in faq)
    questions = [normalized_question(row["question"]) for row in faq]
    assert len(set(questions)) == len(questions)


def test_queries_are_labelled_with_faq_ids(faq, queries):
    ids = {row["id"] for row in faq}
    assert len(queries) >= 200
    for item in queries:
        assert set(item) == {"query", "answers"}
        assert item["query"].strip()
        assert item["answers"], item
        assert set(item["answers"]) <= ids, item


def test_no_query_is_an_faq_question(faq, queries):
    questions = {normalized_question(row["question"]) for row in faq}
    texts = [normalized_question(item["query"]) for item in queries]
    assert not [t for t in texts if t in questions]
    assert len(set(texts)) == len(texts)


def test_queries_are_not_just_one_short_sentence(queries):
    several = [q for q in queries if len(re.findall(r"[^。？！?!]+[。？！?!]?", q["query"])) >= 2]
    assert len(several) >= 0.3 * len(queries)


# --- BM25 and the scratch project --------------------------------------------------------------

TINY = [
    (
        "pw_forgot",
        "パスワードを忘れました。",
        "ログイン画面の再設定リンクから新しいパスワードを設定してください。",
    ),
    (
        "invoice",
        "請求書を再発行できますか？",
        "管理画面の請求書一覧からPDFをもう一度ダウンロードできます。",
    ),
    ("delivery", "配達日を指定できますか？", "注文時にお届け日と時間帯を選べます。"),
    ("refund", "返金はいつですか？", "返品の到着後5営業日以内にクレジットカードへ返金します。"),
    ("sim", "SIMカードをなくしました。", "回線を停止し、SIMカードの再発行を申し込んでください。"),
    ("leave", "有給休暇の残りを知りたいです。", "勤怠システムで有給休暇の残日数を確認できます。"),
]
TINY_QUERIES = [
    ("ログインのパスワードを思い出せない", "pw_forgot"),
    ("請求書のPDFをもう一度ほしい", "invoice"),
    ("お届け日を決めたい", "delivery"),
    ("クレジットカードへの返金はいつ", "refund"),
    ("SIMカードを紛失した", "sim"),
    ("有給はあと何日", "leave"),
]


def test_bm25_baseline_beats_random():
    retriever = Bm25Retriever("C").fit([t[0] for t in TINY], [t[1] + "\n" + t[2] for t in TINY])
    rankings = [[i for i, _ in retriever.rank(q)] for q, _ in TINY_QUERIES]
    labels = [[label] for _, label in TINY_QUERIES]
    bm25 = score_rankings(rankings, labels)
    rng = random.Random(0)
    ids = [t[0] for t in TINY]
    shuffled = [rng.sample(ids, len(ids)) for _ in TINY_QUERIES]
    assert bm25["hit1"] > score_rankings(shuffled, labels)["hit1"]
    assert bm25["hit1"] >= 0.8


def test_scratch_project_from_a_csv(tmp_path):
    export = tmp_path / "faq.csv"
    with open(export, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "category", "question", "answer"])
        writer.writerows([(i, "general", q, a) for i, q, a in TINY])
    import_corpus(export, tmp_path / "corpus")
    project = build_project(tmp_path / "corpus", tmp_path / "project", answers_as_examples=True)
    data = yaml.safe_load((project / "data" / "faq.yml").read_text(encoding="utf-8"))
    examples = {block["intent"]: block["examples"] for block in data["nlu"]}
    assert set(examples) == {f"faq/{i}" for i, _, _ in TINY}
    assert "再設定リンク" in examples["faq/pw_forgot"]  # the answer became an example
    assert "utter_faq/invoice" in data["responses"]
    domain = yaml.safe_load((project / "domain.yml").read_text(encoding="utf-8"))
    assert "faq" in domain["intents"]


def test_rasa_methods_have_their_configs():
    from bot.evaluation.retrieval_data import CONFIGS

    for method in METHODS.values():
        if method.kind != "rasa":
            continue
        config = yaml.safe_load((CONFIGS / method.config).read_text(encoding="utf-8"))
        names = [step["name"] for step in config["pipeline"]]
        if method.name.startswith("meaning"):  # the e5 pipelines rank without a selector
            assert "bot.nlu.faq_ranker.FaqRanker" in names
            assert "bot.nlu.dense_featurizer.SentenceEmbeddingFeaturizer" in names
            continue
        assert "ResponseSelector" in names
        assert ("bot.nlu.bm25_ranker.FaqBm25Ranker" in names) == method.name.startswith("fusion")
