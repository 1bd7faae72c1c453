"""The customer's feedback on an answer (役に立った / 役に立たなかった), and what follows a 役に立たなかった.

One value per answer: it is stored on the turn in the conversation log, a second click replaces
it, and a repeated click changes nothing. After the first 役に立たなかった the bot offers the other
"did you mean" candidates the turn had and the contact center, open now or not; both are
remembered in the session's history like any bot reply, so a reload shows them once.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from bot.faq.titles import faq_buttons, faq_titles, suggested_ids
from bot.store.models import FEEDBACK
from bot.store.views import TurnView
from bot.web.chat import customer_of, masked_replies, run_turn
from bot.web.common import (
    ApiError,
    AppState,
    admit,
    client_address,
    current_session,
    read_json,
    state_of,
)
from bot.web.sessions import WebSession

router = APIRouter()

# The same answer for a missing session, an unknown turn and another conversation's turn: the
# caller never learns that someone else's turn exists.
NO_SUCH_ANSWER = (
    "ご意見をお送りいただく回答が見つかりませんでした。"
    "ページを再読み込みしてから、もう一度お試しください。"
)
BAD_TURN_ID = "turn_id には、ご意見をお送りいただく回答の番号(正の整数)を指定してください。"
BAD_FEEDBACK = (
    'feedback には "helpful"(役に立った)または "unhelpful"(役に立たなかった)を指定してください。'
)
OTHER_CANDIDATES = "お役に立てず申し訳ございません。次のご質問への回答はいかがでしょうか。"
CONTACT_INFO = "/contact_info"  # the contact_info intent: the right center, open now or not
MAX_TURN_ID = 2**63 - 1


def feedback_request(data: Dict[str, Any]) -> Tuple[int, str]:
    """(turn id, feedback) from the request body, or a 422 saying what is wrong."""
    turn_id, feedback = data.get("turn_id"), data.get("feedback")
    if isinstance(turn_id, bool) or not isinstance(turn_id, int) or not 0 < turn_id <= MAX_TURN_ID:
        raise ApiError(422, BAD_TURN_ID)
    if not isinstance(feedback, str) or feedback not in FEEDBACK:
        raise ApiError(422, BAD_FEEDBACK)
    return turn_id, feedback


def answer_entry(session: WebSession, turn_id: int) -> Optional[dict]:
    """The history entry of the bubble the buttons are under (None once it aged out)."""
    return next((e for e in reversed(session.history) if e.get("turn_id") == turn_id), None)


def candidates_reply(state: AppState, turn: TurnView) -> Optional[dict]:
    """The turn's other did-you-mean candidates as buttons, like the fallback offers them."""
    titles = faq_titles(str(state.settings.corpus_dir))
    ranking = [(label.removeprefix("faq/"), confidence) for label, confidence in turn.candidates]
    offered = suggested_ids(ranking, titles, exclude={turn.faq_id} if turn.faq_id else ())
    if not offered:
        return None
    return {"text": OTHER_CANDIDATES, "buttons": faq_buttons(offered, titles)}


async def follow_up(state: AppState, session: WebSession, turn: TurnView) -> List[dict]:
    """What the bot says after 役に立たなかった: other candidates, then the contact center.

    The contact center comes from the contact_info answer of the action server, so the same
    rules pick it (the conversation's topic, the customer's own orders when logged in, a
    visitor gets the general centers) and say whether it is open now; if Rasa or the actions
    are down, the apology names the main line instead.
    """
    contact = await run_turn(state, session.conversation_id, CONTACT_INFO, customer_of(session))
    offer = candidates_reply(state, turn)
    return masked_replies(state, ([offer] if offer else []) + contact.replies)


@router.post("/api/feedback")
async def feedback(request: Request) -> dict:
    state = state_of(request)
    data = await read_json(request)
    turn_id, value = feedback_request(data)
    client = client_address(request)
    session = current_session(request)
    admit(state, client, session)
    state.client_limit.hit(client)
    if session is None:
        raise ApiError(404, NO_SUCH_ANSWER)
    state.chat_limit.hit(session.id)
    before = await run_in_threadpool(state.journal.turn, turn_id)
    if before is None or before.conversation_id != session.conversation_id:
        raise ApiError(404, NO_SUCH_ANSWER)
    after = before  # a repeated click leaves the turn as it is, its time included
    if before.feedback != value:
        after = await run_in_threadpool(
            state.journal.set_feedback, turn_id, session.conversation_id, value
        )
    if after is None:  # erased or purged in the meantime
        raise ApiError(404, NO_SUCH_ANSWER)
    entry = answer_entry(session, turn_id) or {}
    replies: List[dict] = []
    if value == "unhelpful" and before.feedback != "unhelpful" and not entry.get("followed_up"):
        replies = await follow_up(state, session, after)
    # A reload shows the chosen button, and a later 役に立たなかった does not repeat the offer.
    entry.update(feedback=value, followed_up=entry.get("followed_up") or bool(replies))
    for reply in replies:
        session.remember({"from": "bot", **reply})
    await run_in_threadpool(state.sessions.save, session)
    return {"turn_id": turn_id, "feedback": after.feedback, "replies": replies}
