"""bot/serving/past_states.py gives the policies exactly the states Rasa's own function gives,
whatever the history: random event sequences on a domain with a form and rule-only slots, and
a real conversation through the shop's trained agent."""

from __future__ import annotations

import asyncio
from typing import Any, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.serving import past_states
from bot.serving.past_states import rasas_states_for_tracker_history, states_for_tracker_history

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet", "faq", "order_status", "affirm", "deny"],
        "entities": ["order_number"],
        "slots": {
            "order_number": {
                "type": "text",
                "influence_conversation": True,
                "mappings": [{"type": "from_entity", "entity": "order_number"}],
            },
            "logged_in": {
                "type": "bool",
                "influence_conversation": True,
                "mappings": [{"type": "custom"}],
            },
            "faq_topic": {
                "type": "text",
                "influence_conversation": False,
                "mappings": [{"type": "custom"}],
            },
        },
        "forms": {"order_form": {"required_slots": ["order_number"]}},
        "actions": ["action_check_order_status", "action_did_you_mean"],
        "responses": {"utter_greet": [{"text": "こんにちは"}], "utter_faq": [{"text": "回答"}]},
    }
)
RULE_ONLY = {"slots": ["logged_in"], "loops": ["order_form"]}
OPTIONS = [
    (False, False, None),
    (True, False, None),
    (False, True, RULE_ONLY),
    (True, True, RULE_ONLY),
]
ACTIONS = [
    "action_listen",
    "utter_greet",
    "utter_faq",
    "action_check_order_status",
    "action_did_you_mean",
    "order_form",
    "action_session_start",
]


def user(intent: str, order: bool) -> UserUttered:
    entities = [{"entity": "order_number", "value": "ORD-10000001"}] if order else []
    return UserUttered(
        "ORD-10000001 は?" if order else intent,
        {"name": intent, "confidence": 0.9},
        entities,
    )


# A customer's turn inside the form: Rasa folds such turns of an active loop together.
FORM_TURN = st.builds(
    lambda intent: [
        ActionExecuted("action_listen"),
        user(intent, True),
        ActionExecuted("order_form"),
    ],
    st.sampled_from(DOMAIN.intents),
)
EVENTS = st.one_of(
    st.builds(user, st.sampled_from(DOMAIN.intents), st.booleans()),
    st.builds(
        lambda name, hide: ActionExecuted(name, hide_rule_turn=hide),
        st.sampled_from(ACTIONS),
        st.booleans(),
    ),
    st.builds(
        SlotSet,
        st.sampled_from(["order_number", "logged_in", "faq_topic"]),
        st.sampled_from([None, True, False, "ORD-10000001", "cancellation_method"]),
    ),
    st.builds(ActiveLoop, st.sampled_from(["order_form", None])),
    st.builds(FollowupAction, st.sampled_from(["utter_faq", "action_listen"])),
    st.sampled_from([UserUtteranceReverted, ActionReverted, Restarted, SessionStarted]).map(
        lambda kind: kind()
    ),
)
HISTORIES = (
    st.lists(st.one_of(EVENTS.map(lambda event: [event]), FORM_TURN), max_size=25)
    .map(lambda groups: [event for group in groups for event in group])
    .filter(bool)
)


def both(tracker: DialogueStateTracker, options: tuple) -> tuple[List[Any], List[Any]]:
    omit, ignore, rule_only = options
    ours = states_for_tracker_history(DOMAIN, tracker, omit, ignore, rule_only)
    rasas = rasas_states_for_tracker_history()(DOMAIN, tracker, omit, ignore, rule_only)
    return ours, rasas


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=HISTORIES,
    rebuild_every=st.integers(min_value=0, max_value=7),
)
def test_the_states_are_rasas_after_every_event(events, rebuild_every):
    tracker = DialogueStateTracker("random", DOMAIN.slots)
    for n, event in enumerate(events, start=1):
        tracker.update(event)
        if rebuild_every and n % rebuild_every == 0:
            # as a tracker store does: a new tracker; the same event objects, or copies of them
            copies = (
                events[:n]
                if n % 2
                else [e.__class__.from_parameters(e.as_dict()) for e in events[:n]]
            )
            tracker = DialogueStateTracker.from_events("random", copies, DOMAIN.slots)
        for options in OPTIONS:
            ours, rasas = both(tracker, options)
            assert ours == rasas, (n, options)


