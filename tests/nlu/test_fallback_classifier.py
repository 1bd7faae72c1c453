"""FaqAwareFallbackClassifier: weak or ambiguous questions go to "did you mean", by margin, not
by length: a one-word question whose entry is clearly ahead is answered."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.bm25_ranker import content_terms
from bot.nlu.fallback import FaqAwareFallbackClassifier
from bot.nlu.sudachi_tokenizer import SudachiTokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return SudachiTokenizer(SudachiTokenizer.get_default_config())


def shop_settings() -> dict:
    """The fallback's settings in the shop's config.yml (the thresholds the bot runs with)."""
    pipeline = yaml.safe_load(Path("config.yml").read_text("utf-8"))["pipeline"]
    mine = [c for c in pipeline if c["name"].endswith("FaqAwareFallbackClassifier")]
    return {k: v for k, v in mine[0].items() if k != "name"}


@pytest.fixture
def fallback(tmp_path):
    config = {**FaqAwareFallbackClassifier.get_default_config(), **shop_settings()}
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


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("領収書", "receipt"),
        ("口座振替にしたい", "billing_payment_change"),
        ("支払方法", "payment_methods"),
    ],
)
def test_a_short_compound_question_with_a_clear_winner_is_answered(
    tokenizer, fallback, text, entry
):
    m = message(tokenizer, text, "faq", 0.95, [(entry, 0.97), ("cancellation_method", 0.02)])
    assert len(content_terms(m.get(TOKENS_NAMES[TEXT]))) == 1  # one Sudachi content word (C)
    assert decided(fallback, m) == "faq"


def test_a_short_question_between_two_close_entries_asks_which(tokenizer, fallback):
    m = message(
        tokenizer, "契約", "faq", 0.95, [("contract_details", 0.5), ("cancellation_method", 0.45)]
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
    assert decided(fallback, m) == "nlu_fallback"  # 0.5 x 0.3 is under the threshold
