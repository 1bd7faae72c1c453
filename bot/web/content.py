"""Content editor API: browse, search, edit and add FAQ entries; start a retrain (bot/web/trainer.py)."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from bot.faq.check import FAQ_ID
from bot.web.agent import understanding
from bot.web.common import ApiError, read_json, require_role, state_of
from bot.web.corpus_edit import EditRejected, Paths, find_entry, list_entries, save_entry
from bot.web.labels import faq_labels
from bot.web.upstream import UpstreamError

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/content")
CONFUSION_CONFIDENCE = 0.5


def paths_of(request: Request) -> Paths:
    settings = state_of(request).settings
    return Paths(settings.project_dir, settings.corpus_dir, settings.is_shop_corpus)


async def confusions(request: Request, faq_id: str, texts: List[str]) -> List[str]:
    """Warnings for new questions the running model gives to another entry."""
    state = state_of(request)
    titles = await run_in_threadpool(faq_labels, state.settings.corpus_dir)
    warnings = []
    for text in texts[:50]:
        try:
            seen = understanding(await state.upstream.parse(text), titles)
        except UpstreamError:
            return [
                "Rasa サーバーに接続できないため、ほかのエントリとの重なりは確認できませんでした。"
            ]
        other = seen["predicted"]
        if (
            other
            and other.startswith("faq/")
            and other != f"faq/{faq_id}"
            and seen["confidence"] >= CONFUSION_CONFIDENCE
        ):
            warnings.append(
                f"「{text}」は現在のモデルでは別のエントリ「{seen['predicted_title']}」"
                f"({other[4:]}、確信度 {seen['confidence']:.2f})と判定されます。"
                "紛らわしくないか確認してください。"
            )
    return warnings


@router.get("/entries")
async def entries(request: Request, q: str = "") -> dict:
    require_role(request, "content")
    found = await run_in_threadpool(list_entries, paths_of(request), q[:100])
    return {"entries": found}


@router.get("/entries/{faq_id}")
async def entry(request: Request, faq_id: str) -> dict:
    require_role(request, "content")
    found = await run_in_threadpool(find_entry, paths_of(request), faq_id)
    if found is None:
        raise ApiError(404, f"エントリ '{faq_id[:80]}' は見つかりません。")
    return {"entry": found}


def rejected_edit(rejected: EditRejected) -> ApiError:
    return ApiError(422, "保存できませんでした。" + " / ".join(rejected.problems[:20]))


async def _save(
    request: Request, faq_id: str, category: Optional[str], data: Dict[str, Any]
) -> dict:
    try:
        new = await run_in_threadpool(save_entry, paths_of(request), faq_id, data, category)
    except EditRejected as rejected:
        raise rejected_edit(rejected) from None
    warnings = await confusions(request, faq_id, new)
    saved = await run_in_threadpool(find_entry, paths_of(request), faq_id)
    what = "追加" if category is not None else "編集"
    request.app.state.publisher.note(f"エントリ {faq_id} を{what}")
    # Live once published (bot/web/publisher.py): no model is trained for an FAQ edit.
    return {"entry": saved, "warnings": warnings, "publish_needed": True}


async def add_entry(request: Request, data: Dict[str, Any]) -> dict:
    """Adds a new entry (`id` and `category` among `data`'s fields): checked, then written."""
    faq_id, category = data.get("id"), data.get("category")
    if not isinstance(faq_id, str) or not FAQ_ID.match(faq_id):
        raise ApiError(422, "id は半角英小文字で始まり、英小文字・数字・_ だけで書いてください。")
    if not isinstance(category, str) or not category:
        raise ApiError(422, "カテゴリを選んでください。")
    return await _save(request, faq_id, category, data)


@router.put("/entries/{faq_id}")
async def update(request: Request, faq_id: str) -> dict:
    require_role(request, "content")
    return await _save(request, faq_id, None, await read_json(request))


@router.post("/entries")
async def add(request: Request) -> dict:
    require_role(request, "content")
    return await add_entry(request, await read_json(request))


@router.get("/categories")
async def categories(request: Request) -> dict:
    require_role(request, "content")
    found = await run_in_threadpool(list_entries, paths_of(request), "")
    return {"categories": sorted({e["category"] for e in found if e["category"]})}


@router.post("/train")
async def train(request: Request) -> dict:
    session = require_role(request, "content")
    await read_json(request)
    return {"training": request.app.state.trainer.start(session.account.username)}


@router.get("/train")
async def training(request: Request) -> dict:
    require_role(request, "content")
    return {"training": request.app.state.trainer.snapshot()}
