"""Answers computed from the logged-in customer's own data; a login hint for visitors."""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import billing, clock, contracts, orders
from actions.contact import contact_reply
from actions.customer import current_customer, store, verified_username
from actions.replies import ANONYMOUS_ORDER_STATUS, LOGIN_HINT, Message, contact, said, text

logger = logging.getLogger(__name__)

Handler = Callable[[Any, Any, Any], List[Message]]

# FAQ entries marked personal in faq_catalog.yml, and how each is answered for a customer.
PERSONAL_ANSWERS: Dict[str, Handler] = {
    "service_start_date": orders.service_start_date,
    "completion_mail_missing": orders.completion_mail_missing,
    "activation_notice_missing": orders.activation_notice_missing,
    "order_change_cancel": orders.order_change_cancel,
    "bizd_cannot_proceed": orders.bizd_cannot_proceed,
    "order_history": orders.order_history,
    "colleague_order_history": orders.colleague_order_history,
    "payment_methods": billing.payment_methods,
    "payment_due_date": billing.payment_due_date,
    "credit_card_available": billing.credit_card_available,
    "invoice_type": billing.invoice_type,
    "contract_details": contracts.contract_details,
    "cancellation_method": contracts.cancellation_method,
    "cancellation_fee": contracts.cancellation_fee,
}
# The store is down: the contact center, which the seed names for ③ OCNなど's contracts.
SORRY = said(
    "申し訳ございません。ただいまお客さまのご注文・ご契約の情報をお調べすることができない状態です。"
    "時間をおいてお試しいただくか、{center}へお問い合わせください。",
    "③OCNなど、上記以外のサービスをご契約中のお客さま",
)


def answered_faq_id(tracker: Tracker) -> str | None:
    """The FAQ entry the ResponseSelector chose for the latest message."""
    selector = (tracker.latest_message or {}).get("response_selector") or {}
    key = ((selector.get("faq") or {}).get("response") or {}).get("intent_response_key") or ""
    return key.split("/", 1)[1] if "/" in key else None


def for_customer(tracker: Tracker, handler: Handler) -> List[Message]:
    """Runs a handler for the verified customer; an unknown user gets the login hint."""
    customer = current_customer(tracker)
    if customer is None:
        return [text(LOGIN_HINT)]
    return handler(customer, store(), clock.now())


def answer_customer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    handler: Handler,
    visitor_text: str = LOGIN_HINT,
) -> None:
    """Visitors get `visitor_text` without touching the store; customers get `handler`'s reply."""
    if verified_username(tracker) is None:
        dispatcher.utter_message(text=visitor_text)
        return
    safely(dispatcher, lambda: for_customer(tracker, handler))


def send(dispatcher: CollectingDispatcher, messages: List[Message]) -> None:
    """Sends each prepared message."""
    for message in messages:
        dispatcher.utter_message(text=message["text"], buttons=message.get("buttons") or [])


def safely(dispatcher: CollectingDispatcher, build: Callable[[], List[Message]]) -> None:
    """Runs a lookup; if the store fails, apologises with the contact center instead of silence."""
    try:
        messages = build()
    except Exception:  # the customer gets a polite answer whatever broke below
        logger.exception("personal answer failed")
        messages = [text(SORRY.format(center=contact("contact_center")))]
    send(dispatcher, messages)


class ActionPersonalAnswer(Action):
    """After the general FAQ answer: the customer's own data, or a login hint for visitors."""

    def name(self) -> str:
        return "action_personal_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        faq_id = answered_faq_id(tracker)
        events = [SlotSet("faq_topic", faq_id)]
        handler = PERSONAL_ANSWERS.get(faq_id or "")
        if handler is not None:
            answer_customer(dispatcher, tracker, handler)
        return events


class ActionCheckOrderStatus(Action):
    """The status of the customer's order: by number, or a list to choose from."""

    def name(self) -> str:
        return "action_check_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        number = next(tracker.get_latest_entity_values("order_number"), None)

        def status(customer: Any, st: Any, now: Any) -> List[Message]:
            return orders.order_status(customer, st, number)

        answer_customer(dispatcher, tracker, status, visitor_text=ANONYMOUS_ORDER_STATUS)
        return []


class ActionChooseContract(Action):
    """The cancellation route of the contract the customer picked from the buttons."""

    def name(self) -> str:
        return "action_choose_contract"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        number = next(tracker.get_latest_entity_values("contract_number"), None)

        def route(customer: Any, st: Any, now: Any) -> List[Message]:
            return contracts.cancellation_method(customer, st, now, contract_number=number)

        answer_customer(dispatcher, tracker, route)
        return []


class ActionContactInfo(Action):
    """Contact centers for the topic of the conversation, and whether they are open now."""

    def name(self) -> str:
        return "action_contact_info"

    handoff = False

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        topic = tracker.get_slot("faq_topic")

        safely(dispatcher, lambda: contact_reply(clock.now(), topic, self.handoff))
        return []


class ActionHumanHandoff(ActionContactInfo):
    """A person: the right center, its hours, and whether it is open now."""

    handoff = True

    def name(self) -> str:
        return "action_human_handoff"
