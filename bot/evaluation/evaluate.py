"""`make eval`: accuracy of the trained model on held-out questions, written to reports/."""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

from bot.evaluation.conversations import (
    SHOP_CONVERSATIONS,
    TABLE_HEAD,
    both_readings,
    load_conversations,
    markdown_rows,
)
from bot.faq.corpus import load_corpus
from bot.models import latest_model
from bot.nlu.ranking import FALLBACK_LABEL, label_ranking, predicted_label

INTENT_TESTS = Path("tests/data/intent_tests.yml")
# Held-out out-of-scope questions (never trained on): the first list, questions that use the
# shop's words about something else, and questions with none of its words.
OUT_OF_SCOPE_LISTS = {
    "original": Path("tests/data/out_of_scope_eval.txt"),
    "shop_words": Path("tests/data/out_of_scope_shop_words.txt"),
    "general": Path("tests/data/out_of_scope_general.txt"),
}
NOT_ANSWERED = {FALLBACK_LABEL, "out_of_scope"}


def held_out_questions(corpus: Path) -> List[Tuple[str, str]]:
    """(question, expected label): the corpus's test questions and the intent tests."""
    cases = [
        (item.text, entry.id)
        for corpus_file in load_corpus(corpus)
        for entry in corpus_file.entries
        for item in entry.tests
    ]
    if INTENT_TESTS.exists():
        for intent, questions in (yaml.safe_load(INTENT_TESTS.read_text("utf-8")) or {}).items():
            cases += [(q, intent) for q in questions]
    return cases


def out_of_scope_questions() -> List[Tuple[str, str]]:
    """(question, list name) of every out-of-scope list, one question per line."""
    out = []
    for name, path in OUT_OF_SCOPE_LISTS.items():
        if path.exists():
            out += [(line.strip(), name) for line in path.read_text("utf-8").splitlines()]
    return [(text, name) for text, name in out if text]


def out_of_scope_figures(oos: List[Tuple[str, str]], labels: List[str]) -> Dict[str, Any]:
    """The share of out-of-scope questions not answered with an FAQ, overall and per list."""

    def share(rows: List[int], wanted) -> float:
        return sum(labels[i] in wanted for i in rows) / max(1, len(rows))

    everything = list(range(len(oos)))
    per_list = {}
    for name in dict.fromkeys(n for _, n in oos):
        rows = [i for i, (_, n) in enumerate(oos) if n == name]
        per_list[name] = {"questions": len(rows), "not_answered": share(rows, NOT_ANSWERED)}
    return {
        "questions": len(oos),
        "not_answered": share(everything, NOT_ANSWERED),
        "fallback": share(everything, {FALLBACK_LABEL}),
        "out_of_scope_intent": share(everything, {"out_of_scope"}),
        "lists": per_list,
        "answered": [
            {"text": text, "list": name, "predicted": label}
            for (text, name), label in zip(oos, labels)
            if label not in NOT_ANSWERED
        ],
    }


