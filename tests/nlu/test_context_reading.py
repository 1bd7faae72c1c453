"""FaqRanker reading a message alone and in its context (bot/nlu/context_reading.py)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.context_reading import METHODS, Choice, ContextReader, Reading, apply_choice

PAYMENT = {"questions": ["支払いの期限を知りたい"], "entry": "payment_due_date"}


def read(
    pipeline, text: str, context: dict | None, intent: str = "faq", confidence: float = 0.6
) -> Message:
    tokenizer, featurizer, ranker, scope, *_ = pipeline
    message = Message(data={TEXT: text, "metadata": {"context": context} if context else {}})
    tokenizer.process([message])
    featurizer.process([message])
    ranking = [
        {"name": intent, "confidence": confidence},
        {"name": "faq", "confidence": 1 - confidence},
    ]
    ranking = ranking if intent != "faq" else [{"name": "faq", "confidence": 0.9}]
    message.set("intent", ranking[0], add_to_output=True)
    message.set("intent_ranking", ranking, add_to_output=True)
    ranker.process([message])
    scope.process([message])
    return message


def best(message: Message) -> str:
    return message.get("response_selector")["faq"]["ranking"][0]["intent_response_key"]


def test_without_a_context_there_is_one_reading(pipeline):
    message = read(pipeline, "それって紙でもいいの?", None)
    assert message.get("context_reading") is None


def test_an_elliptical_follow_up_is_read_in_context(pipeline):
    message = read(pipeline, "それって延ばせる?", PAYMENT)
    reading = message.get("context_reading")
    assert reading["used"] == "context", reading
    assert best(message) == "faq/payment_due_date"
    assert reading["why"]  # the console shows it


def test_a_complete_question_on_another_topic_is_read_alone(pipeline):
    message = read(pipeline, "領収書は出せますか", PAYMENT)
    assert message.get("context_reading")["used"] == "alone"
    assert best(message) == "faq/receipt"


def test_the_context_reading_makes_a_vague_follow_up_an_faq_question(pipeline):
    message = read(pipeline, "それって延ばせる?", PAYMENT, intent="out_of_scope")
    ranking = message.get("intent_ranking")
    assert message.get("intent")["name"] == "faq"
    assert [r["name"] for r in ranking] == ["faq", "out_of_scope"]
    assert ranking[0]["confidence"] > ranking[1]["confidence"]  # swapped, not tied


def test_a_confident_named_intent_keeps_its_place(pipeline):
    message = read(pipeline, "それって延ばせる?", PAYMENT, intent="greet", confidence=0.95)
    assert message.get("context_reading")["used"] == "context"
    assert message.get("intent")["name"] == "greet"


@pytest.mark.parametrize("method", [m for m in METHODS if m != "prior"])
def test_the_methods_that_add_the_contexts_meaning_read_the_follow_up(pipeline, method):
    ranker = pipeline[2]
    index = ranker.context_reader().ranker  # one method at a time, on the index that ranks
    index.reader = ContextReader(
        index, {"method": method, "gain": 0.0}, *ranker.context_reader()._parts()
    )
    try:
        message = read(pipeline, "それって延ばせる?", PAYMENT)
        assert best(message) == "faq/payment_due_date"
    finally:
        index.reader = None


def test_an_unknown_method_names_the_fix():
    with pytest.raises(ValueError, match="context.method"):
        ContextReader(None, {"method": "guess"}, str, str)


def chosen_in_context(ranking: list) -> Message:
    """A message whose context reading was used, with this intent ranking."""
    message = Message(data={TEXT: "x"})
    message.set("intent", ranking[0], add_to_output=True)
    message.set("intent_ranking", ranking, add_to_output=True)
    entry = Reading([{"intent_response_key": "faq/receipt", "confidence": 0.9}], None, "x")
    alone = Reading([{"intent_response_key": "faq/receipt", "confidence": 0.3}], None, "x")
    apply_choice(message, Choice("context", alone, entry, "why"), "faq")
    return message


def test_named_intents_together_keep_their_place():
    # 「わかりました」: no named intent alone is confident, together they are.
    weak = [("thank", 0.45), ("deny", 0.2), ("goodbye", 0.2), ("faq", 0.15)]
    message = chosen_in_context([{"name": n, "confidence": c} for n, c in weak])
    assert message.get("intent")["name"] == "thank"


def test_weak_named_intents_and_out_of_scope_give_their_weight_to_faq():
    weak = [("out_of_scope", 0.4), ("greet", 0.2), ("faq", 0.2), ("deny", 0.2)]
    message = chosen_in_context([{"name": n, "confidence": c} for n, c in weak])
    ranking = message.get("intent_ranking")
    assert ranking[0] == {"name": "faq", "confidence": pytest.approx(1.0)}
    assert all(r["confidence"] == 0.0 for r in ranking[1:])


def test_a_question_clearly_out_of_scope_alone_stays_out_in_context(pipeline):
    message = read(pipeline, "今日の天気は", PAYMENT, intent="out_of_scope", confidence=0.99)
    assert message.get("scope")["out_of_scope"] is True
    assert message.get("intent")["name"] == "out_of_scope"
