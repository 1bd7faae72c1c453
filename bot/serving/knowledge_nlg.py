"""Rasa's response generator, with FAQ answers taken from the turn's own knowledge snapshot.

`utter_faq` (Rasa's retrieval action) asks the generator for `utter_faq/<id>`. The FAQ ranker
put that entry's answer, as the snapshot that ranked the question has it, into the parse
(`response_selector.faq.response.responses`): this generator answers with exactly that text,
so an answer edit is live as soon as the snapshot is, without a new model, and a turn is never
ranked by one snapshot and answered by another. Every other response comes from the domain,
as with Rasa's own generator (`endpoints.yml`: `nlg: type: bot.serving.knowledge_nlg.KnowledgeNLG`).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator

FAQ_PREFIX = "utter_faq/"


def answer_in_parse(parse_data: Dict[str, Any], utter_action: str) -> Optional[Dict[str, Any]]:
    """The answer the FAQ ranker chose for `utter_action`, if the parse holds it."""
    for selected in (parse_data.get("response_selector") or {}).values():
        if not isinstance(selected, dict):
            continue
        response = selected.get("response") or {}
        responses = response.get("responses") or []
        if response.get("utter_action") == utter_action and responses:
            first = responses[0]
            if isinstance(first, dict) and first.get("text"):
                out: Dict[str, Any] = {"text": first["text"]}
                if response.get("knowledge"):
                    out["knowledge"] = response["knowledge"]
                return out
    return None


class KnowledgeNLG(TemplatedNaturalLanguageGenerator):
    """Domain responses, but FAQ answers from the parse (see the module docstring)."""

    def __init__(self, endpoint_config: Any = None, domain: Any = None) -> None:
        super().__init__(domain.responses if domain is not None else {})

    async def generate(
        self, utter_action: str, tracker: Any, output_channel: str, **kwargs: Any
    ) -> Optional[Dict[str, Any]]:
        if utter_action.startswith(FAQ_PREFIX) and tracker.latest_message is not None:
            found = answer_in_parse(tracker.latest_message.parse_data or {}, utter_action)
            if found is not None:
                return found
        return await super().generate(utter_action, tracker, output_channel, **kwargs)
