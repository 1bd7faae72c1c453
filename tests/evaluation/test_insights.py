"""`make insights`: the conversation log turned into the content team's to-do list."""

from __future__ import annotations

from bot.evaluation.insights import insights_of, write_insights
from bot.store import Journal, TurnRecord, ensure_seeded, make_engine


def turn(text: str, *, fallback=False, confidence=0.9, faq_id="payment_methods", user=None):
    return TurnRecord("c1", user, text, "faq", faq_id, confidence, fallback, "reply")


def test_report_from_a_logged_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    engine = make_engine(url)
    ensure_seeded(engine)
    journal = Journal(engine)
    for record in [
        turn("ほげほげ", fallback=True, confidence=None, faq_id=None),
        turn("ほげほげ!", fallback=True, confidence=None, faq_id=None),  # the same, normalised
        turn("ふがふが", fallback=True, confidence=None, faq_id=None),
        turn("支払いは?", confidence=0.3),
        turn("支払い方法を教えて", user="yamada"),
    ]:
        journal.log_turn(record)
    engine.dispose()
    report = write_insights(tmp_path / "reports", url)
    assert report["turns"] == 5
    assert report["fallback_rate"] == 0.6
    assert report["fallback"] == [
        {"text": "ほげほげ", "count": 2},
        {"text": "ふがふが", "count": 1},
    ]
    assert report["low_confidence"] == [
        {"text": "支払いは?", "label": "payment_methods", "count": 1}
    ]
    text = (tmp_path / "reports" / "insights.md").read_text(encoding="utf-8")
    assert "ふがふが" in text and "支払いは?" in text
    assert (tmp_path / "reports" / "insights.png").stat().st_size > 1000


def test_an_empty_log_gives_an_empty_report():
    report = insights_of([])
    assert report == {
        "turns": 0, "fallback_rate": 0.0, "fallback": [], "low_confidence": [], "per_day": [],
    }  # fmt: skip
