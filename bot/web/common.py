"""What every route of the web app shares: its state, errors with Japanese messages, roles."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from fastapi import Request

from bot.nlu.ranking import label_ranking
from bot.privacy.detect import Masker
from bot.store import Journal
from bot.web.sessions import COOKIE, SessionStore, SlidingWindow, WebSession
from bot.web.settings import Settings
from bot.web.upstream import Upstream

MAX_TEXT_CHARS = 500
MAX_BODY_BYTES = 256 * 1024

ROLE_NAMES = {
    "customer": "お客さま",
    "agent": "サポート担当",
    "content": "コンテンツ担当",
    "admin": "管理者",
}


class ApiError(Exception):
    """An error the caller can act on: HTTP status and a Japanese message."""

    def __init__(self, status: int, message: str, headers: Optional[Dict[str, str]] = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


@dataclass
class AppState:
    settings: Settings
    sessions: SessionStore
    journal: Journal
    upstream: Upstream
    chat_limit: SlidingWindow
    client_limit: SlidingWindow
    login_limit: SlidingWindow
    contact_line: str  # the contact center's name, number and hours, for apologies
    masker: Masker  # takes out what must not be stored (the shop's own numbers stay)
    contacts: Dict[str, str]  # contact key -> name, number and hours, for the privacy warning


def state_of(request: Request) -> AppState:
    return request.app.state.bot


def current_session(request: Request) -> Optional[WebSession]:
    return state_of(request).sessions.get(request.cookies.get(COOKIE))


def client_address(request: Request) -> str:
    """The caller's address as the server sees it (for rate limits and the audit log)."""
    return request.client.host if request.client else "?"


def admit(state: AppState, client: str, session: Optional[WebSession]) -> None:
    """429 when this client or session sent too much lately (chat turns and feedback alike)."""
    wait = state.client_limit.blocked_for(client)
    if not wait and session is not None:
        wait = state.chat_limit.blocked_for(session.id)
    if wait:
        raise ApiError(
            429,
            "送信が続いたため、少しお待ちください。"
            f"{int(wait) + 1}秒ほどで再びご利用いただけます。",
            {"Retry-After": str(int(wait) + 1)},
        )


def require_role(request: Request, role: str) -> WebSession:
    """The session of a user with `role`; 401 when not logged in, 403 for any other role."""
    session = current_session(request)
    if session is None or session.account is None:
        raise ApiError(401, "ログインしてください。")
    if session.account.role != role:
        raise ApiError(403, f"この操作は{ROLE_NAMES[role]}のアカウントでのみ利用できます。")
    return session


async def read_json(request: Request) -> Dict[str, Any]:
    """The request's JSON object, or an ApiError saying in Japanese what is wrong with it."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "Content-Type: application/json の JSON で送ってください。")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise ApiError(413, "送信されたデータが大きすぎます。")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(
            400, "リクエストの JSON を読み取れませんでした。形式をご確認ください。"
        ) from None
    if not isinstance(data, dict):
        raise ApiError(400, "リクエストは JSON オブジェクト({...})で送ってください。")
    return data


def clean_text(value: Any, field: str = "text", limit: int = MAX_TEXT_CHARS) -> str:
    """A question as typed: a string, not blank, at most `limit` characters, no control codes."""
    if not isinstance(value, str):
        raise ApiError(422, f"{field} には文字列を指定してください。")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise ApiError(422, "読み取れない文字が含まれています。入力し直してください。")
    text = "".join(
        " " if unicodedata.category(ch) == "Cc" and ch not in "\n\t" else ch for ch in value
    ).strip()
    if not text:
        raise ApiError(422, "メッセージを入力してください。")
    if len(text) > limit:
        raise ApiError(
            422, f"メッセージは{limit}文字以内で入力してください(現在{len(text)}文字です)。"
        )
    return text


def optional_string(data: Dict[str, Any], key: str, limit: int = 100) -> Optional[str]:
    """An optional short text, cleaned like a question (None when absent)."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ApiError(422, f"{key} には{limit}文字以内の文字列を指定してください。")
    return clean_text(value, key, limit)


def labelled_ranking(parse: Dict[str, Any]) -> List[Tuple[str, float]]:
    """label_ranking with FAQ entries named as labels (faq/<id>), like the judgements."""
    selector = (parse.get("response_selector") or {}).get("faq") or {}
    faq_ids = {
        str(c.get("intent_response_key") or "").split("/", 1)[-1]
        for c in selector.get("ranking") or []
    }
    return [
        (f"faq/{name}" if name in faq_ids else name, confidence)
        for name, confidence in label_ranking(parse)
    ]
