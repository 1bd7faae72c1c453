"""`GET /healthz`: every part the chat needs, and what runs below its strength.

- `down` names the parts without which turns fail (the web app's Rasa server when none of its
  workers answers, the action server, the store): HTTP 503.
- `degraded` names what still serves, but short: a Rasa server with fewer workers answering
  than it was started with (a killed worker's replacement is loading its model,
  bot/serving/rasa_workers.py), or another Rasa server of `RASA_SERVERS` that does not answer
  (production profile: this web app's turns go to its own). HTTP 200, `status: "degraded"`.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Tuple

from starlette.concurrency import run_in_threadpool

from bot.web.common import AppState


def _short(name: str, workers: Dict[str, Any]) -> List[str]:
    answering, expected = workers.get("answering"), workers.get("expected")
    if answering is None or expected is None or answering >= expected:
        return []
    return [f"{name}: {answering} of {expected} workers answer"]


def degraded_parts(parts: Dict[str, Any]) -> List[str]:
    """What runs below its strength, each named with what is missing."""
    found = _short("rasa", parts["rasa"].get("workers", {})) if parts["rasa"]["ok"] else []
    for url, server in parts.get("rasa_servers", {}).items():
        if not server["ok"]:
            found.append(f"rasa {url}: does not answer ({server.get('error', '?')})")
        else:
            found += _short(f"rasa {url}", server)
    return found


async def health(state: AppState) -> Tuple[Dict[str, Any], int]:
    """The /healthz body and its HTTP status."""

    def store_ok() -> dict:
        try:
            state.journal.ping()
            return {"ok": True}
        except Exception as error:
            return {"ok": False, "error": type(error).__name__}

    settings = state.settings
    others = [url for url in settings.rasa_servers if url != settings.rasa_url]
    upstream, store = await asyncio.gather(
        state.upstream.health(others), run_in_threadpool(store_ok)
    )
    parts = {"web": {"ok": True}, **upstream, "store": store}
    down = [name for name, part in parts.items() if name != "rasa_servers" and not part["ok"]]
    degraded = degraded_parts(parts)
    status = "down" if down else "degraded" if degraded else "ok"
    body = {"status": status, "down": down, "degraded": degraded, **parts}
    return body, 200 if not down else 503