def form_turns(intents: List[str]) -> List[Any]:
    return [
        event
        for intent in intents
        for event in (
            ActionExecuted("action_listen"),
            user(intent, True),
            ActionExecuted("order_form"),
        )
    ]


@pytest.mark.parametrize(
    "history",
    [
        # the form asks and asks again: Rasa folds the loop's turns into one
        form_turns(["order_status"])[:3]
        + [ActiveLoop("order_form")]
        + form_turns(["faq", "affirm"])
        + [SlotSet("order_number", "ORD-10000001"), ActiveLoop(None)],
        # the loop is activated only after two of its turns: Rasa folds them afterwards
        form_turns(["order_status", "deny"]) + [ActiveLoop("order_form")] + form_turns(["affirm"]),
    ],
    ids=["loop-turns-folded", "loop-activated-late"],
)
def test_the_states_of_a_form_are_rasas(history):
    tracker = DialogueStateTracker("form", DOMAIN.slots)
    for n, event in enumerate(history, start=1):
        tracker.update(event)
        for options in OPTIONS:
            ours, rasas = both(tracker, options)
            assert ours == rasas, (n, options)


def test_a_growing_history_is_continued_not_replayed():
    tracker = DialogueStateTracker("growing", DOMAIN.slots)
    before = past_states.resumed
    for turn in range(20):
        for event in (
            user("faq", turn % 3 == 0),
            ActionExecuted("utter_faq"),
            ActionExecuted("action_listen"),
        ):
            tracker.update(event)
            for options in OPTIONS:
                ours, rasas = both(tracker, options)
                assert ours == rasas
    assert past_states.resumed - before >= 4 * (60 - 1)


def test_the_policies_cannot_edit_the_kept_states():
    tracker = DialogueStateTracker("edited", DOMAIN.slots)
    for event in (user("greet", False), ActionExecuted("utter_greet"), user("faq", True)):
        tracker.update(event)
    first = states_for_tracker_history(DOMAIN, tracker)
    for state in first:
        state.clear()
    assert states_for_tracker_history(DOMAIN, tracker) == rasas_states_for_tracker_history()(
        DOMAIN, tracker
    )


def test_the_shops_agent_predicts_with_rasas_states(agent, monkeypatch):
    calls, mismatches = [], []
    original = rasas_states_for_tracker_history()

    def shadowed(domain, tracker, *args, **kwargs):
        ours = states_for_tracker_history(domain, tracker, *args, **kwargs)
        rasas = original(domain, tracker, *args, **kwargs)
        calls.append(len(rasas))
        if ours != rasas:
            mismatches.append((len(tracker.events), args, kwargs))
        return ours

    monkeypatch.setattr(Domain, "states_for_tracker_history", shadowed)
    texts = ["こんにちは", "見積書の発行方法は?", "ありがとう", "解約したい", "違う", "支払い方法"]
    before = past_states.resumed

    async def converse() -> None:
        for k in range(24):
            await agent.handle_text(texts[k % len(texts)], sender_id="shadowed")

    asyncio.run(converse())
    assert mismatches == []
    assert len(calls) >= 24 and max(calls) > 24  # the history grew and was asked about
    assert past_states.resumed > before


def _said(sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in (user("greet", False), ActionExecuted("utter_greet")):
        tracker.update(event)
    states_for_tracker_history(DOMAIN, tracker)
    return tracker


def test_past_its_size_the_least_recently_used_replay_goes(monkeypatch):
    monkeypatch.setattr(past_states, "_caches", {})
    monkeypatch.setattr(past_states, "CACHE_SIZE", 3)
    first = _said("bound-1")
    for n in (2, 3):
        _said(f"bound-{n}")
    states_for_tracker_history(DOMAIN, first)  # used again: now the most recent
    _said("bound-4")
    kept = {key[0] for key in past_states._cache_of(DOMAIN)}
    assert kept == {"bound-1", "bound-3", "bound-4"}


def test_a_replay_idle_past_its_limit_goes(monkeypatch):
    monkeypatch.setattr(past_states, "_caches", {})
    clock = [1000.0]
    monkeypatch.setattr(past_states.time, "monotonic", lambda: clock[0])
    _said("idle-1")
    clock[0] += past_states.IDLE_S - 1
    _said("idle-2")
    clock[0] += 2  # idle-1 is idle past the limit, idle-2 is not
    _said("idle-3")
    kept = {key[0] for key in past_states._cache_of(DOMAIN)}
    assert "idle-1" not in kept and {"idle-2", "idle-3"} <= kept
