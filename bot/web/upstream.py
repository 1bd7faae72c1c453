"""The web app's calls to the Rasa server and the action server.

One aiohttp session per web app, its connections to Rasa kept alive and pooled: a call costs a
request on an open connection, not a new client, connection or import (httpx cost about a
third of the web app's CPU per turn).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List, Optional, Sequence, Tuple

import aiohttp

SWAP_TIMEOUT_S = 180.0
MAX_CONNECTIONS = 100  # to Rasa and the actions together; Rasa keeps idle ones 75 s


class UpstreamError(RuntimeError):
    """Rasa or the action server did not answer as it should; `part` says which."""

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(f"{part}: {reason}")
        self.part, self.reason = part, reason


class Reply:
    """A finished answer: status and body, read in full."""

    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code, self.body = status_code, body

    def json(self) -> Any:
        return json.loads(self.body)


class Upstream:
    def __init__(
        self,
        rasa_url: str,
        actions_url: str,
        token: Optional[str],
        timeout: float,
        actions_token: Optional[str] = None,
    ) -> None:
        self.rasa_url, self.actions_url = rasa_url, actions_url
        self._token = token
        self._actions = {"token": actions_token} if actions_token else {}
        self._timeout = timeout
        self._session: Optional[aiohttp.ClientSession] = None  # made in the app's event loop
        self.swapping = False  # set by the trainer while Rasa loads a new model

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, keepalive_timeout=60),
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                json_serialize=lambda value: json.dumps(value, ensure_ascii=False),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _api(self) -> Dict[str, str]:
        return {"token": self._token} if self._token else {}

    async def _call(
        self, part: str, method: str, url: str, timeout: Optional[float] = None, **kwargs
    ) -> Reply:
        if timeout is not None:
            kwargs["timeout"] = aiohttp.ClientTimeout(total=timeout)
        try:
            async with self._client().request(method, url, **kwargs) as response:
                reply = Reply(response.status, await response.read())
        except (asyncio.TimeoutError, TimeoutError):
            raise UpstreamError(part, "timed out") from None
        except aiohttp.ClientError as error:
            raise UpstreamError(part, f"unreachable ({type(error).__name__})") from None
        if reply.status_code >= 400:
            raise UpstreamError(part, f"HTTP {reply.status_code}")
        return reply

    async def send(
        self, sender: str, text: str, metadata: Dict[str, Any]
    ) -> Tuple[List[dict], Optional[Dict[str, Any]]]:
        """One customer turn through the web channel (bot/serving/channel.py): messages and parse."""
        # While a new model is loading Rasa answers late, not never: wait longer then.
        timeout = SWAP_TIMEOUT_S if self.swapping else None
        response = await self._call(
            "rasa",
            "POST",
            f"{self.rasa_url}/webhooks/web/webhook",
            params=self._api(),
            json={"sender": sender, "message": text, "metadata": metadata},
            timeout=timeout,
        )
        try:
            body = response.json()
        except ValueError:
            raise UpstreamError("rasa", "unexpected reply") from None
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            raise UpstreamError("rasa", "unexpected reply")
        parse = body.get("parse")
        return body["messages"], parse if isinstance(parse, dict) else None

    async def parse(self, text: str) -> Dict[str, Any]:
        """How the model understands `text` (intents, FAQ ranking, entities)."""
        response = await self._call(
            "rasa", "POST", f"{self.rasa_url}/model/parse", params=self._api(), json={"text": text}
        )
        return response.json()

    async def status(self, timeout: float = 3.0) -> Dict[str, Any]:
        response = await self._call(
            "rasa", "GET", f"{self.rasa_url}/status", params=self._api(), timeout=timeout
        )
        return response.json()

    async def actions_health(self, timeout: float = 3.0) -> Dict[str, Any]:
        response = await self._call(
            "actions", "GET", f"{self.actions_url}/health", params=self._actions, timeout=timeout
        )
        return response.json()

    async def faq_labels(self) -> set:
        """The FAQ labels (faq/<id>) the loaded model knows, from its domain's responses."""
        response = await self._call(
            "rasa",
            "GET",
            f"{self.rasa_url}/domain",
            params=self._api(),
            headers={"Accept": "application/json"},
        )
        responses = response.json().get("responses") or {}
        return {key[len("utter_") :] for key in responses if key.startswith("utter_faq/")}

    async def replace_model(self, model_path: str, timeout: float = 300.0) -> None:
        """Loads `model_path` into the running Rasa server (it answers with the old until then)."""
        self.swapping = True
        try:
            await self._call(
                "rasa",
                "PUT",
                f"{self.rasa_url}/model",
                params=self._api(),
                json={"model_file": model_path},
                timeout=timeout,
            )
        finally:
            self.swapping = False

    async def workers(self, server: str, timeout: float = 3.0) -> Dict[str, int]:
        """{"expected", "answering"}: a Rasa server's workers (bot/serving/rasa_workers.py)."""
        response = await self._call(
            "rasa", "GET", f"{server}/webhooks/web/workers", params=self._api(), timeout=timeout
        )
        body = response.json()
        return {"expected": int(body["expected"]), "answering": int(body["answering"])}

    async def health(self, others: Sequence[str] = ()) -> Dict[str, Any]:
        """Rasa (with its workers) and the action server, each {"ok": bool, ...}, and with
        `others`, the workers of those Rasa servers by URL; all asked at the same time."""

        async def check(call) -> Dict[str, Any]:
            try:
                return {"ok": True, **await call()}
            except UpstreamError as error:
                return {"ok": False, "error": error.reason}

        async def workers(server: str) -> Dict[str, Any]:
            try:
                return await check(lambda: self.workers(server))
            except (ValueError, KeyError, TypeError):  # not our channel: the count is unknown
                return {"ok": True}

        status, actions, own, *more = await asyncio.gather(
            check(self.status),
            check(self.actions_health),
            workers(self.rasa_url),
            *(workers(server) for server in others),
        )
        rasa = {"ok": True, "model": str(status.get("model_file", ""))} if status["ok"] else status
        if status["ok"] and "expected" in own:
            rasa["workers"] = {key: own[key] for key in ("expected", "answering")}
        checked: Dict[str, Any] = {
            "rasa": rasa,
            "actions": {"ok": True} if actions["ok"] else actions,
        }
        if others:
            checked["rasa_servers"] = dict(zip(others, more))
        return checked


def replies_of(messages: List[dict]) -> List[dict]:
    """Rasa's REST messages as the page's bubbles: {"text", "buttons":[{"title","payload"}]}."""
    replies = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        text = message.get("text") if isinstance(message.get("text"), str) else ""
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in message.get("buttons") or []
            if isinstance(b, dict) and b.get("title")
        ]
        if text or buttons:
            replies.append({"text": text, "buttons": buttons})
    return replies
