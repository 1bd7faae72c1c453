"""The customer's feedback on an answer, against the running stack: POST /api/feedback.

One value per answer, stored on the turn; a repeat changes nothing; after the first
役に立たなかった the bot offers the turn's other candidates and the right contact center.
"""

from __future__ import annotations

import re
from typing import Iterator, List

import httpx
import pytest
from sqlalchemy import select

from bot.faq.titles import faq_titles
from bot.serving.actions_server import free_port
from bot.store import Journal
from bot.store.models import Turn
from tests.web.api import (
    JAPANESE,
    app_client,
    corpus_entries,
    japanese_error,
    logged_in,
    said,
)

OPEN_OR_CLOSED = re.compile(r"現在、電話窓口は受付時間(内|外)です")
# Questions answered by one entry while the bot also thought of others.
AMBIGUOUS = ("請求書について知りたい", "契約の変更をしたい", "支払いについて", "注文について")
NOT_FOUND = "ご意見をお送りいただく回答が見つかりませんでした"


@pytest.fixture
def journal(stack) -> Iterator[Journal]:
    opened = Journal(f"sqlite:///{stack.project / 'store.sqlite3'}")
    try:
        yield opened
    finally:
        opened.close()


def answered(client: httpx.Client, text: str) -> tuple[int, List[dict]]:
    """Asks `text`; the answer's turn id (on the body and on its last bubble) and its replies."""
    response = client.post("/api/chat", json={"text": text})
    assert response.status_code == 200, response.text
    body = response.json()
    turn_id = body["turn_id"]
    assert isinstance(turn_id, int) and turn_id > 0
    assert body["replies"][-1]["turn_id"] == turn_id
    assert all("turn_id" not in reply for reply in body["replies"][:-1])
    return turn_id, body["replies"]


def rate(client: httpx.Client, turn_id, feedback, status: int = 200) -> httpx.Response:
    response = client.post("/api/feedback", json={"turn_id": turn_id, "feedback": feedback})
    assert response.status_code == status, response.text
    return response


def feedback_time(journal: Journal, turn_id: int):
    with journal.engine.connect() as connection:
        query = select(Turn.feedback_at).where(Turn.id == turn_id)
        return connection.execute(query).scalar_one()


def history(client: httpx.Client) -> List[dict]:
    return client.get("/api/session").json()["history"]


def expected_offer(stack, turn) -> List[str]:
    """Titles of the turn's other FAQ candidates worth offering, best first (at most three)."""
    titles = faq_titles(str(stack.project / "faq_corpus"))
    ids = [label.split("/", 1)[1] for label, _ in turn.candidates if label.startswith("faq/")]
    scores = dict(turn.candidates)
    return [
        titles[i][0] for i in ids if i != turn.faq_id and i in titles and scores[f"faq/{i}"] >= 0.05
    ][:3]


# ---------------------------------------------------------------- what a turn keeps


def test_an_answer_carries_its_turn_id_and_keeps_its_candidates(stack, visitor, journal):
    entry = corpus_entries(stack.project)["cancellation_fee"]
    turn_id, _ = answered(visitor, entry.question)
    turn = journal.turn(turn_id)
    assert turn.faq_id == "cancellation_fee" and turn.feedback is None
    assert 1 <= len(turn.candidates) <= 5
    assert turn.candidates[0][0] == "faq/cancellation_fee"
    confidences = [confidence for _, confidence in turn.candidates]
    assert confidences == sorted(confidences, reverse=True)
    assert history(visitor)[-1]["turn_id"] == turn_id  # a reload can still show the buttons


def test_the_privacy_warning_and_an_apology_cannot_be_rated(stack):
    with stack.client() as client:
        response = client.post("/api/chat", json={"text": "カード番号は4111 1111 1111 1111です"})
        replies = response.json()["replies"]
        assert len(replies) >= 2 and "turn_id" not in replies[0]  # the warning
    dead = f"http://127.0.0.1:{free_port()}"
    with app_client(stack, rasa_url=dead, actions_url=dead, rasa_timeout_s=5) as client:
        response = client.post("/api/chat", json={"text": "解約方法を教えてください"})
        assert response.status_code == 503
        assert all("turn_id" not in reply for reply in response.json()["replies"])


# ---------------------------------------------------------------- one value per answer


def test_helpful_is_stored_once_and_a_repeat_changes_nothing(stack, visitor, journal):
    turn_id, _ = answered(visitor, "解約方法を教えてください")
    count = journal.turn_count()
    first = rate(visitor, turn_id, "helpful").json()
    assert first == {"turn_id": turn_id, "feedback": "helpful", "replies": []}
    kept, at = history(visitor), feedback_time(journal, turn_id)
    assert at is not None
    assert rate(visitor, turn_id, "helpful").json() == first
    assert feedback_time(journal, turn_id) == at  # the repeat did not even touch the row
    assert history(visitor) == kept
    assert journal.turn_count() == count  # no row added, the turn's own row changed
    assert journal.turn(turn_id).feedback == "helpful"
    assert [t.feedback for t in journal.turns(None, 5000) if t.id == turn_id] == ["helpful"]
    assert kept[-1]["feedback"] == "helpful"  # a reload shows the chosen button


