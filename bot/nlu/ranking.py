"""One ranking over named intents and FAQ ids, from a Rasa parse result."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

RETRIEVAL_INTENT = "faq"
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_LABEL = "fallback"


def label_ranking(parse: Dict[str, Any]) -> List[Tuple[str, float]]:
    """(label, confidence) best first: an FAQ id scores P(faq) x P(id | faq)."""
    intents = parse.get("intent_ranking") or ([parse["intent"]] if parse.get("intent") else [])
    selector = (parse.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    candidates = selector.get("ranking") or []
    ranking: List[Tuple[str, float]] = []
    for intent in intents:
        name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
        if not name or name == FALLBACK_INTENT:
            continue
        if name != RETRIEVAL_INTENT:
            ranking.append((name, confidence))
            continue
        for candidate in candidates:
            key = candidate.get("intent_response_key") or ""
            faq_id = key.split("/", 1)[1] if "/" in key else key
            ranking.append((faq_id, confidence * float(candidate.get("confidence") or 0.0)))
        if not candidates:
            ranking.append((name, confidence))
    ranking.sort(key=lambda item: item[1], reverse=True)
    return ranking


def predicted_label(parse: Dict[str, Any]) -> Tuple[str, float]:
    """The label the bot acts on: `fallback` when the pipeline was not confident."""
    intent = parse.get("intent") or {}
    ranking = label_ranking(parse)
    if intent.get("name") == FALLBACK_INTENT or not ranking:
        return FALLBACK_LABEL, ranking[0][1] if ranking else 0.0
    return ranking[0]


def titles_in_parse(parse: Dict[str, Any]) -> Dict[str, Tuple[str, str]]:
    """FAQ id -> (title, canonical question) as the knowledge snapshot that ranked the turn has
    them (the FAQ ranker puts them on its candidates); empty for a model's own index."""
    selector = (parse.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
    out: Dict[str, Tuple[str, str]] = {}
    for candidate in selector.get("ranking") or []:
        key = str(candidate.get("intent_response_key") or "")
        if candidate.get("title") and candidate.get("question") and "/" in key:
            out[key.split("/", 1)[1]] = (str(candidate["title"]), str(candidate["question"]))
    return out
