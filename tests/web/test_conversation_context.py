"""Follow-ups read in their conversation's context, through the real web app and Rasa.

Each turn's reading is checked in the conversation log (`turns.faq_id`, `turns.reading`), which
is also what the content team sees."""

from __future__ import annotations

import sqlite3
from typing import Optional, Tuple

import pytest

OPENING = "屋号で申し込みできる?"  # no_corporate_number
FOLLOW_UP = "何か書類いる?"  # elliptical: documents for what? (alone it reads like a receipt)


def chat(client, text: str) -> None:
    response = client.post("/api/chat", json={"text": text})
    assert response.status_code == 200, response.text


def last_turn(stack, text: str) -> Tuple[Optional[str], Optional[str], Optional[str]]:
    """(intent, faq_id, reading) of the newest logged turn with this text."""
    with sqlite3.connect(stack.project / "store.sqlite3") as db:
        row = db.execute(
            "SELECT intent, faq_id, reading FROM turns WHERE text = ? ORDER BY id DESC LIMIT 1",
            (text,),
        ).fetchone()
    assert row is not None, f"{text!r} was not logged"
    return row


@pytest.fixture
def customer(stack):
    with stack.client() as client:
        yield client


def test_an_elliptical_follow_up_gets_the_entry_its_context_calls_for(stack, customer):
    chat(customer, OPENING)
    assert last_turn(stack, OPENING)[1] == "no_corporate_number"
    chat(customer, FOLLOW_UP)
    assert last_turn(stack, FOLLOW_UP)[1:] == ("no_corporate_number", "context")


def test_the_same_text_as_a_first_turn_does_not_pretend_to_know_a_context(stack, customer):
    chat(customer, FOLLOW_UP)
    _, faq_id, reading = last_turn(stack, FOLLOW_UP)
    assert reading is None  # nothing before it to lean on
    assert faq_id != "no_corporate_number"


def test_a_complete_question_on_another_topic_is_not_dragged_back(stack, customer):
    chat(customer, OPENING)
    switch = "ちなみに領収書ってもらえますか"
    chat(customer, switch)
    _, faq_id, reading = last_turn(stack, switch)
    assert (faq_id, reading) == ("receipt", "alone")


def test_a_new_session_has_no_context(stack, customer):
    chat(customer, OPENING)
    chat(customer, "/restart")
    chat(customer, FOLLOW_UP)
    _, faq_id, reading = last_turn(stack, FOLLOW_UP)
    assert reading is None
    assert faq_id != "no_corporate_number"


def test_context_never_crosses_conversations(stack):
    with stack.client() as first, stack.client() as second:
        chat(first, OPENING)
        chat(second, "解約の手続きってどうやるんですか")
        chat(second, FOLLOW_UP)  # leans on cancellation, never on the other customer's turn
        assert last_turn(stack, FOLLOW_UP)[1] != "no_corporate_number"
        chat(first, FOLLOW_UP)
        assert last_turn(stack, FOLLOW_UP)[1:] == ("no_corporate_number", "context")


def test_the_agent_console_shows_a_turn_read_alone_and_in_context(stack):
    with stack.login("agent") as agent:
        response = agent.post("/api/agent/inspect", json={"text": FOLLOW_UP, "earlier": [OPENING]})
        assert response.status_code == 200, response.text
        reading = response.json()["context_reading"]
        assert reading["used"] == "context"
        assert reading["in_context"]["label"] == "no_corporate_number"
        assert reading["alone"]["label"] != "no_corporate_number"
        assert reading["in_context"]["title"] != "no_corporate_number"  # the entry's title
        assert reading["why"]
        alone = agent.post("/api/agent/inspect", json={"text": FOLLOW_UP}).json()
        assert alone["context_reading"] is None  # no earlier turns: nothing to lean on
        wrong = agent.post("/api/agent/inspect", json={"text": FOLLOW_UP, "earlier": "x"})
        assert wrong.status_code == 422
        assert "前の発言" in wrong.json()["error"]
