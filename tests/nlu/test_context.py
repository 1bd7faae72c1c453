"""The context of a turn: the same conversation's session only, masked texts, the last entry."""

from __future__ import annotations

from rasa.shared.core.events import ActionExecuted, Restarted, SessionStarted, UserUttered

from bot.nlu.context import context_from_events, context_from_turns


def answered(faq_id: str) -> dict:
    return {
        "intent": {"name": "faq", "confidence": 0.99},
        "response_selector": {"faq": {"response": {"intent_response_key": f"faq/{faq_id}"}}},
    }


FALLBACK = {"intent": {"name": "nlu_fallback", "confidence": 0.3}}


def test_no_earlier_turn_is_no_context():
    assert context_from_turns([]) == {}
    assert context_from_events([SessionStarted(), ActionExecuted("action_listen")]) == {}


def test_the_last_questions_and_the_entry_last_answered():
    turns = [
        ("請求書はいつ届く?", answered("invoice_timing")),
        ("紙で?", answered("invoice_type")),
        ("ありがとう", {"intent": {"name": "thank"}}),
    ]
    assert context_from_turns(turns) == {
        "questions": ["紙で?", "ありがとう"],
        "entry": "invoice_type",
    }


def test_an_old_entry_is_no_context_for_the_next_question():
    turns = [("解約したい", answered("cancellation_method"))] + [("え?", FALLBACK)] * 2
    assert context_from_turns(turns)["entry"] is None


def test_button_payloads_are_not_questions():
    assert context_from_turns([("/deny", FALLBACK)]) == {}


def test_a_new_session_or_a_restart_forgets_what_came_before():
    before = UserUttered("解約したい", parse_data=answered("cancellation_method"))
    after = UserUttered("違約金は?", parse_data=answered("cancellation_fee"))
    for reset in (SessionStarted(), Restarted()):
        assert context_from_events([before, reset]) == {}
        assert context_from_events([before, reset, after]) == {
            "questions": ["違約金は?"],
            "entry": "cancellation_fee",
        }


def test_events_as_the_tracker_store_keeps_them_as_json():
    events = [
        {"event": "session_started"},
        {"event": "user", "text": "解約したい", "parse_data": answered("cancellation_method")},
        {"event": "bot", "text": "解約は…"},
    ]
    assert context_from_events(events) == {
        "questions": ["解約したい"],
        "entry": "cancellation_method",
    }
