"""The trained model: every canonical question and button payload is understood."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from actions.faq_titles import faq_titles
from bot.nlu.ranking import predicted_label

ROOT = Path(__file__).resolve().parents[1]


def parse(agent, text: str) -> dict:
    return asyncio.run(agent.parse_message(text))


def test_every_canonical_question_gets_its_own_entry(agent):
    # The "did you mean" buttons send the canonical question: each must come back as itself.
    wrong = {}
    for faq_id, (_title, question) in faq_titles(str(ROOT / "faq_corpus")).items():
        label, _ = predicted_label(parse(agent, question))
        if label != faq_id:
            wrong[faq_id] = label
    assert wrong == {}


@pytest.mark.parametrize(
    "text, order_number",
    [
        ("注文番号ORD-10000001の状況を教えて", "ORD-10000001"),
        ("ORD-12345678 はどうなってる?", "ORD-12345678"),
    ],
)
def test_order_numbers_are_extracted_inside_japanese_text(agent, text, order_number):
    entities = parse(agent, text)["entities"]
    assert [e["value"] for e in entities if e["entity"] == "order_number"] == [order_number]


@pytest.mark.parametrize("text", ["", "( ̄^ ̄)ゞ", "😀😀", "<script>alert(1)</script>", "a" * 5000])
def test_odd_input_parses_without_error(agent, text):
    result = parse(agent, text)
    assert "intent" in result


@pytest.mark.parametrize(
    "text",
    [
        "スマホのアラームを解除したいです",  # cancel an alarm: not "cancel my order"
        "明日の美容院の予約をキャンセルしたい",
        "佐川急便の再配達の電話番号を教えて",  # someone else's number: not the contact center
        "Netflixの解約方法が分かりません",
    ],
)
def test_the_shops_words_about_something_else_get_no_faq_answer(agent, text):
    label, _ = predicted_label(parse(agent, text))
    assert label in {"out_of_scope", "fallback"}, label


@pytest.mark.parametrize(
    ("text", "faq_id"),
    [
        ("注文した商品をキャンセルしたいです", "order_change_cancel"),
        ("解約すると違約金はかかりますか", "cancellation_fee"),
        ("JCBのカードは使えますか", "credit_card_brands"),
    ],
)
def test_the_shops_own_questions_stay_in_scope(agent, text, faq_id):
    result = parse(agent, text)
    assert predicted_label(result)[0] == faq_id
    assert result["scope"]["out_of_scope"] is False
    scores = result["response_selector"]["faq"]["ranking"][0]["scores"]
    assert set(scores) == {"dense", "lexical", "fused"}
