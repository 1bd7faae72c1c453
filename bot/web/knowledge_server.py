"""The published knowledge snapshot, for the Rasa workers to pull (bot/knowledge/live.py).

`GET /internal/knowledge?token=…&worker=…`: the snapshot file of the corpus this web app serves,
its id as the ETag; `304` when the worker's `If-None-Match` names it already. Same token as the
model server (only Rasa has it), 404 to anyone else. Each pull records which snapshot its
worker answers from (`serving`, which a worker leaves empty when it cannot use the snapshot it
has), so the editor sees when all workers serve a publish.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bot.knowledge.store import KnowledgeStore
from bot.web.common import state_of
from bot.web.model_server import WORKER, Workers, _allowed, etag_of

KNOWLEDGE_PATH = "/internal/knowledge"
router = APIRouter()
KNOWLEDGE_WORKERS = Workers()  # worker -> the snapshot id it serves


def store_of(request: Request) -> KnowledgeStore:
    settings = state_of(request).settings
    return KnowledgeStore(settings.corpus_dir, settings.project_dir)


@router.get(KNOWLEDGE_PATH, include_in_schema=False)
async def knowledge(request: Request) -> Response:
    if not _allowed(request):
        return Response(status_code=404)
    worker, has = request.query_params.get("worker", ""), request.headers.get("if-none-match")
    # What the worker answers from: `serving` ("" while its model's own index answers, e.g. a
    # snapshot built for another config), else the snapshot it has.
    serving = request.query_params.get("serving", (has or "").strip('"'))
    if WORKER.match(worker) and (serving == "" or serving.isalnum()):
        KNOWLEDGE_WORKERS.saw(worker, serving[:64])
    store = store_of(request)
    snapshot_id = store.published_id()
    if snapshot_id is None:
        return Response(status_code=404)
    etag = etag_of(snapshot_id)
    headers = {"ETag": etag, "Cache-Control": "no-store"}
    if has == etag:
        return Response(status_code=304, headers=headers)
    try:
        data = store.path_of(snapshot_id).read_bytes()
    except OSError:
        return Response(status_code=404)
    return Response(data, media_type="application/zip", headers=headers)