def test_unhelpful_offers_the_other_candidates_and_the_contact_center_once(stack, visitor, journal):
    for question in AMBIGUOUS:
        turn_id, _ = answered(visitor, question)
        offer = expected_offer(stack, journal.turn(turn_id))
        if offer:
            break
    else:
        pytest.fail(f"none of {AMBIGUOUS} kept another candidate worth offering")
    answered_title = faq_titles(str(stack.project / "faq_corpus"))[journal.turn(turn_id).faq_id][0]

    body = rate(visitor, turn_id, "unhelpful").json()
    assert body["feedback"] == "unhelpful"
    replies = body["replies"]
    buttons = replies[0]["buttons"]
    assert [b["title"] for b in buttons] == offer and answered_title not in offer
    titles = faq_titles(str(stack.project / "faq_corpus"))
    questions = {title: question for title, question in titles.values()}
    assert all(b["payload"] == questions[b["title"]] for b in buttons)  # a click asks that entry
    contact = "\n".join(reply["text"] for reply in replies[1:])
    assert re.search(r"0120-\d{3}-?\d{3,4}", contact) and OPEN_OR_CLOSED.search(contact)
    assert all("turn_id" not in reply for reply in replies)  # a follow-up is not rated itself
    kept = history(visitor)
    assert [h["text"] for h in kept[-len(replies) :]] == [r["text"] for r in replies]

    assert rate(visitor, turn_id, "unhelpful").json()["replies"] == []  # a repeat: nothing new
    assert history(visitor)[: len(kept) - len(replies)] == kept[: len(kept) - len(replies)]
    assert len(history(visitor)) == len(kept)
    assert journal.turn(turn_id).feedback == "unhelpful"


def test_a_change_of_mind_replaces_the_value_and_never_repeats_the_offer(visitor, journal):
    turn_id, _ = answered(visitor, "支払い方法を教えて")
    assert rate(visitor, turn_id, "helpful").json()["replies"] == []
    changed = rate(visitor, turn_id, "unhelpful").json()
    assert changed["feedback"] == "unhelpful" and changed["replies"]  # the first 役に立たなかった
    assert journal.turn(turn_id).feedback == "unhelpful"
    assert rate(visitor, turn_id, "helpful").json()["replies"] == []
    assert journal.turn(turn_id).feedback == "helpful"
    size = len(history(visitor))
    assert rate(visitor, turn_id, "unhelpful").json()["replies"] == []
    assert len(history(visitor)) == size and journal.turn(turn_id).feedback == "unhelpful"
    assert history(visitor)[-len(changed["replies"]) - 1]["feedback"] == "unhelpful"


def test_a_change_of_payment_method_names_the_billing_center(stack, visitor):
    # The seed sends a change of 請求先 or お支払方法 to the billing center (issue 23).
    turn_id, _ = answered(visitor, corpus_entries(stack.project)["billing_payment_change"].question)
    contact = said(rate(visitor, turn_id, "unhelpful").json()["replies"])
    assert "ビリングカスタマセンタ" in contact and "0120-047-128" in contact
    assert "0120-003300" not in contact


def test_order_changes_go_to_the_inquiry_form_and_cancellation_to_the_phone(stack):
    # As the seed routes them, whoever asks: a web-only plan changes neither route (issue 23).
    entries = corpus_entries(stack.project)
    with logged_in(stack, "sato") as sato:  # sato's latest order is a web-only plan
        turn_id, _ = answered(sato, entries["order_change_cancel"].question)
        contact = said(rate(sato, turn_id, "unhelpful").json()["replies"])
        assert "「お問い合わせ」" in contact and "0120-003300" not in contact
        turn_id, _ = answered(sato, entries["cancellation_method"].question)
        contact = said(rate(sato, turn_id, "unhelpful").json()["replies"])
        assert "0120-003300" in contact and OPEN_OR_CLOSED.search(contact)
        assert "お電話では受け付けておりません" not in contact
    with stack.client() as visitor:
        turn_id, _ = answered(visitor, entries["order_change_cancel"].question)
        contact = said(rate(visitor, turn_id, "unhelpful").json()["replies"])
    assert "「お問い合わせ」" in contact


