"""The web app's calls to the Rasa server and the action server."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Sequence, Tuple

import httpx

SWAP_TIMEOUT_S = 180.0


class UpstreamError(RuntimeError):
    """Rasa or the action server did not answer as it should; `part` says which."""

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(f"{part}: {reason}")
        self.part, self.reason = part, reason


class Upstream:
    def __init__(
        self, rasa_url: str, actions_url: str, token: Optional[str], timeout: float
    ) -> None:
        self.rasa_url, self.actions_url = rasa_url, actions_url
        self._token = token
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=50)
        self._client = httpx.AsyncClient(timeout=timeout, limits=limits, trust_env=False)
        self.swapping = False  # set by the trainer while Rasa loads a new model

    async def close(self) -> None:
        await self._client.aclose()

    def _api(self) -> Dict[str, str]:
        return {"token": self._token} if self._token else {}

    async def _call(self, part: str, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            response = await self._client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise UpstreamError(part, "timed out") from None
        except httpx.HTTPError as error:
            raise UpstreamError(part, f"unreachable ({type(error).__name__})") from None
        if response.status_code >= 400:
            raise UpstreamError(part, f"HTTP {response.status_code}")
        return response

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
            json={"sender": sender, "message": text, "metadata": metadata},
            **({"timeout": timeout} if timeout else {}),
        )
        body = response.json()
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
        response = await self._call("actions", "GET", f"{self.actions_url}/health", timeout=timeout)
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
            "rasa", "GET", f"{server}/webhooks/web/workers", timeout=timeout
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
