"""`make insights`: the conversation log turned into the content team's to-do list."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from bot.evaluation.insights import daily_rates, insights_of, write_insights
from bot.store import Journal, TurnRecord, ensure_seeded, make_engine
from bot.store.views import TurnView

ROOT = Path(__file__).resolve().parents[2]


def turn(text: str, *, fallback=False, confidence=0.9, faq_id="payment_methods", user=None):
    return TurnRecord("c1", user, text, "faq", faq_id, confidence, fallback, "reply")


def test_report_from_a_logged_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    engine = make_engine(url)
    ensure_seeded(engine)
    journal = Journal(engine)
    ids = [
        journal.log_turn(record)
        for record in [
            turn("ほげほげ", fallback=True, confidence=None, faq_id=None),
            turn("ほげほげ!", fallback=True, confidence=None, faq_id=None),  # the same, normalised
            turn("ふがふが", fallback=True, confidence=None, faq_id=None),
            turn("支払いは?", confidence=0.3),
            turn("支払い方法を教えて", user="yamada"),
            turn("ポイントの有効期限はいつまでですか"),
        ]
    ]
    journal.set_feedback(ids[4], "c1", "helpful")
    journal.set_feedback(ids[5], "c1", "unhelpful")
    engine.dispose()
    report = write_insights(tmp_path / "reports", url, project_root=ROOT)
    assert report["turns"] == 6
    assert report["fallback_rate"] == 0.5
    assert report["fallback"] == [
        {"text": "ほげほげ", "count": 2},
        {"text": "ふがふが", "count": 1},
    ]
    assert report["low_confidence"] == [
        {"text": "支払いは?", "label": "payment_methods", "count": 1}
    ]
    [day] = report["per_day"]
    assert (day["turns"], day["answer_rate"], day["helpful_rate"]) == (6, 0.5, 0.5)
    grouped = {q["text"]: g for g in report["groups"] for q in g["questions"]}
    assert set(grouped) == {
        "ほげほげ",
        "ふがふが",
        "支払いは?",
        "ポイントの有効期限はいつまでですか",
    }
    assert grouped["ほげほげ"]["turns"] == 2 and grouped["ほげほげ"]["customers"] == 1
    assert grouped["ポイントの有効期限はいつまでですか"]["unhelpful_share"] == 1.0
    assert all(g["nearest_title"] and 0 < g["nearest_similarity"] <= 1 for g in report["groups"])
    text = (tmp_path / "reports" / "insights.md").read_text(encoding="utf-8")
    assert "ふがふが" in text and "支払いは?" in text
    assert "grouped by meaning" in text and "ポイントの有効期限はいつまでですか (1)" in text
    assert (tmp_path / "reports" / "insights.png").stat().st_size > 1000


def test_rates_per_day_leave_days_without_feedback_open():
    def at(day, fallback, feedback=None):
        moment = datetime(2026, 3, day, 12, tzinfo=timezone.utc)
        return TurnView(moment, "c", None, "x", None, None, None, fallback, "", "ok", 1, (),
                        feedback)  # fmt: skip

    rows = daily_rates([at(1, True), at(1, False, "helpful"), at(2, False), at(2, False)])
    assert [(r["day"], r["answer_rate"], r["helpful_rate"]) for r in rows] == [
        ("2026-03-01", 0.5, 1.0),
        ("2026-03-02", 1.0, None),
    ]


def test_an_empty_log_gives_an_empty_report():
    report = insights_of([])
    assert report == {
        "turns": 0, "fallback_rate": 0.0, "fallback": [], "low_confidence": [], "per_day": [],
    }  # fmt: skip