def percentile(values: List[float], share: float) -> float:
    """The value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def score(
    cases: List[Tuple[str, str]], parses: List[Dict[str, Any]], faq_ids: List[str]
) -> Dict[str, Any]:
    """Top-1, top-3, macro-F1 and confusions of predictions against expectations."""
    from sklearn.metrics import f1_score

    expected = [label for _, label in cases]
    predicted = [predicted_label(p)[0] for p in parses]
    top3 = [[name for name, _ in label_ranking(p)[:3]] for p in parses]
    faq_rows = [i for i, label in enumerate(expected) if label in faq_ids]
    intent_rows = [i for i, label in enumerate(expected) if label not in faq_ids]

    def accuracy(rows: List[int]) -> float:
        return sum(predicted[i] == expected[i] for i in rows) / len(rows) if rows else 0.0

    confusions = Counter(
        (expected[i], predicted[i]) for i in range(len(cases)) if predicted[i] != expected[i]
    )
    return {
        "faq_test_questions": len(faq_rows),
        "faq_top1": accuracy(faq_rows),
        "faq_top3": sum(expected[i] in top3[i] for i in faq_rows) / max(1, len(faq_rows)),
        "faq_macro_f1": float(
            f1_score(
                [expected[i] for i in faq_rows],
                [predicted[i] for i in faq_rows],
                labels=faq_ids,
                average="macro",
                zero_division=0,
            )
        ),
        "faq_sent_to_fallback": sum(predicted[i] == FALLBACK_LABEL for i in faq_rows)
        / max(1, len(faq_rows)),
        "intent_test_questions": len(intent_rows),
        "intent_top1": accuracy(intent_rows),
        "all_top1": accuracy(list(range(len(cases)))),
        "worst_confusions": [
            {"expected": e, "predicted": p, "count": n} for (e, p), n in confusions.most_common(15)
        ],
        "errors": [
            {"text": cases[i][0], "expected": expected[i], "predicted": predicted[i]}
            for i in range(len(cases))
            if predicted[i] != expected[i]
        ],
    }


def confusion_picture(cases, parses, path: Path) -> None:
    """A confusion matrix of expected against predicted labels, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from sklearn.metrics import confusion_matrix

    expected = [label for _, label in cases]
    predicted = [predicted_label(p)[0] for p in parses]
    labels = list(dict.fromkeys(expected + sorted(set(predicted) - set(expected))))
    matrix = confusion_matrix(expected, predicted, labels=labels)
    size = max(8, len(labels) * 0.28)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    for (row, col), value in np.ndenumerate(matrix):
        if value and row != col:
            ax.text(col, row, str(value), ha="center", va="center", color="red", fontsize=6)
    ax.set_title("Held-out questions: expected vs predicted")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


async def parse_all(agent: Any, texts: List[str]) -> Tuple[List[Dict[str, Any]], List[float]]:
    """Parses every text in-process; returns the parses and the latencies in ms."""
    parses, latencies = [], []
    for text in texts:
        started = time.perf_counter()
        parses.append(await agent.parse_message(text))
        latencies.append((time.perf_counter() - started) * 1000)
    return parses, latencies


def cross_validation(reports: Path, folds: int) -> Dict[str, Any]:
    """`rasa test nlu --cross-validation`: trains `folds` times; returns the summary."""
    out = reports / "cross_validation"
    subprocess.run(
        [sys.executable, "-m", "rasa", "test", "nlu", "--nlu", "data/nlu", "--config", "config.yml",
         "--cross-validation", "--folds", str(folds), "--out", str(out)],
        check=True,
    )  # fmt: skip
    summary: Dict[str, Any] = {}
    for name, key in (("intent_report.json", "intent"), ("response_selection_report.json", "faq")):
        path = out / name
        if path.exists():
            report = json.loads(path.read_text("utf-8"))
            summary[key] = {
                "accuracy": report.get("accuracy"),
                "macro_f1": (report.get("macro avg") or {}).get("f1-score"),
                "weighted_f1": (report.get("weighted avg") or {}).get("f1-score"),
            }
    return summary


def conversations_markdown(result: Dict[str, Any] | None) -> List[str]:
    """The conversation development set's section (empty for another corpus)."""
    if not result:
        return []
    return [
        f"## Conversations ({SHOP_CONVERSATIONS}, {result['conversations']} conversations)",
        "",
        "Each turn read with its conversation's context, beside every turn read alone (as before "
        "the context existed); targets on a kept-back set: elliptical ≥ 0.90, switch ≥ 0.97, "
        "first ≥ 0.95.",
        "",
        *TABLE_HEAD,
        *markdown_rows(result, "shop"),
        "",
    ]


