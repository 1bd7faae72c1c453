"""FaqRanker and the out-of-scope check on a small fixture corpus, with the real embedding model."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from bot.knowledge.index import group_max, zscores
from bot.nlu import embedding_cache
from bot.nlu.dense_featurizer import SentenceEmbeddingFeaturizer, embedding_of
from bot.nlu.faq_ranker import FaqRanker
from bot.nlu.scope import MeaningScopeClassifier
from bot.nlu.sudachi_tokenizer import SudachiTokenizer
from tests.nlu.conftest import TRAINING


def parsed(pipeline, text: str, intent: str = "faq") -> Message:
    tokenizer, featurizer, ranker, scope, *_ = pipeline
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    featurizer.process([message])
    message.set("intent", {"name": intent, "confidence": 0.9}, add_to_output=True)
    other = "faq" if intent == "out_of_scope" else "out_of_scope"
    ranking = [{"name": intent, "confidence": 0.9}, {"name": other, "confidence": 0.1}]
    message.set("intent_ranking", ranking, add_to_output=True)
    ranker.process([message])
    scope.process([message])
    return message


def best(message: Message) -> str:
    return message.get("response_selector")["faq"]["response"]["intent_response_key"]


def test_zscores_and_group_max():
    np.testing.assert_allclose(zscores(np.array([1.0, 1.0, 1.0])), 0.0)
    assert zscores(np.array([0.0, 1.0, 2.0])).tolist() == pytest.approx(
        [-1.2247, 0.0, 1.2247], 1e-3
    )
    assert group_max(np.array([0.1, 0.9, 0.3, 0.2, 0.8]), np.array([0, 2, 3])).tolist() == [
        0.9,
        0.3,
        0.8,
    ]


def test_the_featurizer_adds_one_sentence_vector(pipeline):
    message = parsed(pipeline, "領収書はもらえますか")
    vector = embedding_of(message)
    assert vector.shape == (384,)
    assert abs(float(np.linalg.norm(vector)) - 1) < 1e-4
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None and sentence.features.shape == (1, 384)


def test_output_is_the_response_selectors_format_with_scores(pipeline):
    message = parsed(pipeline, "領収書はもらえますか")
    selector = message.get("response_selector")["faq"]
    assert selector["response"]["intent_response_key"] == "faq/receipt"
    assert selector["response"]["utter_action"] == "utter_faq/receipt"
    assert selector["response"]["responses"][0]["text"].startswith("請求書内に領収書")
    confidences = [r["confidence"] for r in selector["ranking"]]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0)
    scores = selector["ranking"][0]["scores"]
    assert set(scores) == {"dense", "lexical", "fused"}
    assert scores["dense"] > 0.8 and scores["lexical"] > 0


def test_a_paraphrase_without_shared_words_is_found_where_bm25_misses(pipeline):
    """「購入をやめたい」 shares no content word with any entry of the fixture."""
    message = parsed(pipeline, "やっぱり購入をやめたいです")
    lexical = {r["intent_response_key"]: r["scores"]["lexical"] for r in _ranking(message)}
    assert set(lexical.values()) == {0.0}  # BM25 alone has nothing to go on
    assert best(message) == "faq/order_change_cancel"


def _ranking(message):
    return message.get("response_selector")["faq"]["ranking"]


def test_cancelling_an_alarm_is_out_of_scope(pipeline):
    message = parsed(pipeline, "明日のアラームをキャンセルしたい")
    assert message.get("intent")["name"] == "out_of_scope"
    assert message.get("intent_ranking")[0]["name"] == "out_of_scope"
    assert message.get("scope")["out_of_scope"] is True


def test_cancelling_an_order_stays_in_scope(pipeline):
    message = parsed(pipeline, "先週の注文を取り消したいです")
    assert message.get("intent")["name"] == "faq"
    assert best(message) == "faq/order_change_cancel"
    assert message.get("scope")["out_of_scope"] is False


def test_someone_elses_service_is_a_foreign_name_the_shops_is_not(pipeline):
    *_, scope, _, _ = pipeline
    foreign = parsed(pipeline, "ソフトバンクの支払期限はいつですか")
    assert scope.foreign_names(foreign) == ["ソフトバンク"]
    own = parsed(pipeline, "OCN光の支払期限はいつですか")
    assert scope.foreign_names(own) == []


def test_persisted_components_load_with_the_same_ranking(pipeline):
    tokenizer, featurizer, ranker, scope, storage, context = pipeline
    loaded = FaqRanker.load(FaqRanker.get_default_config(), storage, Resource("ranker"), context)
    loaded_scope = MeaningScopeClassifier.load(
        MeaningScopeClassifier.get_default_config(), storage, Resource("scope"), context
    )
    for text in ("いつまでに払えばいい?", "領収書", "注文を変えたい", "アラームを止めたい"):
        message = parsed(pipeline, text)
        again = Message(data={TEXT: text})
        tokenizer.process([again])
        featurizer.process([again])
        again.set("intent", {"name": "faq", "confidence": 0.9})
        loaded.process([again])
        loaded_scope.process([again])
        assert _ranking(again) == _ranking(message)
        assert again.get("scope") == message.get("scope")


def test_unknown_weight_names_the_fix(tmp_path):
    context = ExecutionContext(graph_schema=None, model_id="test")
    with pytest.raises(ValueError, match="config.yml"):
        FaqRanker.create({"weights": {"dense": 1, "sparse": 1}}, LocalModelStorage(tmp_path),
                         Resource("r"), context)  # fmt: skip


def test_a_second_training_hits_the_embedding_cache(tmp_path, monkeypatch):
    """Retraining unchanged data embeds nothing; one new example embeds one text."""
    monkeypatch.setenv("BOT_EMBEDDING_CACHE", str(tmp_path / "cache"))
    context = ExecutionContext(graph_schema=None, model_id="test", node_name="e5")
    tokenizer = SudachiTokenizer(SudachiTokenizer.get_default_config())

    def train(extra: str = "") -> int:
        storage = LocalModelStorage(tmp_path / f"m{extra!r}")
        featurizer = SentenceEmbeddingFeaturizer.create({}, storage, Resource("e5"), context)
        cache = featurizer._embedder
        before = cache.embedded
        data = RasaYAMLReader().reads(
            TRAINING.replace("    - 領収書がほしい\n", f"    - 領収書がほしい\n{extra}")
        )
        tokenizer.process_training_data(data)
        featurizer.process_training_data(data)
        return cache.embedded - before

    embedding_cache._shared.clear()
    first = train()
    embedding_cache._shared.clear()  # as in a new training process
    assert first == len(RasaYAMLReader().reads(TRAINING).intent_examples)
    assert train() == 0
    embedding_cache._shared.clear()
    assert train("    - 領収書を紙でください\n") == 1


def test_the_classifiers_out_of_scope_is_overruled_for_a_question_clearly_in_scope(pipeline):
    message = parsed(pipeline, "注文をキャンセルしたい", intent="out_of_scope")
    assert message.get("scope")["clearly_in_scope"] is True
    assert message.get("intent") == {"name": "faq", "confidence": pytest.approx(1.0)}
    assert all(r["name"] != "out_of_scope" for r in message.get("intent_ranking"))


def test_the_classifiers_out_of_scope_stands_when_the_meaning_agrees(pipeline):
    message = parsed(pipeline, "タクシーを呼んでほしい", intent="out_of_scope")
    assert message.get("intent")["name"] == "out_of_scope"
