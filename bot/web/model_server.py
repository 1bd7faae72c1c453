"""The model server the Rasa servers pull from (Rasa's `models:` endpoint, with ETags).

`GET /internal/model?token=…` answers the published model archive of the corpus, its file name
as the ETag; a Rasa server that already has it sends that ETag back in `If-None-Match` and
gets `304 Not Modified`. Every Rasa worker pulls on its own every `wait_time_between_pulls`
seconds, so a publish reaches all workers of all servers without a restart and without
`PUT /model`. The route needs the token `MODEL_SERVER_TOKEN` (compared in constant time) and
answers 404 to anyone without it, or when no token is configured: never a model to the public.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from bot.corpora import workspace
from bot.models import NoModelError, published_model
from bot.serving.profile import MODEL_PATH
from bot.web.common import state_of

router = APIRouter()


def etag_of(name: str) -> str:
    return f'"{name}"'


@router.get(MODEL_PATH, include_in_schema=False)
async def model(request: Request) -> Response:
    settings = state_of(request).settings
    expected = settings.model_server_token
    given = request.query_params.get("token", "")
    if not expected or not secrets.compare_digest(given.encode(), expected.encode()):
        return Response(status_code=404)
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
