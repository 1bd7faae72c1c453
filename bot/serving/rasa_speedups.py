"""Fixes for slow spots of Rasa 3.6, installed by the processes that run Rasa's dialogue.

RemoteAction checks every action server response with `jsonschema.validate()`, which checks the
*schema itself* against the JSON-Schema meta-schema on every call. A profile of `make bench`
showed that re-check taking more than half of the Rasa server's CPU per turn. The patched method
validates the same response against the same schema, with a validator built (and its schema
checked) once.

Rasa opens a new aiohttp session, hence a new TCP connection, for every call to the action
server (and every model pull), and closes it afterwards. The patched `EndpointConfig.session`
lends one kept-alive session per event loop and endpoint settings instead.

Rasa sends the action server the whole tracker on every action call: every event of the
session, so the call grows with the conversation. Our actions read the slots, the latest
message and the sender, never the history: the patched call sends the events of the last
`ACTION_TURNS` user turns (the slots and the latest message are sent whole, as before).

A Rasa worker that pulls a new model from the model server loads it inside its event loop, so
every turn sent to that worker waits seconds. The patched pull loads the model in a thread:
the worker keeps answering with the old model until the new one is ready, then switches.

The policies' history states are computed once per event (bot/serving/past_states.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import weakref
from functools import lru_cache
from typing import Any, Dict

from bot.serving import past_states

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self, result: Dict[str, Any]) -> bool:
    from jsonschema import ValidationError, exceptions

    error = exceptions.best_match(_validator().iter_errors(result))
    if error is None:
        return True
    if isinstance(error, ValidationError):
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid."
        )
    raise error


def worker_name() -> str:
    """This Rasa worker, as the model server knows it: host and process id."""
    return f"{socket.gethostname()}-{os.getpid()}"


def _naming_the_worker(model_server: Any) -> Any:
    """The model server's endpoint with `worker=<host>-<pid>`: its pulls say who asks and,
    by their If-None-Match, which model that worker answers with."""
    from rasa.utils.endpoints import EndpointConfig

    return EndpointConfig(
        model_server.url,
        params={**(model_server.params or {}), "worker": worker_name()},
        headers=model_server.headers,
        basic_auth=model_server.basic_auth,
        token=model_server.token,
        token_name=model_server.token_name,
        **model_server.kwargs,
    )


async def _update_model_from_server(model_server: Any, agent: Any) -> None:
    """Rasa's own pull (rasa.core.agent), with the model loaded off the event loop."""
    import aiohttp
    from rasa.core import agent as rasa_agent
    from rasa.nlu.utils import is_url
    from rasa.utils.common import TempDirectoryPath, get_temp_dir_name

    if not is_url(model_server.url):
        raise aiohttp.InvalidURL(model_server.url)
    endpoint = _naming_the_worker(model_server)
    with TempDirectoryPath(get_temp_dir_name()) as folder:
        try:
            fingerprint = await rasa_agent._pull_model_and_fingerprint(
                endpoint, agent.fingerprint, folder
            )
            if fingerprint:
                await asyncio.get_running_loop().run_in_executor(
                    None, rasa_agent._load_and_set_updated_model, agent, folder, fingerprint
                )
                log.info("now answering with the model %s", fingerprint)
                # Ask once more at once: the 304 tells the model server this worker has it.
                await rasa_agent._pull_model_and_fingerprint(endpoint, agent.fingerprint, folder)
        except Exception:  # noqa: BLE001 - as Rasa does: keep the previous model
            log.exception("Failed to update model. The previous model will stay loaded.")


class _Lent:
    """`async with` over a shared session that stays open afterwards."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc: Any) -> None:
        return None


_SESSIONS: weakref.WeakKeyDictionary[Any, Dict[tuple, Any]] = weakref.WeakKeyDictionary()


def _shared_session(self: Any) -> _Lent:
    import aiohttp
    from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT

    sessions = _SESSIONS.setdefault(asyncio.get_running_loop(), {})  # one set per event loop
    auth = tuple(sorted((self.basic_auth or {}).items()))
    key = (tuple(sorted((self.headers or {}).items())), auth)
    session = sessions.get(key)
    if session is None or session.closed:
        session = aiohttp.ClientSession(
            headers=self.headers,
            auth=aiohttp.BasicAuth(**dict(auth)) if auth else None,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        )
        sessions[key] = session
    return _Lent(session)


ACTION_TURNS = 2  # user turns of events an action call carries


def recent_events(events: Any, turns: int = ACTION_TURNS) -> list:
    """The events from the `turns`-th last user message on (all of them if there are fewer)."""
    from rasa.shared.core.events import UserUttered

    events = list(events)
    seen = 0
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            seen += 1
            if seen == turns:
                return events[index:]
    return events


def _action_call_format(self: Any, tracker: Any, domain: Any) -> Dict[str, Any]:
    """RemoteAction's request, with the recent events only (see above)."""
    import rasa
    from rasa.shared.core.trackers import EventVerbosity

    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in recent_events(tracker.events)]
    result = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(
        self.name()
    ):
        result["domain"] = domain.as_dict()
    return result


def install() -> None:
    """Patches RemoteAction, the endpoint sessions, the model pull and the policies' history
    states (bot/serving/past_states.py) once per process."""
    from rasa.core import agent as rasa_agent
    from rasa.core.actions.action import RemoteAction
    from rasa.utils.endpoints import EndpointConfig

    RemoteAction._validate_action_result = _validate_action_result
    RemoteAction._action_call_format = _action_call_format
    rasa_agent._update_model_from_server = _update_model_from_server
    EndpointConfig.session = _shared_session
    past_states.install()
