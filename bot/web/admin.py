"""Admin API: the audit log of who looked at, exported or erased a customer's data."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from bot.store.audit import AuditLog
from bot.store.models import AUDIT_ACTIONS
from bot.store.views import AuditView
from bot.web.common import ApiError, require_role, state_of

router = APIRouter(prefix="/api/admin")
JST = ZoneInfo("Asia/Tokyo")
MAX_ROWS = 1000
ACTION_TITLES = {
    "answer_as_customer": "お客さまとして回答を確認(テストコンソール)",
    "export": "お客さまのデータの書き出し",
    "erase": "お客さまの会話の削除",
    "purge": "保存期間を過ぎた会話の削除",
    "knowledge_publish": "FAQ の内容を公開",
    "knowledge_rollback": "FAQ の内容を以前の版に戻す",
}
assert set(ACTION_TITLES) == set(AUDIT_ACTIONS)


def _entry_json(entry: AuditView) -> dict:
    return {
        "id": entry.id,
        "at": entry.at.astimezone(JST).isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "action_title": ACTION_TITLES[entry.action],
        "customer": entry.customer,
        "client": entry.client,
        "detail": entry.detail,
    }


@router.get("/audit")
async def audit(request: Request) -> dict:
    require_role(request, "admin")
    params = request.query_params
    action = params.get("action") or None
    if action is not None and action not in AUDIT_ACTIONS:
        raise ApiError(
            422, f"action には {'、'.join(AUDIT_ACTIONS)} のいずれかを指定してください。"
        )
    try:
        limit = int(params.get("limit") or 200)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_ROWS:
        raise ApiError(422, f"limit には1から{MAX_ROWS}までの数を指定してください。")
    customer = (params.get("customer") or "").strip()[:100] or None
    log = AuditLog(state_of(request).journal.engine)
    entries = await run_in_threadpool(log.entries, customer, action, limit)
    return {"entries": [_entry_json(entry) for entry in entries]}