def test_only_masked_text_is_stored_and_shown(stack, journal):
    card = "4111 1111 1111 1111"
    with stack.client() as client:
        response = client.post("/api/chat", json={"text": f"カード{card}で支払いたい"})
        turn_id = response.json()["turn_id"]
        replies = rate(client, turn_id, "unhelpful").json()["replies"]
        shown = str(history(client))
    assert replies and card not in said(replies) and card not in shown
    turn = journal.turn(turn_id)
    assert card not in turn.text and "1111" in turn.text and turn.feedback == "unhelpful"


# ---------------------------------------------------------------- refusals


def test_an_unknown_turn_and_another_sessions_turn_get_the_same_404(stack, journal):
    with stack.client() as owner, stack.client() as other:
        turn_id, _ = answered(owner, "解約方法を教えてください")
        answered(other, "支払い方法を教えて")  # the other has a session and turns of its own
        foreign = japanese_error(rate(other, turn_id, "unhelpful", 404), 404)
        unknown = japanese_error(rate(other, turn_id + 10**9, "helpful", 404), 404)
        assert foreign == unknown and NOT_FOUND in foreign
        with stack.client() as stranger:  # no session at all
            assert japanese_error(rate(stranger, turn_id, "helpful", 404), 404) == foreign
            assert "faqbot_session" not in stranger.cookies
        assert journal.turn(turn_id).feedback is None  # nobody else changed the owner's turn
        assert rate(owner, turn_id, "helpful").json()["feedback"] == "helpful"


OWN = object()  # the id of the visitor's own answer
WRONG_FIELDS = {
    "no-turn-id": ({"feedback": "helpful"}, "turn_id"),
    "turn-id-string": ({"turn_id": "1", "feedback": "helpful"}, "turn_id"),
    "turn-id-float": ({"turn_id": 1.0, "feedback": "helpful"}, "turn_id"),
    "turn-id-bool": ({"turn_id": True, "feedback": "helpful"}, "turn_id"),
    "turn-id-zero": ({"turn_id": 0, "feedback": "helpful"}, "turn_id"),
    "turn-id-negative": ({"turn_id": -3, "feedback": "helpful"}, "turn_id"),
    "turn-id-huge": ({"turn_id": 2**64, "feedback": "helpful"}, "turn_id"),
    "turn-id-list": ({"turn_id": [1], "feedback": "helpful"}, "turn_id"),
    "turn-id-null": ({"turn_id": None, "feedback": "helpful"}, "turn_id"),
    "unknown-value": ({"turn_id": OWN, "feedback": "good"}, "feedback"),
    "upper-case": ({"turn_id": OWN, "feedback": "HELPFUL"}, "feedback"),
    "feedback-number": ({"turn_id": OWN, "feedback": 1}, "feedback"),
    "feedback-null": ({"turn_id": OWN, "feedback": None}, "feedback"),
    "feedback-list": ({"turn_id": OWN, "feedback": ["helpful"]}, "feedback"),
    "no-feedback": ({"turn_id": OWN}, "feedback"),
}


@pytest.mark.parametrize("body, field", WRONG_FIELDS.values(), ids=WRONG_FIELDS.keys())
def test_wrong_fields_get_a_japanese_422_and_store_nothing(visitor, journal, body, field):
    turn_id, _ = answered(visitor, "解約方法を教えてください")
    body = {key: turn_id if value is OWN else value for key, value in body.items()}
    size = len(history(visitor))
    response = visitor.post("/api/feedback", json=body)
    assert field in japanese_error(response, 422)
    assert journal.turn(turn_id).feedback is None
    assert len(history(visitor)) == size


@pytest.mark.parametrize(
    "content, headers, status",
    [
        pytest.param(
            b'{"turn_id": 1, "feedback": ', {"content-type": "application/json"}, 400, id="cut"
        ),
        pytest.param(b"", {"content-type": "application/json"}, 400, id="empty-body"),
        pytest.param(b'[1, "helpful"]', {"content-type": "application/json"}, 400, id="array"),
        pytest.param(b'{"turn_id": 1}', {"content-type": "text/plain"}, 415, id="text-plain"),
    ],
)
def test_bad_json_gets_a_clear_japanese_4xx(visitor, content, headers, status):
    answered(visitor, "解約方法を教えてください")
    response = visitor.post("/api/feedback", content=content, headers=headers)
    assert JAPANESE.search(japanese_error(response, status))


def test_feedback_counts_towards_the_sessions_rate_limit(stack):
    with app_client(stack, chat_rate=(3, 60)) as client:
        turn_id, _ = answered(client, "解約方法を教えてください")
        rate(client, turn_id, "helpful")
        rate(client, turn_id, "helpful")
        response = client.post("/api/feedback", json={"turn_id": turn_id, "feedback": "unhelpful"})
        assert "お待ちください" in japanese_error(response, 429)
        assert "retry-after" in response.headers
