"""The agent console's API against the running stack: inspect, batch, judgements, export,
insights and the turn log.
"""

from __future__ import annotations

from typing import List

import pytest
import yaml

from bot.faq.corpus import normalized_question
from bot.store import Journal
from tests.web.api import (
    CONTACT_CENTER,
    CUSTOMERS,
    FAQ_QUESTION,
    ORDER_QUESTION,
    ask,
    corpus_answer,
    corpus_entries,
    japanese_error,
    said,
)

# ---------------------------------------------------------------- agent console API


def test_customers_and_labels(stack, users):
    agent = users("agent")
    assert agent.get("/api/agent/customers").json() == {"customers": sorted(CUSTOMERS)}
    labels = {
        label["name"]: label["title"] for label in agent.get("/api/agent/labels").json()["labels"]
    }
    for faq_id, entry in corpus_entries(stack.project).items():
        assert labels[f"faq/{faq_id}"] == entry.title
    assert {"check_order_status", "out_of_scope", "greet"} <= set(labels)
    assert "nlu_fallback" not in labels and "faq" not in labels


def test_inspect_shows_tokens_rankings_and_the_visitors_answer(stack, users):
    response = users("agent").post("/api/agent/inspect", json={"text": "解約方法を教えて"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["text"] == "解約方法を教えて"
    assert "解約" in [token["text"] for token in body["tokens"]]
    for token in body["tokens"]:
        assert body["text"][token["start"] : token["end"]] and token["pos"]
    assert body["intent_ranking"][0]["name"] == "faq"
    assert all(0 <= i["confidence"] <= 1 for i in body["intent_ranking"])
    top = body["faq_ranking"][0]
    assert top == {**top, "label": "faq/cancellation_method", "title": "解約方法"}
    assert all(item["title"] for item in body["faq_ranking"])
    # the dense (meaning) and lexical (BM25) parts beside the fused score, for each candidate
    assert set(top["scores"]) == {"dense", "lexical", "fused"}
    assert top["scores"]["dense"] > 0.8 and top["scores"]["lexical"] > 0
    fused = [item["scores"]["fused"] for item in body["faq_ranking"]]
    assert fused == sorted(fused, reverse=True)
    assert body["scope"]["out_of_scope"] is False
    assert body["answers"]["visitor"][0]["text"] == corpus_answer(
        stack.project, "cancellation_method"
    )
    assert "customer" not in body["answers"]


def test_inspect_as_a_customer_answers_with_their_data(users):
    response = users("agent").post(
        "/api/agent/inspect", json={"text": ORDER_QUESTION, "as": "yamada"}
    )
    assert response.status_code == 200, response.text
    answers = response.json()["answers"]
    visitor, customer = said(answers["visitor"]), said(answers["customer"]["replies"])
    assert answers["customer"]["username"] == "yamada"
    assert "ORD-10000001" in customer and "ORD-10000005" in customer
    assert "ORD-" not in visitor and "ログイン" in visitor
    assert visitor != customer


@pytest.mark.parametrize("as_user", ["nobody", "", "agent", 5, ["yamada"]])
def test_inspect_as_an_unknown_customer_is_422(users, as_user):
    response = users("agent").post(
        "/api/agent/inspect", json={"text": ORDER_QUESTION, "as": as_user}
    )
    japanese_error(response, 422)


def test_inspect_names_the_predicted_faq_entry_by_label_and_title(users):
    body = users("agent").post("/api/agent/inspect", json={"text": FAQ_QUESTION}).json()
    assert body["predicted"] == "faq/cancellation_method"
    assert body["predicted_title"] == "解約方法"


def test_batch_gives_one_row_per_line(users):
    questions = "解約方法を教えて\n\n  支払い方法は?  \nこんにちは\n"
    response = users("agent").post("/api/agent/batch", json={"questions": questions})
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert [row["text"] for row in rows] == ["解約方法を教えて", "支払い方法は?", "こんにちは"]
    for row in rows:
        assert row["predicted"] and 0 <= row["confidence"] <= 1
        assert isinstance(row["fallback"], bool)
    assert rows[2]["predicted"] == "greet"


@pytest.mark.parametrize(
    "questions",
    [
        "\n".join(f"質問{i}" for i in range(201)),
        "",
        " \n \n",
        5,
        ["ok", 5],
        "解約\n" + "あ" * 501,
    ],
    ids=["201-lines", "empty", "blank-lines", "number", "list-with-number", "501-char-line"],
)
def test_batch_refuses_bad_input(users, questions):
    response = users("agent").post("/api/agent/batch", json={"questions": questions})
    message = japanese_error(response, 422)
    if isinstance(questions, str) and questions.count("\n") == 200:
        assert "200件" in message


def test_batch_of_exactly_200_lines_is_accepted(users):
    questions = ["解約方法", "違約金", "支払い方法", "請求書"] * 50
    response = users("agent").post("/api/agent/batch", json={"questions": questions})
    assert response.status_code == 200 and len(response.json()["rows"]) == 200


def fallback_questions(agent) -> List[str]:
    """Questions the running model sends to nlu_fallback (checked, not assumed)."""
    found = []
    for text in ("確認したい", "できますか", "届かない", "それはどうなりますか"):
        ranking = agent.post("/api/agent/inspect", json={"text": text}).json()["intent_ranking"]
        if ranking and ranking[0]["name"] == "nlu_fallback":
            found.append(text)
    return found


def test_batch_marks_the_questions_the_model_falls_back_on(users):
    agent = users("agent")
    fallbacks = fallback_questions(agent)
    assert fallbacks, "none of the sample questions falls back with this model"
    rows = agent.post("/api/agent/batch", json={"questions": fallbacks}).json()["rows"]
    assert all(row["fallback"] for row in rows)


def test_judgements_are_saved_and_listed(users):
    agent = users("agent")
    right = {
        "text": "解約のやり方を知りたい",
        "predicted": "faq/cancellation_method",
        "correct": True,
    }
    wrong = {
        "text": "領収書っていただけるんですか",
        "predicted": "faq/invoice_issuance",
        "correct": False,
        "label": "faq/receipt",
    }
    out_of_scope = {"text": "今日の天気は?", "correct": False, "label": "out_of_scope"}
    saved = []
    for body in (right, wrong, out_of_scope):
        response = agent.post("/api/agent/judgements", json=body)
        assert response.status_code == 200, response.text
        saved.append(response.json()["judgement"])
    assert saved[0]["label"] == "faq/cancellation_method"  # a right answer keeps its label
    assert saved[0]["judged_by"] == "agent"
    listed = {j["id"]: j for j in agent.get("/api/agent/judgements").json()["judgements"]}
    for judgement, body in zip(saved, (right, wrong, out_of_scope)):
        assert listed[judgement["id"]] == judgement
        assert judgement["text"] == body["text"] and judgement["correct"] is body["correct"]
    ids = [j["id"] for j in agent.get("/api/agent/judgements").json()["judgements"]]
    assert ids == sorted(ids)


@pytest.mark.parametrize(
    "body",
    [
        {"text": "解約したい", "correct": False, "label": "faq/no_such_entry"},
        {"text": "解約したい", "correct": False, "label": "nlu_fallback"},
        {"text": "解約したい", "correct": False},
        {"text": "解約したい", "correct": True},
        {"text": "解約したい", "correct": "yes", "label": "faq/receipt"},
        {"text": "解約したい", "correct": False, "label": "faq/receipt", "predicted": 3},
        {"text": "", "correct": False, "label": "faq/receipt"},
    ],
)
def test_a_judgement_with_an_unknown_label_or_bad_field_is_422(users, body):
    agent = users("agent")
    count = len(agent.get("/api/agent/judgements").json()["judgements"])
    japanese_error(agent.post("/api/agent/judgements", json=body), 422)
    assert len(agent.get("/api/agent/judgements").json()["judgements"]) == count


def test_a_right_faq_answer_judged_as_the_console_sends_it_is_saved(users):
    agent = users("agent")
    seen = agent.post("/api/agent/inspect", json={"text": FAQ_QUESTION}).json()
    body = {
        "text": FAQ_QUESTION,
        "predicted": seen["predicted"],
        "correct": True,
        "label": seen["predicted"],
    }
    response = agent.post("/api/agent/judgements", json=body)
    assert response.status_code == 200, response.text


def test_export_lists_judged_questions_under_their_entry_and_skips_known_ones(stack, users):
    agent = users("agent")
    entries = corpus_entries(stack.project)
    new_question = "領収書を経理用に発行してもらうことはできますか(テスト)"
    known_example = entries["cancellation_fee"].examples[0].text
    known_question = entries["cancellation_method"].question.rstrip("。") + "!!"  # same words
    judged = [
        {
            "text": new_question,
            "correct": False,
            "label": "faq/receipt",
            "predicted": "faq/invoice_type",
        },
        {"text": known_example, "correct": False, "label": "faq/cancellation_fee"},
        {"text": known_question, "correct": True, "predicted": "faq/cancellation_method"},
        {"text": "配送業者を選べますか(テスト)", "correct": False, "label": "out_of_scope"},
    ]
    for body in judged:
        assert agent.post("/api/agent/judgements", json=body).status_code == 200
    response = agent.get("/api/agent/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/yaml")
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.startswith("#")
    exported = yaml.safe_load(response.text)
    assert isinstance(exported, dict)
    assert set(exported) <= set(entries)
    assert new_question in exported["receipt"]
    everything = [text for texts in exported.values() for text in texts]
    assert len(everything) == len(set(map(normalized_question, everything)))
    for text in (known_example, known_question, "配送業者を選べますか(テスト)"):
        assert text not in everything
    corpus = {
        normalized_question(t)
        for e in entries.values()
        for t in [e.question] + [i.text for i in e.examples + e.tests]
    }
    assert not corpus & set(map(normalized_question, everything))


def test_insights_count_the_logged_turns_and_list_fallbacks(stack, users):
    agent = users("agent")
    before = agent.get("/api/agent/insights").json()
    fallbacks = fallback_questions(agent)
    gibberish = "ほげほげ ふがふが"
    # Each fallback question twice: the list is the 20 most frequent, and other tests may have
    # logged many one-off fallbacks before.
    sent = [gibberish, FAQ_QUESTION, *fallbacks, *fallbacks]
    for text in sent:  # each in a conversation of its own, as separate visitors ask
        with stack.client() as client:
            ask(client, text)
    after = agent.get("/api/agent/insights").json()
    assert after["turns"] == before["turns"] + len(sent)
    assert sum(day["turns"] for day in after["per_day"]) == after["turns"]
    journal = Journal(f"sqlite:///{stack.project / 'store.sqlite3'}")
    try:
        logged = {turn.text: turn for turn in journal.turns(None, len(sent)) if turn.text in sent}
    finally:
        journal.close()
    assert set(logged) == set(sent)
    # Gibberish is either not understood (fallback) or understood as out of scope.
    assert logged[gibberish].intent in ("nlu_fallback", "out_of_scope")
    # Out of scope says what the chat answers (no center: the seed names none for other
    # matters); not understood, it points to the contact centers.
    expected = "このチャットでは" if logged[gibberish].intent == "out_of_scope" else CONTACT_CENTER
    assert logged[gibberish].outcome == "ok" and expected in logged[gibberish].reply
    assert logged[FAQ_QUESTION].intent == "faq" and not logged[FAQ_QUESTION].fallback
    listed = {item["text"]: item["count"] for item in after["fallback"]}
    for text, turn in logged.items():
        assert turn.fallback == (turn.intent == "nlu_fallback")
        if turn.fallback:
            assert listed.get(text, 0) >= sent.count(text), text
    assert fallbacks, "no sample question falls back with this model"
    assert 0 < after["fallback_rate"] <= 1
    if len(after["fallback"]) < 20:  # the whole list: the rate is its share of all turns
        fallback_turns = sum(item["count"] for item in after["fallback"])
        assert after["fallback_rate"] == pytest.approx(fallback_turns / after["turns"], abs=1e-4)


def test_insights_group_the_unanswered_questions_by_meaning(stack, users):
    from bot.store import TurnRecord

    wordings = ["ポイントの有効期限はいつまでですか", "貯まったポイントはいつ失効しますか",
                "ポイントの期限が切れるのはいつですか"]  # fmt: skip
    unrelated = "駐車場はありますか"
    journal = Journal(f"sqlite:///{stack.project / 'store.sqlite3'}")
    try:  # logged as the chat logs them; 12 customers each, so they rank among the first
        for n, text in enumerate(wordings * 12 + [unrelated] * 12):
            record = TurnRecord(f"groups-{n}", None, text, "nlu_fallback", None, None, True, "")
            turn_id = journal.log_turn(record)
        journal.set_feedback(turn_id, f"groups-{n}", "unhelpful")
    finally:
        journal.close()
    groups = users("agent").get("/api/agent/insights").json()["groups"]
    by_text = {q["text"]: g for g in groups for q in g["questions"]}
    points = by_text[wordings[0]]
    assert sorted(q["text"] for q in points["questions"]) == sorted(wordings)
    assert (points["customers"], points["turns"], points["unhelpful_share"]) == (36, 36, 0.0)
    assert by_text[unrelated]["id"] != points["id"]
    assert by_text[unrelated]["unhelpful_share"] > 0
    assert points["nearest_faq_id"] in corpus_entries(stack.project)
    assert points["nearest_title"] and 0 < points["nearest_similarity"] <= 1
    assert points["first_seen"] <= points["last_seen"]
    assert [g["customers"] for g in groups] == sorted(
        (g["customers"] for g in groups), reverse=True
    )


def test_the_turn_log_records_which_faq_entry_answered(stack):
    question = corpus_entries(stack.project)["cancellation_fee"].question
    with stack.client() as client:
        assert ask(client, question)[0]["text"] == corpus_answer(stack.project, "cancellation_fee")
    journal = Journal(f"sqlite:///{stack.project / 'store.sqlite3'}")
    try:
        turn = journal.turns(None, 1)[-1]
    finally:
        journal.close()
    assert turn.text == question and turn.intent == "faq"
    assert turn.faq_id == "cancellation_fee"
