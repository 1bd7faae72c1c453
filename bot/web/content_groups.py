"""Content editor API for groups of customers' unanswered questions: list, and one step to content.

GET lists the groups of the conversation log (`bot.insights.groups`); each POST turns a group's
chosen questions into examples of an entry, a new entry, or out-of-scope examples, through the
same checked writes as the editor's own saves. Their questions are then training data, so the
next listing leaves them out: the group is gone.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, List

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from bot.insights.groups import CorpusTexts, group_json, group_questions
from bot.web.common import ApiError, clean_text, read_json, require_role, state_of
from bot.web.content import add_entry, confusions, paths_of, rejected_edit
from bot.web.corpus_edit import EditRejected
from bot.web.group_actions import NOTHING_CHOSEN, add_examples, chosen, draft_entry
from bot.web.scope_edit import NOT_THE_SHOP, dismiss_questions, out_of_scope_examples

router = APIRouter(prefix="/api/content/groups")
TURNS = 10_000  # the latest turns of the conversation log that are grouped
SHOWN_QUESTIONS = 50  # questions of a group the editor can tick
GONE = "このグループは見つかりません。一覧を更新してください。"
_lock = threading.Lock()  # one grouping at a time: it embeds, on cores Rasa shares


def _compute(request: Request):
    state = state_of(request)
    paths = paths_of(request)
    with _lock:
        turns = state.journal.turns(None, TURNS)
        known = out_of_scope_examples(paths.project) if paths.shop else []
        return group_questions(turns, paths.corpus, known), CorpusTexts.load(paths.corpus).titles


async def _groups(request: Request) -> tuple[list, Dict[str, str]]:
    """The groups as the log and the corpus are now; kept for the actions that name one."""
    groups, titles = await run_in_threadpool(_compute, request)
    request.app.state.content_groups = {g.id: g for g in groups}
    return groups, titles


async def _group(request: Request, group_id: str):
    """The group the editor saw (the last listing), else as the log is now; 404 when gone."""
    found = getattr(request.app.state, "content_groups", {}).get(group_id)
    if found is None:
        groups, _ = await _groups(request)
        found = next((g for g in groups if g.id == group_id), None)
    if found is None:
        raise ApiError(404, GONE)
    return found


def _forget(request: Request) -> None:
    request.app.state.content_groups = {}


def _masked(request: Request, value: Any, field: str) -> str:
    return state_of(request).masker.mask(clean_text(value, field)).text


def _questions(request: Request, data: Dict[str, Any]) -> List[str]:
    value = data.get("questions")
    if not isinstance(value, list) or len(value) > SHOWN_QUESTIONS * 4:
        raise ApiError(422, "questions には質問の文字列のリストを指定してください。")
    if not value:
        raise ApiError(422, NOTHING_CHOSEN)
    return [_masked(request, text, "questions") for text in value]


def _chosen(group, texts: List[str]) -> List[str]:
    try:
        return chosen(group, texts)
    except EditRejected as rejected:
        raise ApiError(422, " ".join(rejected.problems[:10])) from None


def _done(request: Request, change: str, **body: Any) -> dict:
    _forget(request)
    request.app.state.publisher.note(change)
    return {**body, "publish_needed": True}


@router.get("")
async def groups(request: Request) -> dict:
    require_role(request, "content")
    found, titles = await _groups(request)
    return {
        "groups": [group_json(g, titles, SHOWN_QUESTIONS) for g in found],
        "can_dismiss": paths_of(request).shop,  # only the shop has out-of-scope examples
    }


@router.post("/{group_id}/examples")
async def to_examples(request: Request, group_id: str) -> dict:
    require_role(request, "content")
    data = await read_json(request)
    group = await _group(request, group_id)
    faq_id = data.get("faq_id")
    if not isinstance(faq_id, str) or not faq_id:
        raise ApiError(422, "例文を追加するエントリを選んでください。")
    questions = _chosen(group, _questions(request, data))
    try:
        result = await run_in_threadpool(add_examples, paths_of(request), faq_id, questions)
    except LookupError:
        raise ApiError(404, f"エントリ '{faq_id[:80]}' は見つかりません。") from None
    except EditRejected as rejected:
        raise rejected_edit(rejected) from None
    warnings = await confusions(request, faq_id, result["added"])
    change = f"エントリ {faq_id} に例文 {len(result['added'])} 件を追加"
    return _done(request, change, faq_id=faq_id, warnings=warnings, **result)


@router.get("/{group_id}/draft")
async def draft(request: Request, group_id: str) -> dict:
    require_role(request, "content")
    group = await _group(request, group_id)
    return {"draft": await run_in_threadpool(draft_entry, paths_of(request), group)}


@router.post("/{group_id}/entry")
async def to_entry(request: Request, group_id: str) -> dict:
    require_role(request, "content")
    data = await read_json(request)
    await _group(request, group_id)
    for key in ("title", "question"):
        if isinstance(data.get(key), str) and data[key].strip():
            data[key] = _masked(request, data[key], key)
    for key in ("examples", "tests"):
        value = data.get(key)
        if isinstance(value, list):
            data[key] = [
                _masked(request, t, key) if isinstance(t, str) and t.strip() else t for t in value
            ]
    saved = await add_entry(request, data)
    _forget(request)
    return saved


@router.post("/{group_id}/dismiss")
async def dismiss(request: Request, group_id: str) -> dict:
    require_role(request, "content")
    data = await read_json(request)
    if not paths_of(request).shop:
        raise ApiError(409, NOT_THE_SHOP)
    group = await _group(request, group_id)
    questions = _chosen(group, _questions(request, data))
    try:
        added = await run_in_threadpool(dismiss_questions, paths_of(request), questions)
    except EditRejected as rejected:
        raise rejected_edit(rejected) from None
    return _done(request, f"対象外の例文 {len(added)} 件を追加", added=added)
