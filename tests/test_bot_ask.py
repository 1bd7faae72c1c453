"""`python -m bot ask --jsonl` on the trained model: labels, answers, bad lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from actions.replies import LOGIN_HINT
from bot.faq.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[1]


def ask(model, lines, *extra) -> list[dict]:
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--jsonl", "--model", str(model), *extra],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, RASA_TELEMETRY_ENABLED="false"),
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return [json.loads(line) for line in completed.stdout.splitlines()]


@pytest.fixture(scope="module")
def answers(trained_model) -> list[dict]:
    lines = [
        "クレジットカードでの支払いは可能ですか?",
        "",
        "あ" * 501,
        "問い合わせ先の電話番号を教えて",
        "明日の東京の天気は晴れますか",
        "   ",
        "解約方法を教えてください。",
        "領収書の発行は可能ですか?",
    ]
    out = ask(trained_model, lines)
    assert len(out) == len(lines)
    return out


@pytest.fixture(scope="module")
def faq_responses() -> dict:
    data = RasaYAMLReader().read(ROOT / "data/nlu/faq.yml")
    return {key.split("/", 1)[1]: squash(value[0]["text"]) for key, value in data.responses.items()}


def squash(text: str) -> str:
    """The answer as the channel delivers it: Rasa drops the blank lines inside a response."""
    return "\n".join(line for line in text.splitlines() if line.strip())


def test_an_faq_question_gets_its_id_and_the_answer_a_visitor_reads(answers, faq_responses):
    first = answers[0]
    assert first["text"] == "クレジットカードでの支払いは可能ですか?"
    assert first["label"] == "credit_card_available"
    # a personal entry: the general answer, then the hint that logging in gives their own
    assert squash(first["answer"]) == faq_responses["credit_card_available"] + "\n" + LOGIN_HINT
    assert 0 < first["confidence"] <= 1
    assert answers[6]["label"] == "cancellation_method"
    assert squash(answers[6]["answer"]).startswith(faq_responses["cancellation_method"])


def test_a_general_entry_is_answered_with_its_text_alone(answers, faq_responses):
    assert answers[7]["label"] == "receipt"
    assert squash(answers[7]["answer"]) == faq_responses["receipt"]


def test_ranking_has_up_to_three_labels_best_first(answers):
    for answer in answers:
        if "error" in answer:
            continue
        ranking = answer["ranking"]
        assert 1 <= len(ranking) <= 3
        confidences = [r["confidence"] for r in ranking]
        assert confidences == sorted(confidences, reverse=True)
        assert set(ranking[0]) == {"label", "confidence"}


def test_blank_and_over_long_lines_get_an_error_not_a_crash(answers):
    for index in (1, 2, 5):
        assert "error" in answers[index]
        assert "label" not in answers[index]
    assert "501" in answers[2]["error"]


def test_contact_question_names_both_centers_with_numbers(answers):
    catalog = load_catalog(ROOT / "faq_catalog.yml")
    contact = answers[3]
    assert contact["label"] == "contact_info"
    for key in ("contact_center", "billing_center"):
        assert catalog.contacts[key].phone in contact["answer"]


def test_out_of_scope_question_gets_no_faq_answer(answers, faq_responses):
    weather = answers[4]
    assert weather["label"] in {"out_of_scope", "fallback"}
    assert squash(weather["answer"]) not in faq_responses.values()
    assert weather["answer"]


def test_as_a_demo_customer_the_answer_uses_their_own_orders(trained_model):
    question = ["私の注文はどうなっていますか", "注文番号ORD-10000004の状況を教えて"]
    yamada = ask(trained_model, question, "--as", "yamada")
    assert yamada[0]["label"] == "check_order_status"
    assert "ORD-10000001" in yamada[0]["answer"] and "ORD-10000005" in yamada[0]["answer"]
    # ORD-10000004 belongs to another company's customer: not found, nothing leaked
    assert (
        "ORD-10000004" not in yamada[1]["answer"] or "見つかりませんでした" in yamada[1]["answer"]
    )
    assert "home 5G" not in yamada[1]["answer"]
    takahashi = ask(trained_model, question[1:], "--as", "takahashi")
    assert "home 5G" in takahashi[0]["answer"]


def test_unknown_demo_user_is_refused(trained_model):
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--jsonl", "--as", "nobody", "--model", str(trained_model)],
        input="こんにちは\n", capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 2 and "nobody" in completed.stderr
