"""Answers at answer time: a trained model ranks and answers from the snapshot its worker serves,
an edited answer or a new entry included, with no new model."""

from __future__ import annotations

import asyncio

import pytest

from bot.evaluation.context_methods import faq_ranker
from bot.knowledge.build import build_snapshot
from bot.knowledge.live import LiveKnowledge
from bot.serving.knowledge_nlg import KnowledgeNLG, answer_in_parse

NEW_ENTRY = """
  - id: invoice_reissue
    title: 請求書の再発行
    question: 請求書を紛失したので再発行してもらえますか?
    answer: |-
      【テスト】請求書の再発行は、請求書に記載の番号にお問い合わせください。
    examples:
      - 請求書をなくしたので再発行してほしい
      - 請求書を紛失しました。もう一度送ってもらえますか
      - 請求書の再発行をお願いしたい
      - 請求書が見当たらないので再送してください
      - 失くした請求書をもう一度発行してもらえる?
    tests:
      - 請求書の再発行はできますか
"""


def serve(ranker, snapshot) -> LiveKnowledge:
    live = LiveKnowledge("http://web/internal/knowledge")
    live.install(snapshot)
    ranker.use_live(live)  # as `bot serve` has it, without a web app
    return live


@pytest.fixture
def ranker(agent):
    component = faq_ranker(agent)
    yield component
    component.use_live(None)  # the model's own index again


def parse(agent, text: str) -> dict:
    return asyncio.run(agent.parse_message(text))


def test_an_edited_answer_is_answered_from_the_snapshot_without_a_new_model(agent, ranker, project):
    path = project / "faq_corpus" / "invoices.yml"
    line = "お支払い方法により、領収書のお渡し方法が異なります。"
    path.write_text(path.read_text("utf-8").replace(line, "【改定】" + line), "utf-8")
    snapshot = build_snapshot(project / "faq_corpus", project_dir=project)
    before = parse(agent, "領収書はもらえますか")["response_selector"]["faq"]["response"]
    assert before["knowledge"] is None and "【改定】" not in before["responses"][0]["text"]

    serve(ranker, snapshot)
    data = parse(agent, "領収書はもらえますか")
    response = data["response_selector"]["faq"]["response"]
    assert response["intent_response_key"] == "faq/receipt"
    assert response["knowledge"] == snapshot.id
    assert response["responses"][0]["text"].startswith("【改定】" + line)
    ranking = data["response_selector"]["faq"]["ranking"]
    assert ranking[0]["title"] == snapshot.entry("receipt")["title"]
    # and Rasa's utter_faq says exactly that text (the domain still has the old one)
    assert answer_in_parse(data, "utter_faq/receipt")["text"] == response["responses"][0]["text"]
    nlg = KnowledgeNLG(domain=agent.domain)
    agent.processor.nlg = nlg
    try:
        replies = asyncio.run(agent.handle_text("領収書はもらえますか", sender_id="k-edit"))
    finally:
        agent.processor.nlg = agent.nlg
    assert replies[0]["text"].startswith("【改定】" + line)


def test_a_new_entry_is_found_and_answered_without_a_new_model(agent, ranker, project):
    path = project / "faq_corpus" / "invoices.yml"
    path.write_text(path.read_text("utf-8").rstrip() + "\n" + NEW_ENTRY, "utf-8")
    snapshot = build_snapshot(project / "faq_corpus", project_dir=project)
    assert "faq/invoice_reissue" not in ranker._own.keys  # noqa: SLF001 - the model has not
    serve(ranker, snapshot)
    data = parse(agent, "請求書の再発行はできますか")  # its test question, never trained on
    response = data["response_selector"]["faq"]["response"]
    assert response["intent_response_key"] == "faq/invoice_reissue"
    assert response["responses"][0]["text"].startswith("【テスト】")
    assert data["intent"]["name"] == "faq"
    assert not data["scope"]["out_of_scope"]
