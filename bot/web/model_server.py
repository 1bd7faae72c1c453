"""The model server the Rasa servers pull from (Rasa's `models:` endpoint, with ETags).

`GET /internal/model?token=…` answers the published model archive of the corpus, its file name
as the ETag; a Rasa server that already has it sends that ETag back in `If-None-Match` and
gets `304 Not Modified`. Every Rasa worker pulls on its own every `wait_time_between_pulls`
seconds, so a publish reaches all workers of all servers without a restart and without
`PUT /model`. The route needs the token `MODEL_SERVER_TOKEN` (compared in constant time) and
answers 404 to anyone without it, or when no token is configured: never a model to the public.

Each pull names its worker (`worker=<host>-<pid>`, bot/serving/rasa_speedups.py) and, in
`If-None-Match`, the model that worker answers with: `WORKERS` keeps the latest of each, so
the content editor knows when every worker answers with a new model. `GET /internal/workers`
(same token) shows it.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from typing import Dict, Tuple

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, JSONResponse

from bot.corpora import workspace
from bot.models import MODEL_PATH, NoModelError, published_model
from bot.web.common import state_of

router = APIRouter()
WORKER = re.compile(r"^[A-Za-z0-9._:-]{1,120}$")


class Workers:
    """The Rasa workers that pulled lately, each with the model it answers with."""

    def __init__(self) -> None:
        self._seen: Dict[str, Tuple[str, float]] = {}
        self._lock = threading.Lock()

    def saw(self, worker: str, model: str) -> None:
        with self._lock:
            self._seen[worker] = (model, time.time())
            # Workers come and go (restarts, replacements): past 1,000 names, far more than any
            # deployment's workers, the half that pulled longest ago stopped long ago.
            if len(self._seen) > 1000:
                oldest = sorted(self._seen, key=lambda w: self._seen[w][1])[:500]
                for name in oldest:
                    self._seen.pop(name, None)

    def recent(self, within_s: float) -> Dict[str, str]:
        """{worker: model} of the workers that pulled in the last `within_s` seconds."""
        now = time.time()
        with self._lock:
            return {w: m for w, (m, at) in self._seen.items() if now - at <= within_s}


WORKERS = Workers()


def _allowed(request: Request) -> bool:
    expected = state_of(request).settings.model_server_token
    given = request.query_params.get("token", "")
    return bool(expected) and secrets.compare_digest(given.encode(), expected.encode())


def etag_of(name: str) -> str:
    return f'"{name}"'


@router.get(MODEL_PATH, include_in_schema=False)
async def model(request: Request) -> Response:
    settings = state_of(request).settings
    if not _allowed(request):
        return Response(status_code=404)
    worker, has = request.query_params.get("worker", ""), request.headers.get("if-none-match")
    if WORKER.match(worker):
        WORKERS.saw(worker, (has or "").strip('"'))
    models = settings.project_dir / workspace(settings.corpus).models
    try:
        path = published_model(models)
    except NoModelError:
        return Response(status_code=404)
    etag = etag_of(path.name)
    headers = {"ETag": etag, "Cache-Control": "no-store"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    # Rasa names the downloaded file by this header: /status then shows the model's own name.
    headers["filename"] = path.name
    return FileResponse(path, media_type="application/gzip", headers=headers)


@router.get("/internal/workers", include_in_schema=False)
async def workers(request: Request) -> Response:
    if not _allowed(request):
        return Response(status_code=404)
    within = 3 * state_of(request).settings.model_pull_s + 5
    return JSONResponse({"workers": WORKERS.recent(within)})
