""" "Did you mean": the closest FAQ entries as buttons when the bot is unsure."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq_titles import faq_titles
from bot.nlu.ranking import label_ranking

MAX_SUGGESTIONS = 3
DID_YOU_MEAN = (
    "申し訳ございません、ご質問の内容を確かめさせてください。次のうち、どれが近いでしょうか。"
)
NONE_FITS = "どれにも当てはまらない"
# Candidates weaker than this are noise, not suggestions.
MIN_SUGGESTION_CONFIDENCE = 0.05


def suggestions(parse: Dict[str, Any], titles: Dict[str, Any]) -> List[str]:
    """FAQ ids worth offering, best first (at most three)."""
    return [
        label
        for label, confidence in label_ranking(parse)
        if label in titles and confidence >= MIN_SUGGESTION_CONFIDENCE
    ][:MAX_SUGGESTIONS]


class ActionDidYouMean(Action):
    """Offers the top FAQ entries as buttons, or the contact centers when none is close."""

    def name(self) -> str:
        return "action_did_you_mean"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        titles = faq_titles()
        offered = suggestions(tracker.latest_message or {}, titles)
        if not offered:
            dispatcher.utter_message(response="utter_none_fits")
            return []
        # The payload is the canonical question: it is in the training data, so a click
        # is understood like any typed question and the answer follows the usual rules.
        buttons = [{"title": titles[faq_id][0], "payload": titles[faq_id][1]} for faq_id in offered]
        buttons.append({"title": NONE_FITS, "payload": "/deny"})
        # Text here rather than in domain.yml: Rasa's validator flags responses no rule uses.
        dispatcher.utter_message(text=DID_YOU_MEAN, buttons=buttons)
        return []
