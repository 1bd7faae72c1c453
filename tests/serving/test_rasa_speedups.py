"""The faster action-response check accepts and refuses exactly what Rasa's own does."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

from bot.serving.rasa_speedups import _validate_action_result, install

GOOD = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "こんにちは"}]},
    {},
]
BAD = [
    {"events": "not a list"},
    {"events": [{"no_event_key": 1}]},
    {"responses": "text"},
]


@pytest.mark.parametrize("result", GOOD)
def test_good_responses_pass_both(result):
    validate(result, RemoteAction.action_response_format_spec())
    assert _validate_action_result(None, result) is True


@pytest.mark.parametrize("result", BAD)
def test_bad_responses_fail_both(result):
    with pytest.raises(ValidationError):
        validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        _validate_action_result(None, result)


def test_install_patches_remote_action():
    install()
    assert RemoteAction._validate_action_result is _validate_action_result


def test_endpoint_calls_share_one_open_session_per_event_loop():
    import asyncio

    from rasa.utils.endpoints import EndpointConfig

    install()

    async def sessions():
        endpoint = EndpointConfig("http://127.0.0.1:1/webhook")
        async with endpoint.session() as first:
            pass
        async with EndpointConfig("http://127.0.0.1:2/webhook").session() as second:
            pass
        with_headers = EndpointConfig("http://127.0.0.1:1/webhook", headers={"X-A": "1"})
        async with with_headers.session() as third:
            pass
        assert not first.closed  # kept alive for the next call
        result = (first, second, third)
        for session in {id(s): s for s in result}.values():
            await session.close()
        return result

    one, two, three = asyncio.run(sessions())
    assert one is two and one is not three
    assert asyncio.run(sessions())[0] is not one  # a new event loop gets its own


def test_an_action_call_carries_the_recent_turns_and_all_slots():
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from bot.serving.rasa_speedups import recent_events
    from tests.conftest import ROOT

    install()
    domain = Domain.load(str(ROOT / "domain.yml"))
    slot = next(iter(domain.slots)).name
    tracker = DialogueStateTracker("c", domain.slots)
    tracker.update(SlotSet(slot, "kept from turn 0"))
    for i in range(40):
        tracker.update(UserUttered(f"turn {i}", intent={"name": "faq", "confidence": 1.0}))
        tracker.update(BotUttered(f"answer {i}"))
        tracker.update(ActionExecuted("action_listen"))
    assert [e.text for e in recent_events(tracker.events) if isinstance(e, UserUttered)] == [
        "turn 38",
        "turn 39",
    ]
    assert len(recent_events(list(tracker.events)[:2])) == 2  # fewer turns: everything
    selective = EndpointConfig("http://127.0.0.1:1/webhook", enable_selective_domain=True)
    call = RemoteAction("action_check_order_status", selective)._action_call_format(tracker, domain)
    assert len(call["tracker"]["events"]) == 6
    assert call["tracker"]["slots"][slot] == "kept from turn 0"
    assert call["tracker"]["latest_message"]["text"] == "turn 39"
    assert "domain" not in call  # selective domain: our actions never read it
    whole = RemoteAction("action_x", EndpointConfig("http://127.0.0.1:1/webhook"))
    assert "domain" in whole._action_call_format(tracker, domain)
