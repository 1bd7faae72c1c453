"""One ranking over intents and FAQ entries, and the label the bot acts on."""

from bot.nlu.ranking import label_ranking, predicted_label


def parse(intents, faq=None, top=None):
    data = {
        "intent": top or intents[0],
        "intent_ranking": intents,
    }
    if faq is not None:
        data["response_selector"] = {
            "faq": {
                "ranking": [{"intent_response_key": f"faq/{k}", "confidence": c} for k, c in faq]
            }
        }
    return data


def test_faq_entries_are_scored_within_the_faq_intent():
    p = parse(
        [{"name": "faq", "confidence": 0.8}, {"name": "greet", "confidence": 0.2}],
        faq=[("receipt", 0.5), ("invoice_type", 0.4), ("invoice_timing", 0.1)],
    )
    ranking = label_ranking(p)
    assert [label for label, _ in ranking] == ["receipt", "invoice_type", "greet", "invoice_timing"]
    assert abs(ranking[0][1] - 0.4) < 1e-9
    assert predicted_label(p) == ranking[0]


def test_named_intent_wins_when_it_outranks_every_entry():
    p = parse(
        [{"name": "greet", "confidence": 0.7}, {"name": "faq", "confidence": 0.3}],
        faq=[("receipt", 0.9)],
    )
    assert predicted_label(p)[0] == "greet"


def test_fallback_intent_gives_the_fallback_label_but_keeps_the_candidates():
    fallback = {"name": "nlu_fallback", "confidence": 0.4}
    p = parse(
        [fallback, {"name": "faq", "confidence": 0.6}, {"name": "deny", "confidence": 0.4}],
        faq=[("receipt", 0.5), ("invoice_type", 0.5)],
        top=fallback,
    )
    assert predicted_label(p)[0] == "fallback"
    assert [label for label, _ in label_ranking(p)][:2] == ["deny", "receipt"]


def test_empty_parse():
    assert label_ranking({}) == []
    assert predicted_label({}) == ("fallback", 0.0)
