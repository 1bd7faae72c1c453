"""Batch answers: questions in, one JSON line each out, from the latest trained model."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from typing import Any, Dict, Iterable, List, Optional, TextIO

from bot.nlu.ranking import label_ranking, predicted_label

MAX_QUESTION_CHARS = 500


def question_error(text: str) -> str | None:
    """Why a question cannot be answered, in Japanese; None when it can."""
    if not text.strip():
        return "質問が空です。質問を1行に1つ入力してください。"
    if len(text) > MAX_QUESTION_CHARS:
        return (
            f"質問が長すぎます({len(text)}文字)。{MAX_QUESTION_CHARS}文字以内に短くしてください。"
        )
    return None


def answer_text(responses: List[Dict[str, Any]]) -> str:
    """What the visitor reads: the bot's texts, one per line."""
    return "\n".join(r["text"] for r in responses if r.get("text"))


def record(
    text: str, parse: Dict[str, Any], responses: List[Dict[str, Any]], top: int = 3
) -> Dict[str, Any]:
    """The JSON object of one answered question."""
    label, confidence = predicted_label(parse)
    return {
        "text": text,
        "label": label,
        "confidence": round(confidence, 4),
        "ranking": [
            {"label": name, "confidence": round(score, 4)}
            for name, score in label_ranking(parse)[:top]
        ],
        "answer": answer_text(responses),
        "buttons": [
            {"title": b.get("title"), "payload": b.get("payload")}
            for r in responses
            for b in r.get("buttons") or []
        ],
    }


class Answerer:
    """Answers single questions with a loaded Rasa agent, each in a fresh conversation."""

    def __init__(self, agent: Any) -> None:
        self.agent = agent

    async def answer(
        self, text: str, metadata: Dict[str, Any] | None = None, top: int = 3
    ) -> Dict[str, Any]:
        """Runs one question through NLU, policies and actions."""
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        sender_id = f"ask-{uuid.uuid4().hex}"
        message = UserMessage(text, CollectingOutputChannel(), sender_id, metadata=metadata)
        responses = await self.agent.handle_message(message) or []
        tracker = await self.agent.tracker_store.retrieve(sender_id)
        parse = tracker.latest_message.parse_data if tracker else {}
        return record(text, parse, responses, top=top)


def load_agent(model_path: str, action_url: str) -> Any:
    """Loads a trained model with the action server at `action_url`."""
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    from bot.serving.rasa_speedups import install

    install()
    # the action server's shared secret (bot/serving/actions_app.py), as ?token=
    endpoint = EndpointConfig(url=action_url, token=os.environ.get("ACTIONS_TOKEN") or None)
    return Agent.load(model_path, action_endpoint=endpoint)


async def answer_stream(
    answerer: Answerer,
    lines: Iterable[str],
    out: TextIO,
    as_user: Optional[str] = None,
    top: int = 3,
) -> int:
    """Answers each input line (as `as_user` when given); returns how many lines got an error."""
    from bot.identity import METADATA_KEY, mint_token

    errors = 0
    for raw in lines:
        text = raw.rstrip("\r\n")
        error = question_error(text)
        if error:
            errors += 1
            result: Dict[str, Any] = {"text": text[:MAX_QUESTION_CHARS], "error": error}
        else:
            # A fresh short-lived token per question, through the same path as the web chat.
            metadata = {METADATA_KEY: mint_token(as_user)} if as_user else None
            try:
                result = await answerer.answer(text, metadata=metadata, top=top)
            except Exception as exc:  # one bad question must not end the batch
                errors += 1
                result = {"text": text, "error": f"回答できませんでした: {type(exc).__name__}"}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return errors


def run_batch(
    model_path: str,
    action_url: str | None,
    lines: Iterable[str],
    out: TextIO,
    top: int = 3,
    as_user: Optional[str] = None,
) -> int:
    """Loads the model once, starts the actions if needed, answers every line."""
    from bot.identity import token_secret
    from bot.serving.actions_server import running_action_server

    token_secret()  # made up now if unset, so the action server we start shares it
    with running_action_server(action_url) as url:
        answerer = Answerer(load_agent(model_path, url))
        return asyncio.run(answer_stream(answerer, lines, out, as_user=as_user, top=top))
