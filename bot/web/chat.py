"""Customer routes: session, demo login/logout, and one chat turn through Rasa."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from bot.identity import mint_token
from bot.privacy.detect import Masked
from bot.privacy.notice import warning
from bot.store import TurnRecord
from bot.web.common import (
    ApiError,
    AppState,
    admit,
    clean_text,
    client_address,
    current_session,
    labelled_ranking,
    optional_string,
    read_json,
    state_of,
)
from bot.web.sessions import COOKIE, WebSession
from bot.web.upstream import UpstreamError, replies_of

log = logging.getLogger(__name__)
router = APIRouter()
PLEASE_TYPE_A_QUESTION = "ご質問を文章で入力してください。"
CANDIDATES_KEPT = 5  # the did-you-mean candidates a turn keeps for the customer's feedback


@dataclass
class TurnResult:
    replies: List[dict]
    parse: Optional[Dict[str, Any]] = None
    degraded: Optional[str] = None  # which part failed, when the reply is an apology
    extras: Dict[str, Any] = field(default_factory=dict)
    answered: bool = True  # an answer the customer can rate (not an apology or a hint)

    @property
    def rateable(self) -> bool:
        return self.answered and self.degraded is None


def apology(state: AppState) -> List[dict]:
    return [
        {
            "text": (
                "申し訳ございません。ただいまチャットで回答をお届けできません。"
                f"お手数ですが、{state.contact_line}までお問い合わせください。"
            ),
            "buttons": [],
        }
    ]


async def run_turn(state: AppState, sender: str, text: str, customer: Optional[str]) -> TurnResult:
    """Sends `text` to Rasa as `sender` (signed as `customer` when given), parses it alongside."""
    metadata = {"token": mint_token(customer)} if customer else {}
    try:
        sent, parse = await state.upstream.send(sender, text, metadata)
    except UpstreamError as error:
        log.warning("chat turn failed: %s", error)
        return TurnResult(apology(state), None, degraded=error.part)
    replies = replies_of(sent)
    if not replies and text.startswith("/"):  # a typed Rasa command (/restart ...): no answer
        return TurnResult([{"text": PLEASE_TYPE_A_QUESTION, "buttons": []}], parse, answered=False)
    if not replies:  # Rasa answered a question with silence: the action server is down or failed
        return TurnResult(apology(state), parse, degraded="actions")
    return TurnResult(replies, parse)


def customer_of(session: WebSession) -> Optional[str]:
    """The logged-in customer's name (None for visitors and staff)."""
    account = session.account
    return account.username if account and account.role == "customer" else None


def masked_replies(state: AppState, replies: List[dict]) -> List[dict]:
    """The bot's replies with the same masking as questions (the shop's own numbers stay)."""
    return [{**reply, "text": state.masker.mask(reply["text"]).text} for reply in replies]


def privacy_warning(state: AppState, session: WebSession, *found: Masked) -> Optional[dict]:
    """The warning bubble for kinds of data not yet warned about in this conversation."""
    new = [k for m in found for k in m.kinds if k not in session.warned]
    if not new:
        return None
    session.warned.extend(dict.fromkeys(new))
    return {"text": warning(new, state.contacts), "buttons": []}


def record_of(session: WebSession, text: str, result: TurnResult) -> TurnRecord:
    parse = result.parse or {}
    intent = (parse.get("intent") or {}).get("name")
    ranking = labelled_ranking(parse) if parse else []
    label, confidence = ranking[0] if ranking else (intent, None)
    faq_id = label.split("/", 1)[1] if label and label.startswith("faq/") else None
    return TurnRecord(
        conversation_id=session.conversation_id,
        username=customer_of(session),
        text=text,
        intent=intent,
        faq_id=faq_id,
        confidence=confidence,
        fallback=intent == "nlu_fallback",
        reply="\n".join(r["text"] for r in result.replies),
        outcome="degraded:" + result.degraded if result.degraded else "ok",
        candidates=ranking[:CANDIDATES_KEPT],
        reading=(parse.get("context_reading") or {}).get("used"),
    )


def log_turn(state: AppState, record: TurnRecord) -> Optional[int]:
    """The stored turn's id, or None when the store failed."""
    try:
        return state.journal.log_turn(record)
    except Exception as error:  # the customer still gets the answer; the log says why
        log.error("could not store the turn of %s: %s", record.conversation_id, error)
        return None