def markdown(result: Dict[str, Any]) -> str:
    """The human-readable report."""
    s = result["held_out"]
    lines = [
        "# NLU evaluation",
        "",
        f"Model: `{result['model']}`",
        "",
        "| figure | value | target |",
        "| --- | --- | --- |",
        f"| FAQ top-1 on {s['faq_test_questions']} held-out test questions | {s['faq_top1']:.1%} | ≥ 98 % |",
        f"| FAQ top-3 | {s['faq_top3']:.1%} | |",
        f"| FAQ macro-F1 | {s['faq_macro_f1']:.3f} | |",
        f'| FAQ test questions sent to "did you mean" | {s["faq_sent_to_fallback"]:.1%} | '
        "≤ 1 % (never one candidate alone) |",
        f"| named intents top-1 on {s['intent_test_questions']} questions | {s['intent_top1']:.1%} | |",
        f"| out-of-scope ({result['out_of_scope']['questions']}) not answered with an FAQ | "
        f"{result['out_of_scope']['not_answered']:.1%} | ≥ 97 % |",
        *[
            f"| … list `{name}` ({figures['questions']}) | {figures['not_answered']:.1%} | |"
            for name, figures in result["out_of_scope"].get("lists", {}).items()
        ],
        f"| … of which to fallback / out_of_scope | {result['out_of_scope']['fallback']:.1%} / "
        f"{result['out_of_scope']['out_of_scope_intent']:.1%} | |",
        f"| parse latency p50 / p95 (in-process) | {result['parse_ms']['p50']:.1f} / "
        f"{result['parse_ms']['p95']:.1f} ms | p95 ≤ 40 ms |",
        "",
        *conversations_markdown(result.get("conversations")),
        "## Worst confusions",
        "",
        "| expected | predicted | count |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| {c['expected']} | {c['predicted']} | {c['count']} |" for c in s["worst_confusions"]
    ]
    lines += ["", "## Out-of-scope questions answered with an FAQ or intent", ""]
    lines += [
        f"- {e['text']} → {e['predicted']} ({e.get('list', '')})"
        for e in result["out_of_scope"]["answered"]
    ]
    lines += ["", "## Held-out errors", ""]
    lines += [
        f"- {e['text']} — expected {e['expected']}, got {e['predicted']}" for e in s["errors"]
    ]
    if result.get("cross_validation"):
        lines += ["", "## rasa test nlu --cross-validation", ""]
        for key, figures in result["cross_validation"].items():
            lines.append(f"- {key}: accuracy {figures['accuracy']}, macro-F1 {figures['macro_f1']}")
    lines.append("")
    return "\n".join(lines)


def measure(model_path: str, corpus: Path) -> Tuple[Dict[str, Any], List, List]:
    """Loads the model and parses every held-out and out-of-scope question once, in process.

    Returns the figures, and the held-out cases with their parses (for the confusion picture).
    """
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    faq_ids = [e.id for f in load_corpus(corpus) for e in f.entries]
    cases = held_out_questions(corpus)
    oos = out_of_scope_questions()
    asyncio.run(agent.parse_message("ウォームアップ"))  # the first parse builds TF's graph
    texts = [q for q, _ in cases] + [q for q, _ in oos]
    parses, latencies = asyncio.run(parse_all(agent, texts))
    held, oos_parses = parses[: len(cases)], parses[len(cases) :]
    result = {
        "model": Path(model_path).name,
        "held_out": score(cases, held, faq_ids),
        "conversations": conversation_figures(agent, corpus),
        "out_of_scope": out_of_scope_figures(oos, [predicted_label(p)[0] for p in oos_parses]),
        "parse_ms": {
            "p50": statistics.median(latencies),
            "p95": percentile(latencies, 0.95),
            "max": max(latencies),
        },
    }
    return result, cases, held


def conversation_figures(agent: Any, corpus: Path) -> Dict[str, Any] | None:
    """The shop's conversation development set, in context and alone (the shop's corpus only)."""
    from bot.corpora import is_shop

    if not is_shop(corpus) or not SHOP_CONVERSATIONS.exists():
        return None
    return both_readings(agent, load_conversations(SHOP_CONVERSATIONS))


def evaluate(corpus: Path, reports: Path, model: str | None = None, folds: int = 0) -> int:
    """Writes reports/eval.json, eval.md and confusion_matrix.png; prints the summary."""
    model_path = model or str(latest_model())
    result, cases, held = measure(model_path, corpus)
    reports.mkdir(parents=True, exist_ok=True)
    if folds:
        result["cross_validation"] = cross_validation(reports, folds)
    confusion_picture(cases, held, reports / "confusion_matrix.png")
    (reports / "eval.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), "utf-8")
    (reports / "eval.md").write_text(markdown(result), "utf-8")
    print(markdown(result).split("## Worst confusions")[0])
    print(f"Full report: {reports}/eval.md, {reports}/eval.json, {reports}/confusion_matrix.png")
    return 0
