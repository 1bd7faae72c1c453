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
