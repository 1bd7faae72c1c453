"""Rasa input channel for the web app: one NLU run per turn, and the parse comes back with it.

Like Rasa's REST channel (`/webhooks/rest/webhook`), but at `/webhooks/web/webhook`: it parses
the message once, hands that parse to the dialogue (Rasa skips its own NLU run when a message
carries parse data) and answers `{"messages": [...], "parse": {...}}`, so the web app logs how
the bot understood the turn without asking Rasa a second time. `GET /webhooks/web/model` says
which model the worker that answers has loaded, `GET /webhooks/web/workers` how many of the
server's workers answer (bot/serving/rasa_workers.py). Like Rasa's HTTP API, every route asks for
the token RASA_AUTH_TOKEN (`?token=`), which only the web app is given (`bot serve` sets both).
"""

from __future__ import annotations

import hmac
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.nlu.context import context_from_events
from bot.serving import rasa_workers
from bot.serving.rasa_speedups import install

log = logging.getLogger(__name__)
install()  # the Rasa server imports this channel at start-up (in its main process)
rasa_workers.install()  # dead workers replaced (bot/serving/rasa_workers.py)


class WebInput(RestInput):
    """`credentials.yml`: `bot.serving.channel.WebInput:` (no settings)."""

    @classmethod
    def name(cls) -> str:
        return "web"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("web_webhook", __name__)
        token = os.environ.get("RASA_AUTH_TOKEN", "").encode()

        @hook.middleware("request")
        async def needs_the_token(request: Request) -> Optional[HTTPResponse]:
            given = (request.args.get("token") or "").encode()
            if token and not hmac.compare_digest(given, token):
                return response.json({"error": "unauthorized"}, status=401)
            return None

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/model", methods=["GET"])
        async def model(request: Request) -> HTTPResponse:
            """Which model this worker answers with: each Rasa worker is its own process, and
            a new connection may reach any of them (the editor asks until it has seen all)."""
            processor = getattr(request.app.ctx.agent, "processor", None)
            name = getattr(processor, "model_filename", None)  # the archive's own file name
            return response.json({"pid": os.getpid(), "model": name})

        @hook.route("/workers", methods=["GET"])
        async def workers(request: Request) -> HTTPResponse:
            return response.json(rasa_workers.board())

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            metadata = self.get_metadata(request)
            parse: Optional[Dict[str, Any]] = None
            processor = getattr(request.app.ctx.agent, "processor", None)
            if processor is not None and isinstance(text, str):
                # The context is this conversation's own, from its tracker: never the caller's.
                # It goes to the NLU only; the tracker keeps the turn's metadata as sent.
                context = await conversation_context(processor, sender_id)
                parse = await processor.parse_message(
                    UserMessage(
                        text, sender_id=sender_id, metadata={**(metadata or {}), "context": context}
                    )
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender_id,
                        input_channel=self.name(),
                        metadata=metadata,
                        parse_data=parse,
                    )
                )
            except Exception:  # what was said before the failure still goes out, like rest
                log.exception("web channel: the turn of %s failed", sender_id)
            return response.json({"messages": collector.messages, "parse": parse})

        return hook


async def conversation_context(processor: Any, sender_id: str) -> Dict[str, Any]:
    """The context of the conversation's next turn (bot/nlu/context.py): its current session's
    earlier turns, or nothing when the session has expired (the turn will start a new one)."""
    try:
        tracker = await processor.tracker_store.retrieve(sender_id)
    except Exception:  # the turn itself reports a broken store; reading alone is no harm
        log.exception("web channel: no context for %s", sender_id)
        return {}
    if tracker is None or processor._has_session_expired(tracker):  # noqa: SLF001
        return {}
    return context_from_events(tracker.events)
