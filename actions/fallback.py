""" "Did you mean": the closest FAQ entries as buttons when the bot is unsure."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq_titles import faq_titles
from actions.replies import said
from bot.faq.titles import faq_buttons, suggested_ids
from bot.nlu.ranking import label_ranking, titles_in_parse

DID_YOU_MEAN = said(
    "申し訳ございません、ご質問の内容を確かめさせてください。次のうち、どれが近いでしょうか。"
)
NONE_FITS = said("どれにも当てはまらない")


class ActionDidYouMean(Action):
    """Offers the top FAQ entries as buttons, or the contact centers when none is close."""

    def name(self) -> str:
        return "action_did_you_mean"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        # The titles of the snapshot that ranked this turn; the corpus files for a model's own index.
        titles = titles_in_parse(tracker.latest_message or {}) or faq_titles()
        offered = suggested_ids(label_ranking(tracker.latest_message or {}), titles)
        if not offered:
            dispatcher.utter_message(response="utter_none_fits")
            return []
        buttons = faq_buttons(offered, titles)
        buttons.append({"title": NONE_FITS, "payload": "/deny"})
        # Text here rather than in domain.yml: Rasa's validator flags responses no rule uses.
        dispatcher.utter_message(text=DID_YOU_MEAN, buttons=buttons)
        return []
