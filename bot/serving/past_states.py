"""The dialogue states of a conversation's history, computed once per event instead of per call.

Before each prediction Rasa's policies turn the whole history into states: `Domain.
states_for_tracker_history` replays every applied event of the session into a fresh tracker
and computes the state before each action, several times per turn (RulePolicy and the
MemoizationPolicy each ask, with different settings). A turn's cost therefore grows with the
conversation: measured on the shop's stack, 34 ms for the first 8 turns of a conversation and
70 ms for turns 88-95, most of the growth in this function.

The patched function keeps, per domain, setting and conversation, the replayed tracker, the
states so far and the loop's variables, and continues from there when the history it is given
starts with the very events (the same objects) it replayed before. Anything else (a rewind, a
restart, a tracker rebuilt from the database, another model's domain) starts from the
beginning, as Rasa does. The result is the same list of states as Rasa's: the states are copied
out of the cache, since the policies edit the states they get.
"""

from __future__ import annotations

import operator
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Dict, List, Optional, Set

# Bounds of the cache (per domain), each entry one conversation's replay under one setting
# (RulePolicy and MemoizationPolicy ask with up to 3 settings per turn). A replay helps only
# while the tracker store lends the very same tracker again (bot/serving/tracker_store.py keeps
# 2,000 conversations for 10 idle minutes; a tracker rebuilt from the database starts a replay
# over), so the bounds follow its: 3 entries for each conversation it keeps, for as long.
CACHE_SIZE = 6000
IDLE_S = 600.0


@dataclass
class _Replay:
    """Where one history's replay stands (the variables of Rasa's loop)."""

    tracker: Any  # the history's initial copy, with `events` applied
    events: List[Any] = field(default_factory=list)  # the applied events replayed so far
    raw: List[Any] = field(default_factory=list)  # the tracker's events they were applied from
    loops: Set[str] = field(default_factory=set)  # the loops those events activate
    states: List[Dict[str, Any]] = field(default_factory=list)
    last_ml_action: Any = None
    turn_was_hidden: bool = False
    at: float = 0.0  # time.monotonic() of the last call on it


_caches: Dict[int, OrderedDict[tuple, _Replay]] = {}
resumed = 0  # calls that continued a replay instead of starting over (for tests and profiling)


def _cache_of(domain: Any) -> OrderedDict[tuple, _Replay]:
    key = id(domain)
    cache = _caches.get(key)
    if cache is None:
        cache = _caches[key] = OrderedDict()
        weakref.finalize(domain, _caches.pop, key, None)
    return cache


def _copy(state: Dict[str, Any]) -> Dict[str, Any]:
    return {name: dict(sub) if isinstance(sub, dict) else sub for name, sub in state.items()}


def _step(domain: Any, replay: _Replay, hide: bool, options: tuple, keep: bool) -> None:
    """The body of Rasa's loop at one prior tracker (replay.tracker as it stands now)."""
    from rasa.shared.core.constants import PREVIOUS_ACTION

    omit_unset_slots, ignore_rule_only_turns, rule_only_data = options
    tracker = replay.tracker
    last_ml, hidden = replay.last_ml_action, replay.turn_was_hidden
    if ignore_rule_only_turns:
        if not hidden:
            last_ml = domain._get_prev_action_sub_state(tracker)
        if not tracker.followup_action and tracker.latest_action_name != tracker.active_loop_name:
            hidden = hide
    if keep:
        replay.last_ml_action, replay.turn_was_hidden = last_ml, hidden
    if ignore_rule_only_turns and hidden:
        return
    state = domain.get_active_state(tracker, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if replay.states:
            domain._substitute_rule_only_user_input(state, replay.states[-1])
        if last_ml:
            state[PREVIOUS_ACTION] = last_ml
    replay.states.append(domain._clean_state(state))


def _loops(events: Any) -> Set[str]:
    from rasa.shared.core.events import ActiveLoop

    return {e.name for e in events if isinstance(e, ActiveLoop) and e.name}


def _appended(raw: Any, replay: Optional[_Replay]) -> Optional[List[Any]]:
    """The events appended to the history the replay was made from, when they only add to Rasa's
    applied events (no restart, session start, revert, loop activation or loop action); else
    None."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        ActiveLoop,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
    )

    if replay is None or not replay.raw or len(raw) < len(replay.raw):
        return None
    if not all(map(operator.is_, raw, replay.raw)):
        return None
    added = list(islice(raw, len(replay.raw), None))
    for event in added:
        if isinstance(
            event, (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted, ActiveLoop)
        ) or (isinstance(event, ActionExecuted) and event.action_name in replay.loops):
            return None
    return added


def _bound(cache: OrderedDict[tuple, _Replay], now: float) -> None:
    """Drops the least recently used replays beyond CACHE_SIZE or idle for IDLE_S (the cache
    is in order of use: the idlest first)."""
    while cache and (len(cache) > CACHE_SIZE or now - next(iter(cache.values())).at > IDLE_S):
        cache.popitem(last=False)


def states_for_tracker_history(
    self: Any,
    tracker: Any,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Optional[Dict[str, Any]] = None,
) -> List[Dict[str, Any]]:
    """`Domain.states_for_tracker_history`, continued from the last call on the same history."""
    from rasa.shared.core.events import ActionExecuted

    global resumed
    options = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    key = (tracker.sender_id, omit_unset_slots, ignore_rule_only_turns, repr(rule_only_data))
    cache = _cache_of(self)
    replay = cache.pop(key, None)
    if replay is not None and replay.tracker.is_rule_tracker != tracker.is_rule_tracker:
        replay = None
    raw = tracker.events
    new = _appended(raw, replay)
    if new is not None:  # Rasa's applied events are the replayed ones plus these
        replay.raw.extend(new)
    else:
        events = tracker.applied_events()
        if replay is None or not (
            len(events) >= len(replay.events) and all(map(operator.is_, events, replay.events))
        ):
            replay = _Replay(tracker.init_copy())
        new = events[len(replay.events) :]
        replay.raw, replay.loops = list(raw), _loops(raw)
    if replay.events:
        resumed += 1
    for event in new:
        if isinstance(event, ActionExecuted):
            _step(self, replay, event.hide_rule_turn, options, keep=True)
        replay.tracker.update(event)
        replay.events.append(event)
    cache[key] = replay
    replay.at = time.monotonic()
    _bound(cache, replay.at)
    # The state after the last event: computed on every call, never kept (more events follow).
    kept = len(replay.states)
    _step(self, replay, False, options, keep=False)
    states = [_copy(state) for state in replay.states]
    del replay.states[kept:]
    return states


_rasas: Any = None  # Rasa's own function, once it is patched


def rasas_states_for_tracker_history() -> Any:
    """Rasa's unpatched `Domain.states_for_tracker_history` (for comparisons)."""
    from rasa.shared.core.domain import Domain

    return _rasas or Domain.states_for_tracker_history


def install() -> None:
    """Patches Rasa's Domain once per process."""
    global _rasas
    from rasa.shared.core.domain import Domain

    if Domain.states_for_tracker_history is not states_for_tracker_history:
        _rasas = Domain.states_for_tracker_history
        Domain.states_for_tracker_history = states_for_tracker_history
