"""Content editor API for going live: preview, publish, roll back, and the publish's progress
(bot/web/publisher.py). Editors only."""

from __future__ import annotations

from typing import Any, Dict, Optional

from fastapi import APIRouter, Request

from bot.web.common import ApiError, client_address, read_json, require_role

router = APIRouter(prefix="/api/content")


def _publisher(request: Request) -> Any:
    return request.app.state.publisher


@router.get("/publish")
async def status(request: Request) -> dict:
    require_role(request, "content")
    return {"publish": _publisher(request).snapshot()}


@router.post("/preview")
async def preview(request: Request) -> dict:
    session = require_role(request, "content")
    await read_json(request)
    return {"preview": await _publisher(request).preview(session.account.username)}


@router.post("/publish")
async def publish(request: Request) -> dict:
    session = require_role(request, "content")
    data: Dict[str, Any] = await read_json(request)
    confirm = data.get("confirm", False)
    base: Optional[str] = data.get("base")
    if not isinstance(confirm, bool):
        raise ApiError(422, "confirm は true か false で指定してください。")
    if base is not None and (not isinstance(base, str) or not base.isalnum() or len(base) > 64):
        raise ApiError(422, "base には確認した版の id を指定してください。")
    return await _publisher(request).publish(
        session.account.username, client_address(request), confirm, base
    )


@router.post("/rollback")
async def rollback(request: Request) -> dict:
    session = require_role(request, "content")
    await read_json(request)
    return await _publisher(request).rollback(session.account.username, client_address(request))
