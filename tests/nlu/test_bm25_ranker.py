"""BM25 over content words, fused into the ResponseSelector's ranking."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.bm25_ranker import FaqBm25Ranker, content_terms, fuse
from bot.nlu.sudachi_tokenizer import SudachiTokenizer

TRAINING = """
version: "3.1"
nlu:
- intent: faq/receipt
  examples: |
    - 領収書は発行できますか
    - 領収書がほしい
- intent: faq/cancellation_fee
  examples: |
    - 解約に違約金はかかりますか
    - 途中解約の違約金
responses:
  utter_faq/receipt:
  - text: 請求書内に領収書が含まれております。
  utter_faq/cancellation_fee:
  - text: 各サービスの利用規約をご確認ください。
"""


@pytest.fixture
def tokenizer():
    return SudachiTokenizer(SudachiTokenizer.get_default_config())


def ranker_for(tmp_path, config=None):
    tmp_path.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(tmp_path)
    resource = Resource("bm25")
    context = ExecutionContext(graph_schema=None, model_id="test")
    return (
        FaqBm25Ranker.create(
            {**FaqBm25Ranker.get_default_config(), **(config or {})}, storage, resource, context
        ),
        storage,
        resource,
        context,
    )


def trained(tmp_path, tokenizer, config=None):
    data = RasaYAMLReader().reads(TRAINING)
    tokenizer.process_training_data(data)
    ranker, storage, resource, context = ranker_for(tmp_path, config)
    ranker.train(data)
    return ranker, storage, resource, context


def selector_message(tokenizer, text, ranking):
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    message.set(
        "response_selector",
        {
            "faq": {
                "response": {
                    "intent_response_key": ranking[0][0],
                    "utter_action": f"utter_{ranking[0][0]}",
                    "confidence": ranking[0][1],
                },
                "ranking": [{"intent_response_key": k, "confidence": c} for k, c in ranking],
            }
        },
    )
    return message


def test_content_terms_drop_particles_and_common_verbs(tokenizer):
    message = Message(data={TEXT: "領収書を発行してもらえますか"})
    tokenizer.process([message])
    assert content_terms(message.get(TOKENS_NAMES[TEXT])) == ["領収書", "発行"]


def test_fuse_mixes_both_rankings_and_stays_a_distribution():
    fused = fuse(
        [
            {"intent_response_key": "faq/a", "confidence": 0.6},
            {"intent_response_key": "faq/b", "confidence": 0.4},
        ],
        {"faq/a": 0.0, "faq/b": 5.0},
        weight=0.5,
        beta=1.0,
    )
    assert [r["intent_response_key"] for r in fused] == ["faq/b", "faq/a"]
    assert sum(r["confidence"] for r in fused) == pytest.approx(1.0)


def test_no_matching_words_flattens_instead_of_boosting():
    fused = fuse(
        [{"intent_response_key": "faq/a", "confidence": 0.9}],
        {"faq/a": 0.0, "faq/b": 0.0},
        0.5,
        1.0,
    )
    assert fused[0]["intent_response_key"] == "faq/a"
    assert fused[0]["confidence"] == pytest.approx(0.45 + 0.25)


def test_bm25_overrides_a_wrong_selector_choice(tmp_path, tokenizer):
    ranker, *_ = trained(tmp_path, tokenizer, {"weight": 0.7})
    message = selector_message(
        tokenizer, "違約金は発生しますか", [("faq/receipt", 0.55), ("faq/cancellation_fee", 0.45)]
    )
    ranker.process([message])
    selector = message.get("response_selector")["faq"]
    assert selector["response"]["intent_response_key"] == "faq/cancellation_fee"
    assert selector["response"]["utter_action"] == "utter_faq/cancellation_fee"
    assert selector["response"]["responses"][0]["text"] == "各サービスの利用規約をご確認ください。"
    assert selector["ranking"][0]["intent_response_key"] == "faq/cancellation_fee"


def test_answers_are_searched_too(tmp_path, tokenizer):
    # 利用規約 appears only in the answer of cancellation_fee.
    with_answers, *_ = trained(tmp_path / "a", tokenizer, {"use_answers": True})
    without, *_ = trained(tmp_path / "b", tokenizer, {"use_answers": False})
    message = Message(data={TEXT: "利用規約"})
    tokenizer.process([message])
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert with_answers.scores(tokens)["faq/cancellation_fee"] > 0
    assert without.scores(tokens)["faq/cancellation_fee"] == 0


def test_persisted_ranker_loads_with_the_same_scores(tmp_path, tokenizer):
    ranker, storage, resource, context = trained(tmp_path, tokenizer)
    loaded = FaqBm25Ranker.load(FaqBm25Ranker.get_default_config(), storage, resource, context)
    message = Message(data={TEXT: "領収書がほしいです"})
    tokenizer.process([message])
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert loaded.scores(tokens) == ranker.scores(tokens)
    assert loaded.scores(tokens)["faq/receipt"] > 0
