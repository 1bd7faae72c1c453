"""Fallback that judges FAQ answers by P(faq) x P(entry | faq), not by P(faq) alone."""

from __future__ import annotations

from typing import Any, Dict, List, Type

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.classifiers.fallback_classifier import (
    AMBIGUITY_THRESHOLD_KEY,
    THRESHOLD_KEY,
    FallbackClassifier,
)
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.bm25_ranker import content_terms
from bot.nlu.ranking import RETRIEVAL_INTENT, label_ranking

OUT_OF_SCOPE = "out_of_scope"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FaqAwareFallbackClassifier(FallbackClassifier):
    """Predicts nlu_fallback when the best answer, FAQ entry or intent, is weak or ambiguous.

    Rasa's own FallbackClassifier only sees the intent `faq`, which can be confident while
    the ResponseSelector hesitates between two entries; this one ranks the entries
    themselves, so "did you mean" appears exactly when two entries are close.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Rasa's thresholds, and the fewest content words an FAQ answer needs."""
        return {**FallbackClassifier.get_default_config(), "min_content_words": 2}

    @classmethod
    def required_components(cls) -> List[Type]:
        """Runs after the intent classifier and the FAQ ranking (ResponseSelector or FaqRanker)."""
        return [IntentClassifier]

    def _should_fallback(self, message: Message) -> bool:
        ranking = label_ranking(message.data)
        if not ranking:
            return True
        best = ranking[0][1]
        if best < self.component_config[THRESHOLD_KEY]:
            return True
        if self._too_vague(message, ranking[0][0]):
            return True
        second = ranking[1][1] if len(ranking) > 1 else 0.0
        return best - second < self.component_config[AMBIGUITY_THRESHOLD_KEY]

    def _too_vague(self, message: Message, label: str) -> bool:
        """A question of one content word names a topic, not a need (「契約」, 「届かない」):
        however confident the ranking, the customer should choose among the candidates.
        Conversational intents (「こんにちは」, 「はい」) are short by nature and are left alone."""
        intent = (message.get(INTENT) or {}).get("name")
        if intent not in (RETRIEVAL_INTENT, OUT_OF_SCOPE) and label != OUT_OF_SCOPE:
            return False
        words = content_terms(message.get(TOKENS_NAMES[TEXT]))
        return len(words) < self.component_config.get("min_content_words", 0)