def store_turn(
    state: AppState, session: WebSession, record: TurnRecord, result: TurnResult, shown: str
) -> Optional[int]:
    """A turn's writes, in one trip to the thread pool: the conversation log's row (its id goes
    under the answer), then the session with the question and the replies."""
    turn_id = log_turn(state, record)
    if turn_id is not None and result.rateable:  # the buttons go under the answer's last bubble
        result.replies[-1]["turn_id"] = turn_id
    session.remember({"from": "user", "text": shown})
    for reply in result.replies:
        session.remember({"from": "bot", **reply})
    state.sessions.save(session)
    return turn_id


def user_json(session: Optional[WebSession]) -> Optional[dict]:
    if session is None or session.account is None:
        return None
    account = session.account
    return {
        "username": account.username,
        "display_name": account.display_name,
        "role": account.role,
    }


def set_cookie(state: AppState, response: Response, session: WebSession) -> None:
    response.set_cookie(
        COOKIE,
        session.id,
        httponly=True,
        samesite="strict",
        secure=state.settings.secure_cookies,
        path="/",
    )


@router.get("/api/session")
async def get_session(request: Request) -> dict:
    session = current_session(request)
    return {"user": user_json(session), "history": session.history if session else []}


@router.post("/api/chat")
async def chat(request: Request, response: Response) -> dict:
    state = state_of(request)
    data = await read_json(request)
    # What must not be stored is taken out before anything else sees the message: Rasa, its
    # tracker store, the conversation log, the session's history and every log line.
    typed = state.masker.mask(clean_text(data.get("text")))
    text = typed.text
    shown_as = optional_string(data, "display")  # a button shows its title, sends its payload
    shown = state.masker.mask(shown_as) if shown_as else typed
    client = client_address(request)
    session = current_session(request)
    admit(state, client, session)
    if session is None:
        session = state.sessions.create()
        set_cookie(state, response, session)
    state.client_limit.hit(client)
    state.chat_limit.hit(session.id)
    result = await run_turn(state, session.conversation_id, text, customer_of(session))
    result.replies = masked_replies(state, result.replies)
    error = result.replies[0]["text"] if result.degraded else None
    notice = privacy_warning(state, session, typed, shown)
    if notice:
        result.replies.insert(0, notice)
    record = record_of(session, text, result)
    turn_id = await run_in_threadpool(store_turn, state, session, record, result, shown.text)
    body: Dict[str, Any] = {"replies": result.replies, "turn_id": turn_id}
    if shown.changed:  # the page shows the question as it was kept
        body["masked"] = shown.text
    if result.degraded:
        response.status_code = 503
        body.update(error=error, down=result.degraded)
    return body


@router.post("/api/login")
async def login(request: Request, response: Response) -> dict:
    state = state_of(request)
    data = await read_json(request)
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        raise ApiError(422, "ユーザー名とパスワードを入力してください。")
    username = username.strip()[:100]
    client = client_address(request)
    keys = (f"user:{username}", f"client:{client}")
    wait = max(state.login_limit.blocked_for(key) for key in keys)
    if wait:
        minutes = int(wait // 60) + 1
        raise ApiError(
            429,
            f"ログインの失敗が続いたため、一時的にログインできません。{minutes}分ほどたってからお試しください。",
            {"Retry-After": str(int(wait) + 1)},
        )
    account = await run_in_threadpool(state.journal.login, username, password[:200])
    if account is None:
        for key in keys:
            state.login_limit.hit(key)
        raise ApiError(401, "ユーザー名またはパスワードが正しくありません。")
    state.login_limit.clear(keys[0])
    old = current_session(request)
    if old is not None:  # a new id at login: a cookie planted before cannot ride the login
        state.sessions.drop(old.id)
    session = state.sessions.create(account)
    set_cookie(state, response, session)
    return {"user": user_json(session)}


@router.post("/api/logout")
async def logout(request: Request, response: Response) -> dict:
    state = state_of(request)
    await read_json(request)
    session = current_session(request)
    if session is not None:
        state.sessions.drop(session.id)
    response.delete_cookie(COOKIE, path="/")
    return {"user": None}
