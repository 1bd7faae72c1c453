"""FaqAwareFallbackClassifier: weak, ambiguous or one-word questions go to "did you mean"."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.fallback import FaqAwareFallbackClassifier
from bot.nlu.sudachi_tokenizer import SudachiTokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return SudachiTokenizer(SudachiTokenizer.get_default_config())


@pytest.fixture
def fallback(tmp_path):
    config = {**FaqAwareFallbackClassifier.get_default_config(), "threshold": 0.2}
    context = ExecutionContext(graph_schema=None, model_id="test")
    return FaqAwareFallbackClassifier.create(
        config, LocalModelStorage(tmp_path), Resource("fallback"), context
    )


def message(tokenizer, text, intent, confidence, entries=()):
    m = Message(data={TEXT: text})
    tokenizer.process([m])
    m.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    m.set("intent_ranking", [{"name": intent, "confidence": confidence}], add_to_output=True)
    if entries:
        ranking = [{"intent_response_key": f"faq/{k}", "confidence": c} for k, c in entries]
        m.set("response_selector", {"faq": {"ranking": ranking}}, add_to_output=True)
    return m


def decided(fallback, m) -> str:
    fallback.process([m])
    return m.get("intent")["name"]


@pytest.mark.parametrize("text", ["契約", "届かない", "確認したい", "それはどうなりますか"])
def test_one_content_word_asks_which_entry_is_meant(tokenizer, fallback, text):
    m = message(
        tokenizer, text, "faq", 0.95, [("contract_details", 0.97), ("cancellation_method", 0.02)]
    )
    assert decided(fallback, m) == "nlu_fallback"


def test_a_question_with_its_need_is_answered(tokenizer, fallback):
    m = message(tokenizer, "契約内容を確認したい", "faq", 0.95, [("contract_details", 0.97)])
    assert decided(fallback, m) == "faq"


@pytest.mark.parametrize(("text", "intent"), [("こんにちは", "greet"), ("はい", "affirm")])
def test_short_conversational_intents_are_left_alone(tokenizer, fallback, text, intent):
    assert decided(fallback, message(tokenizer, text, intent, 0.9)) == intent


def test_a_weak_best_answer_falls_back(tokenizer, fallback):
    m = message(
        tokenizer, "請求書の再発行の手順を知りたい", "faq", 0.5, [("invoice_issuance", 0.3)]
    )
    assert decided(fallback, m) == "nlu_fallback"  # 0.5 x 0.3 < 0.2
