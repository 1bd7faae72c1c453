"""Agent console API: how the bot understands a question, judgements, batch runs, export."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Dict, List

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from bot.evaluation.insights import groups_of, insights_of
from bot.faq.corpus import load_corpus, normalized_question
from bot.store import Store
from bot.store.audit import AuditLog
from bot.web.chat import TurnResult, masked_replies, run_turn
from bot.web.common import (
    ApiError,
    AppState,
    clean_text,
    client_address,
    labelled_ranking,
    read_json,
    require_role,
    state_of,
)
from bot.web.labels import Label, all_labels
from bot.web.upstream import UpstreamError

router = APIRouter(prefix="/api/agent")
MAX_BATCH = 200
MAX_EARLIER_TURNS = 5  # a short conversation typed in the console before the question


@lru_cache(maxsize=1)
def _segmenter():
    from bot.nlu.segmenter import SudachiSegmenter

    return SudachiSegmenter("C")


def _tokens(text: str) -> List[dict]:
    return [
        {
            "text": t.text,
            "lemma": t.lemma,
            "pos": t.data.get("pos"),
            "start": t.start,
            "end": t.end,
        }
        for t in _segmenter().tokens(text)
    ]


def _labels(state: AppState):
    settings = state.settings
    return all_labels(settings.corpus_dir, settings.project_dir / "domain.yml")


def understanding(parse: Dict[str, Any], titles: Dict[str, Any]) -> Dict[str, Any]:
    """The parts of a Rasa parse an agent reads: rankings with titles, entities, the choice."""
    selector = (parse.get("response_selector") or {}).get("faq") or {}
    # The titles of the knowledge snapshot that ranked it first (the corpus may be edited since).
    titles = {
        **titles,
        **{
            str(item["intent_response_key"]): Label(str(item["intent_response_key"]), item["title"])
            for item in selector.get("ranking") or []
            if item.get("title") and item.get("intent_response_key")
        },
    }
    faq_ranking = [
        {
            "label": item.get("intent_response_key"),
            "title": getattr(titles.get(item.get("intent_response_key")), "title", ""),
            "confidence": round(float(item.get("confidence") or 0.0), 4),
            # FaqRanker's parts: meaning (e5 similarity), words (BM25) and their fusion
            "scores": item.get("scores") or {},
        }
        for item in (selector.get("ranking") or [])[:10]
    ]
    ranking = labelled_ranking(parse)
    predicted, confidence = ranking[0] if ranking else (None, 0.0)
    if (parse.get("intent") or {}).get("name") == "nlu_fallback":
        predicted = "nlu_fallback"
    return {
        "predicted": predicted,
        "predicted_title": getattr(titles.get(predicted), "title", predicted),
        "fallback": predicted == "nlu_fallback",
        "confidence": round(float(confidence), 4),
        "intent_ranking": [
            {"name": i.get("name"), "confidence": round(float(i.get("confidence") or 0.0), 4)}
            for i in (parse.get("intent_ranking") or [])[:10]
        ],
        "faq_ranking": faq_ranking,
        "knowledge": (selector.get("response") or {}).get("knowledge"),
        "scope": parse.get("scope"),
        "entities": [
            {k: e.get(k) for k in ("entity", "value", "start", "end", "extractor")}
            for e in parse.get("entities") or []
        ],
    }


async def _parse(state: AppState, text: str) -> Dict[str, Any]:
    try:
        return await state.upstream.parse(text)
    except UpstreamError as error:
        raise ApiError(503, f"Rasa サーバーに接続できません({error.reason})。") from None


@router.get("/customers")
async def customers(request: Request) -> dict:
    require_role(request, "agent")
    state = state_of(request)
    store = Store(state.journal.engine)
    return {"customers": await run_in_threadpool(store.usernames)}


@router.get("/labels")
async def labels(request: Request) -> dict:
    require_role(request, "agent")
    found = await run_in_threadpool(_labels, state_of(request))
    return {"labels": [{"name": label.name, "title": label.title} for label in found.values()]}


def _masked(state: AppState, text: str) -> str:
    # An agent may paste a customer's message: it is masked like the chat's before Rasa sees it.
    return state.masker.mask(text).text


@router.post("/inspect")
async def inspect(request: Request) -> dict:
    session = require_role(request, "agent")
    state = state_of(request)
    data = await read_json(request)
    text = _masked(state, clean_text(data.get("text")))
    earlier = earlier_turns(state, data.get("earlier"))
    as_user = data.get("as")
    if as_user is not None:
        store = Store(state.journal.engine)
        if not isinstance(as_user, str) or await run_in_threadpool(store.user, as_user) is None:
            raise ApiError(422, "指定されたお客さまはデモストアにいません。")
    # Each answer in a conversation of its own, so earlier tests do not colour it.
    conversations = {"visitor": f"agent-test-{uuid.uuid4().hex}"}
    if as_user:
        conversations["customer"] = f"agent-test-{uuid.uuid4().hex}"
        # Written before the customer's data is read: no audit row, no answer.
        await run_in_threadpool(
            AuditLog(state.journal.engine).record,
            session.account.username,
            "answer_as_customer",
            as_user,
            client_address(request),
            {"conversation": conversations["customer"]},
        )
    parse, tokens, titles = await asyncio.gather(
        _parse(state, text),
        run_in_threadpool(_tokens, text),
        run_in_threadpool(_labels, state),
    )
    runs = [converse(state, conversations["visitor"], earlier, text, None)]
    if as_user:
        runs.append(converse(state, conversations["customer"], earlier, text, as_user))
    results = await asyncio.gather(*runs)
    answers = {"visitor": masked_replies(state, results[0].replies)}
    if as_user:
        answers["customer"] = {
            "username": as_user,
            "replies": masked_replies(state, results[1].replies),
        }
    return {
        "text": text,
        "earlier": earlier,
        "tokens": tokens,
        **understanding(parse, titles),
        "answers": answers,
        "context_reading": reading_of(results[0].parse, titles),
    }


def earlier_turns(state: AppState, value: Any) -> List[str]:
    """The turns typed before the question (the console's short conversation), masked."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_EARLIER_TURNS:
        raise ApiError(422, f"前の発言は{MAX_EARLIER_TURNS}つまでのリストで指定してください。")
    return [_masked(state, clean_text(item, "前の発言")) for item in value]


async def converse(
    state: AppState, sender: str, earlier: List[str], text: str, customer: str | None
) -> TurnResult:
    """The earlier turns, then the question, in one conversation: the question's answer."""
    for turn in earlier:
        await run_turn(state, sender, turn, customer)
    return await run_turn(state, sender, text, customer)


def reading_of(parse: Dict[str, Any] | None, titles: Dict[str, Any]) -> Dict[str, Any] | None:
    """How the question was read in the conversation: alone and in context, which one, why."""
    reading = (parse or {}).get("context_reading")
    if not reading:
        return None
    out = dict(reading)
    for side in ("alone", "in_context"):
        if out.get(side):
            label = out[side]["label"]
            found = titles.get(f"faq/{label}") or titles.get(label)
            out[side] = {**out[side], "title": getattr(found, "title", label)}
    return out


@router.post("/batch")
async def batch(request: Request) -> dict:
    require_role(request, "agent")
    state = state_of(request)
    data = await read_json(request)
    raw = data.get("questions")
    if isinstance(raw, str):
        raw = raw.splitlines()
    if not isinstance(raw, list) or not all(isinstance(q, str) for q in raw):
        raise ApiError(422, "questions には質問を1行に1つずつ書いた文字列を指定してください。")
    questions = [q.strip() for q in raw if q.strip()]
    if not questions:
        raise ApiError(422, "質問を1行に1つずつ入力してください。")
    if len(questions) > MAX_BATCH:
        raise ApiError(
            422, f"一度に調べられるのは{MAX_BATCH}件までです({len(questions)}件あります)。"
        )
    questions = [_masked(state, clean_text(q)) for q in questions]
    titles = await run_in_threadpool(_labels, state)
    gate = asyncio.Semaphore(4)

    async def row(text: str) -> dict:
        async with gate:
            parse = await _parse(state, text)
        seen = understanding(parse, titles)
        runner_up = seen["faq_ranking"][1] if len(seen["faq_ranking"]) > 1 else None
        return {
            "text": text,
            "predicted": seen["predicted"],
            "title": seen["predicted_title"],
            "confidence": seen["confidence"],
            "fallback": seen["fallback"],
            "runner_up": runner_up,
        }

    return {"rows": list(await asyncio.gather(*(row(q) for q in questions)))}


@router.post("/judgements")
async def judge(request: Request) -> dict:
    session = require_role(request, "agent")
    state = state_of(request)
    data = await read_json(request)
    text = _masked(state, clean_text(data.get("text")))
    correct = data.get("correct")
    if not isinstance(correct, bool):
        raise ApiError(422, "correct には true(正しい)か false(誤り)を指定してください。")
    predicted = data.get("predicted")
    if predicted is not None and not isinstance(predicted, str):
        raise ApiError(422, "predicted には文字列を指定してください。")
    label = data.get("label") or (predicted if correct else None)
    known = await run_in_threadpool(_labels, state)
    if not isinstance(label, str) or (label not in known and label != "out_of_scope"):
        raise ApiError(422, "正しい回答(ラベル)を一覧から選んでください。")
    saved = await run_in_threadpool(
        state.journal.add_judgement, session.account.username, text, predicted, correct, label
    )
    return {"judgement": _judgement_json(saved)}


def _judgement_json(j) -> dict:
    return {
        "id": j.id,
        "judged_at": j.judged_at.isoformat(),
        "judged_by": j.judged_by,
        "text": j.text,
        "predicted": j.predicted,
        "correct": j.correct,
        "label": j.label,
    }


@router.get("/judgements")
async def judgements(request: Request) -> dict:
    require_role(request, "agent")
    rows = await run_in_threadpool(state_of(request).journal.judgements)
    return {"judgements": [_judgement_json(j) for j in rows]}


def export_yaml(judged, corpus_dir) -> str:
    """Judged questions as new examples per FAQ id, leaving out what the corpus already has."""
    known = {
        normalized_question(text)
        for corpus_file in load_corpus(corpus_dir)
        for entry in corpus_file.entries
        for text in [entry.question] + [i.text for i in entry.examples + entry.tests]
    }
    grouped: Dict[str, List[str]] = defaultdict(list)
    for j in judged:
        key = normalized_question(j.text)
        if not j.label.startswith("faq/") or key in known:
            continue
        known.add(key)
        grouped[j.label.split("/", 1)[1]].append(j.text)
    header = (
        f"# 担当者が判定した質問({datetime.now(timezone.utc):%Y-%m-%d} 書き出し)。\n"
        "# faq_corpus/ の該当 id の examples: に追記し、python -m bot faq check で確かめてください。\n"
    )
    if not grouped:
        return header + "{}\n"
    body = yaml.safe_dump(dict(sorted(grouped.items())), allow_unicode=True, sort_keys=False)
    return header + body


@router.get("/export")
async def export(request: Request) -> PlainTextResponse:
    require_role(request, "agent")
    state = state_of(request)
    judged = await run_in_threadpool(state.journal.judgements)
    text = await run_in_threadpool(export_yaml, judged, state.settings.corpus_dir)
    return PlainTextResponse(
        text,
        media_type="text/yaml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="judged_examples.yml"'},
    )


@router.get("/insights")
async def insights(request: Request) -> dict:
    require_role(request, "agent")
    state = state_of(request)
    turns = await run_in_threadpool(state.journal.turns, None, 10_000)
    report = insights_of(turns)
    # In a worker thread: the first call loads the embedder (once per process) and embeds.
    report["groups"] = await run_in_threadpool(
        groups_of, turns, state.settings.corpus_dir, state.settings.project_dir
    )
    return report
