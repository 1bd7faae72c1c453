"""`make insights`: what the content team should look at, from the conversation log.

The most frequent questions the bot did not understand (fallback) and the answers it gave with
low confidence, with a chart; the same figures as the agent console's insights view.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timezone
from pathlib import Path
from typing import Any, Dict

from bot.faq.corpus import normalized_question

LOW_CONFIDENCE = 0.5


def insights_of(turns, limit: int = 20) -> Dict[str, Any]:
    """Frequent fallback questions, low-confidence answers, turns per day."""
    fallback: Counter = Counter()
    low: Counter = Counter()
    examples: Dict[str, str] = {}
    per_day: Counter = Counter()
    for turn in turns:
        key = normalized_question(turn.text)
        examples.setdefault(key, turn.text)
        per_day[turn.at.astimezone(timezone.utc).date().isoformat()] += 1
        if turn.fallback:
            fallback[key] += 1
        elif turn.confidence is not None and turn.confidence < LOW_CONFIDENCE:
            low[(key, turn.faq_id or turn.intent or "")] += 1
    return {
        "turns": len(turns),
        "fallback_rate": round(sum(fallback.values()) / len(turns), 4) if turns else 0.0,
        "fallback": [{"text": examples[k], "count": n} for k, n in fallback.most_common(limit)],
        "low_confidence": [
            {"text": examples[k], "label": label, "count": n}
            for (k, label), n in low.most_common(limit)
        ],
        "per_day": [{"day": d, "turns": n} for d, n in sorted(per_day.items())],
    }


def markdown(report: Dict[str, Any]) -> str:
    lines = [
        "# Conversation insights",
        "",
        f"{report['turns']} turns logged; fallback rate {report['fallback_rate'] * 100:.1f} %.",
        "",
        "![chart](insights.png)",
        "",
        "## Most frequent questions the bot did not understand",
        "",
        "| question | times |",
        "| --- | --- |",
    ]
    lines += [f"| {row['text']} | {row['count']} |" for row in report["fallback"]] or ["| — | |"]
    lines += [
        "",
        f"## Answers given with confidence under {LOW_CONFIDENCE}",
        "",
        "| question | answered as | times |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| {row['text']} | {row['label']} | {row['count']} |" for row in report["low_confidence"]
    ] or ["| — | | |"]
    return "\n".join(lines) + "\n"


def chart(report: Dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    for name in ("Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic"):
        if any(f.name == name for f in font_manager.fontManager.ttflist):
            plt.rcParams["font.family"] = name
            break
    figure, (days, top) = plt.subplots(1, 2, figsize=(12, 4))
    days.bar([d["day"][5:] for d in report["per_day"]], [d["turns"] for d in report["per_day"]])
    days.set_title("turns per day")
    rows = report["fallback"][:10][::-1]
    top.barh([r["text"][:24] for r in rows], [r["count"] for r in rows], color="#c8102e")
    top.set_title("most frequent fallback questions")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_insights(reports: Path, database_url: str | None = None) -> Dict[str, Any]:
    from bot.store import Journal, ensure_seeded, make_engine

    engine = make_engine(database_url)
    try:
        ensure_seeded(engine)
        report = insights_of(Journal(engine).turns(None, 100_000))
    finally:
        engine.dispose()
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "insights.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (reports / "insights.md").write_text(markdown(report), encoding="utf-8")
    chart(report, reports / "insights.png")
    return report
