"""`make insights`: what the content team should look at, from the conversation log.

The most frequent questions the bot did not understand (fallback) and the answers it gave with
low confidence; those and the answers customers found unhelpful grouped by meaning
(bot/insights/groups.py), the groups affecting the most customers first; the answer rate and the
helpful rate per day, with a chart. The agent console's insights view shows the same figures.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timezone
from pathlib import Path
from typing import Any, Dict, List

from bot.faq.corpus import normalized_question
from bot.insights import LOW_CONFIDENCE

GROUPS_SHOWN = 20


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def daily_rates(turns) -> List[Dict[str, Any]]:
    """Per UTC day: turns, answer rate (not fallback) and helpful rate (of the feedback given)."""
    days: Dict[str, Counter] = {}
    for turn in turns:
        day = days.setdefault(turn.at.astimezone(timezone.utc).date().isoformat(), Counter())
        day["turns"] += 1
        day["answered"] += not turn.fallback
        day[turn.feedback or "none"] += 1
    return [
        {
            "day": day,
            "turns": n["turns"],
            "answer_rate": _rate(n["answered"], n["turns"]),
            "helpful": n["helpful"],
            "unhelpful": n["unhelpful"],
            "helpful_rate": _rate(n["helpful"], n["helpful"] + n["unhelpful"]),
        }
        for day, n in sorted(days.items())
    ]


def insights_of(turns, limit: int = 20) -> Dict[str, Any]:
    """Frequent fallback questions, low-confidence answers, turns and rates per day."""
    fallback: Counter = Counter()
    low: Counter = Counter()
    examples: Dict[str, str] = {}
    for turn in turns:
        key = normalized_question(turn.text)
        examples.setdefault(key, turn.text)
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
        "per_day": daily_rates(turns),
    }


def groups_of(turns, corpus_dir: Path, project_root: Path, embedder=None) -> List[Dict]:
    """The question groups (bot/insights/groups.py) as JSON rows, the most customers first."""
    from bot.insights.groups import CorpusTexts, group_json, group_questions, known_out_of_scope

    found = group_questions(turns, corpus_dir, known_out_of_scope(project_root), embedder)
    titles = CorpusTexts.load(corpus_dir).titles
    return [group_json(g, titles) for g in found[:GROUPS_SHOWN]]


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f} %"


def groups_markdown(groups: List[Dict]) -> List[str]:
    lines = [
        "",
        "## Questions grouped by meaning (fallback, low confidence, 役に立たなかった)",
        "",
        "| customers | turns | questions | 役に立たなかった | nearest entry | first seen | last seen |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for g in groups:
        shown = " / ".join(f"{q['text']} ({q['count']})" for q in g["questions"][:3])
        more = g["distinct_questions"] - min(3, len(g["questions"]))
        nearest = f"{g['nearest_title']} ({g['nearest_faq_id']}, {g['nearest_similarity']:.3f})"
        lines.append(
            f"| {g['customers']} | {g['turns']} | {shown}{f' …+{more}' if more > 0 else ''} "
            f"| {_percent(g['unhelpful_share'])} | {nearest} | {g['first_seen'][:16]} "
            f"| {g['last_seen'][:16]} |"
        )
    return lines if groups else lines + ["| — | | | | | | |"]


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
    if "groups" in report:
        lines += groups_markdown(report["groups"])
    lines += [
        "",
        "## Per day",
        "",
        "| day | turns | answer rate | helpful rate |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {d['day']} | {d['turns']} | {_percent(d['answer_rate'])} | {_percent(d['helpful_rate'])} |"
        for d in report["per_day"]
    ] or ["| — | | | |"]
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
    figure, (days, rates, top) = plt.subplots(1, 3, figsize=(18, 4))
    labels = [d["day"][5:] for d in report["per_day"]]
    days.bar(labels, [d["turns"] for d in report["per_day"]])
    days.set_title("turns per day")
    for key, colour in (("answer_rate", "#1f77b4"), ("helpful_rate", "#2ca02c")):
        values = [float("nan") if d[key] is None else d[key] for d in report["per_day"]]
        rates.plot(labels, values, marker="o", color=colour, label=key.replace("_", " "))
    rates.set_ylim(0, 1.05)
    rates.legend(loc="lower left")
    rates.set_title("answer rate and helpful rate per day")
    rows = report["fallback"][:10][::-1]
    top.barh([r["text"][:24] for r in rows], [r["count"] for r in rows], color="#c8102e")
    top.set_title("most frequent fallback questions")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_insights(
    reports: Path,
    database_url: str | None = None,
    project_root: Path = Path("."),
    corpus_dir: Path | None = None,
) -> Dict[str, Any]:
    from bot.store import Journal, ensure_seeded, make_engine

    engine = make_engine(database_url)
    try:
        ensure_seeded(engine)
        turns = Journal(engine).turns(None, 100_000)
    finally:
        engine.dispose()
    report = insights_of(turns)
    report["groups"] = groups_of(turns, corpus_dir or project_root / "faq_corpus", project_root)
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "insights.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (reports / "insights.md").write_text(markdown(report), encoding="utf-8")
    chart(report, reports / "insights.png")
    return report
