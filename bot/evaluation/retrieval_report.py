"""The report of `python -m bot.retrieval_eval`: per-method figures, the set's shape, Markdown."""

from __future__ import annotations

import statistics
from typing import Any, Dict, List

from bot.evaluation.conversations import TABLE_HEAD, markdown_rows
from bot.evaluation.retrieval_data import CUTOFF, percentile, score_rankings
from bot.evaluation.retrieval_methods import Method


def summarize(method: Method, raw: Dict[str, Any], queries: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The metrics of one method from its raw result."""
    ranked_ids = [[label for label, _ in ranking] for ranking in raw["rankings"]]
    metrics = score_rankings(ranked_ids, [q["answers"] for q in queries])
    latencies = raw["latencies_ms"]
    summary = {
        "method": method.name,
        "description": method.description,
        **{k: round(v, 4) for k, v in metrics.items()},
        "train_s": round(raw["train_s"], 2),
        "parse_ms_p50": round(percentile(latencies, 0.5), 2),
        "parse_ms_p95": round(percentile(latencies, 0.95), 2),
        "parse_ms_mean": round(statistics.fmean(latencies), 2) if latencies else 0.0,
        "peak_rss_mib": round(raw["peak_rss_mib"], 1),
    }
    if "top_intents" in raw:
        summary["top_intents"] = raw["top_intents"]
    if raw.get("conversations"):
        summary["conversations"] = raw["conversations"]
    return summary


def render_markdown(report: Dict[str, Any]) -> str:
    """The report as a Markdown table plus the set's shape."""
    shape = report["set"]
    lines = [
        "# FAQ retrieval with one question per entry",
        "",
        f"Set: {shape['entries']} FAQ entries (one question each), {shape['queries']} queries "
        f"({shape['multi_label_queries']} with more than one right entry). "
        f"MRR over the top {CUTOFF}. Parse latency in process, per query. Training and parsing "
        "of each method in its own process on 2 shared cores, no Rasa training cache.",
        "",
        "| method | Hit@1 | Hit@5 | MRR | train s | p50 ms | p95 ms | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["methods"]:
        lines.append(
            f"| {row['method']} | {row['hit1']:.3f} | {row['hit5']:.3f} | {row['mrr']:.3f} | "
            f"{row['train_s']:.1f} | {row['parse_ms_p50']:.1f} | {row['parse_ms_p95']:.1f} | "
            f"{row['peak_rss_mib']:.0f} |"
        )
    lines += ["", "Methods:", ""]
    lines += [f"- `{row['method']}`: {row['description']}" for row in report["methods"]]
    intents = [row for row in report["methods"] if row.get("top_intents")]
    if intents:
        lines += [
            "",
            "Top intent of the Rasa parses (all queries are FAQ questions; `nlu_fallback` means "
            "FaqAwareFallbackClassifier found the best entry's P(faq) x P(entry) under 0.2; the "
            "Hit@k above rank the FAQ entries regardless):",
            "",
        ]
        for row in intents:
            counts = ", ".join(f"{k or '-'} {v}" for k, v in sorted(row["top_intents"].items()))
            lines.append(f"- `{row['method']}`: {counts}")
    talks = [row for row in report["methods"] if row.get("conversations")]
    if talks:
        lines += ["", "Conversations (eval/byo_faq/conversations.yml), per kind of turn:", ""]
        lines += TABLE_HEAD
        for row in talks:
            lines += markdown_rows(row["conversations"], row["method"])
    if report.get("fusion_sweep"):
        lines += [
            "",
            "Fusion sweep (offline replay of FaqBm25Ranker: the stored top-10 rankings of a "
            "trained selector fused with BM25 (question + answer) scores by "
            "bot.nlu.bm25_ranker.fuse; beta 1.0 and each selector's best row shown, all rows in "
            "retrieval.json; parameters chosen on this same set are optimistic):",
            "",
            "| selector | BM25 split mode | weight | beta | Hit@1 | Hit@5 | MRR |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        sweep = report["fusion_sweep"]
        best = {}
        for row in sweep:
            if row["mrr"] > best.get(row["selector"], {"mrr": -1.0})["mrr"]:
                best[row["selector"]] = row
        shown = [r for r in sweep if r["beta"] == 1.0 or r in best.values()]
        for row in shown:
            lines.append(
                f"| {row['selector']} | {row['split_mode']} | {row['weight']} | {row['beta']} | {row['hit1']:.3f} | "
                f"{row['hit5']:.3f} | "
                f"{row['mrr']:.3f} |"
            )
    return "\n".join(lines) + "\n"


def set_shape(faq: List[Dict[str, str]], queries: List[Dict[str, Any]]) -> Dict[str, Any]:
    """How big the evaluation set is."""
    return {
        "entries": len(faq),
        "categories": len({row["category"] for row in faq}),
        "queries": len(queries),
        "multi_label_queries": sum(1 for q in queries if len(q["answers"]) > 1),
        "multi_sentence_queries": sum(
            1 for q in queries if sum(q["query"].count(c) for c in "。？！?!") >= 2
        ),
    }
