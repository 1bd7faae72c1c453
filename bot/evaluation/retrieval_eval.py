"""`python -m bot.retrieval_eval`: FAQ retrieval methods compared on a one-question-per-entry set.

The FAQ export (CSV: id, category, question, answer) is imported with `bot.faq.importer` into a
scratch corpus under --work, built into Rasa training data with `bot.faq.build`, and each method
ranks the FAQ entries for every query of the query file (JSON lines
`{"query": ..., "answers": [id, ...]}`). Per method: Hit@1, Hit@5, MRR (over the top 10, as the
ResponseSelector returns 10 candidates), training time, in-process parse latency p50/p95 and the
peak RSS of the process that trained and parsed. Each method runs in its own subprocess, so
its peak RSS and its TensorFlow state are its own.

Methods (see METHODS): BM25 over the question only (the baseline) or over question and answer,
directly with bm25s over Sudachi content words (no Rasa); and Rasa pipelines from
eval/byo_faq/configs/, trained on the built data (optionally with each answer added as one more
training example) and queried through `Agent.load(...).parse_message(...)`.

Writes <out>/retrieval.json and <out>/retrieval.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.evaluation.retrieval_data import (
    CONFIGS,
    CUTOFF,
    DEFAULT_FAQ,
    DEFAULT_OUT,
    DEFAULT_QUERIES,
    DEFAULT_WORK,
    corpus_entries,
    import_corpus,
    percentile,
    read_faq,
    read_queries,
    score_rankings,
)
from bot.evaluation.retrieval_methods import (
    DEFAULT_METHODS,
    METHODS,
    Bm25Retriever,
    entry_documents,
    parse_with_model,
    run_bm25,
    run_dense,
    run_rasa,
)
from bot.evaluation.retrieval_report import render_markdown, set_shape, summarize
from bot.evaluation.retrieval_scale import (
    SCALE_PRODUCTS,
    SCALE_TOPICS,
    parse_time_v,
    write_scale_csv,
)

# --- one method in a subprocess ----------------------------------------------------------------


def peak_rss_mib() -> float:
    """The peak resident set size of this process so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_worker(args: argparse.Namespace) -> int:
    """Runs one method and writes its raw result as JSON (--worker)."""
    method = METHODS[args.worker]
    corpus = args.work / "corpus"
    queries = read_queries(args.queries)
    if method.kind == "bm25":
        result = run_bm25(method, corpus, queries)
    elif method.kind == "dense":
        result = run_dense(method, corpus, queries)
    else:
        result = run_rasa(method, corpus, args.work, queries, args.configs)
    result["peak_rss_mib"] = peak_rss_mib()
    out = args.work / "results" / f"{method.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


def worker_env(work: Path) -> Dict[str, str]:
    """No telemetry, quiet TensorFlow, and no Rasa training cache (cold training times)."""
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_MAX_CACHE_SIZE": "0",
            "RASA_CACHE_DIRECTORY": str(work / "rasa_cache"),
        }
    )
    return env


def run_method(name: str, args: argparse.Namespace, timed: bool = False) -> Dict[str, Any]:
    """Runs a method in a subprocess (under /usr/bin/time -v when timed); reads its result."""
    log = args.work / "logs" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    prefix = ["/usr/bin/time", "-v", "-o", str(log.with_suffix(".time"))] if timed else []
    command = prefix + [
        sys.executable,
        "-m",
        "bot.evaluation.retrieval_eval",
        "--worker",
        name,
        "--work",
        str(args.work),
        "--queries",
        str(args.queries),
        "--configs",
        str(args.configs),
    ]
    with open(log, "w", encoding="utf-8") as handle:
        code = subprocess.call(
            command, stdout=handle, stderr=subprocess.STDOUT, env=worker_env(args.work)
        )
    if code != 0:
        raise SystemExit(f"method {name} failed (exit {code}); see {log}")
    return json.loads((args.work / "results" / f"{name}.json").read_text(encoding="utf-8"))


# --- fusion replay ---------------------------------------------------------------------------


def fusion_sweep(
    corpus: Path, queries: List[Dict[str, Any]], selector_name: str, selector_raw: Dict[str, Any]
) -> List[Dict[str, Any]]:
    """Fuses stored selector rankings with BM25 scores for a grid of split mode, weight, beta.

    The selector rankings are the top 10 the ResponseSelector returned, exactly what
    FaqBm25Ranker receives, and `fuse` is its own function: this replays the component.
    """
    from bot.nlu.bm25_ranker import fuse

    entries = corpus_entries(corpus)
    labels = [q["answers"] for q in queries]
    rows = []
    for split_mode in ("C", "A"):
        retriever = Bm25Retriever(split_mode).fit(
            [e.id for e in entries], entry_documents(entries, True)
        )
        bm25 = [{f"faq/{k}": v for k, v in retriever.scores(q["query"]).items()} for q in queries]
        for weight in (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0):
            for beta in (0.5, 1.0, 2.0):
                rankings = []
                for selector, scores in zip(selector_raw["selector_rankings"], bm25):
                    ranking = [
                        {"intent_response_key": f"faq/{k}", "confidence": c} for k, c in selector
                    ]
                    fused = fuse(ranking, scores, weight, beta)[:CUTOFF]
                    rankings.append([r["intent_response_key"].split("/", 1)[1] for r in fused])
                metrics = score_rankings(rankings, labels)
                rows.append(
                    {
                        "selector": selector_name,
                        "split_mode": split_mode,
                        "weight": weight,
                        "beta": beta,
                        **{k: round(v, 4) for k, v in metrics.items()},
                    }
                )
    return rows


def run_scale(args: argparse.Namespace, faq: List[Dict[str, str]], queries: List[Any]) -> int:
    """Trains one method on a `--scale`-entry corpus under /usr/bin/time -v; writes scale.json."""
    name = args.methods.split(",")[0].strip()
    work = args.work / f"scale_{args.scale}"
    csv_path = work / "faq.csv"
    synthetic = write_scale_csv(faq, args.scale, csv_path)
    import_corpus(csv_path, work / "corpus")
    entries = len(corpus_entries(work / "corpus"))
    scale_args = argparse.Namespace(**{**vars(args), "work": work})
    raw = run_method(name, scale_args, timed=True)
    summary = summarize(METHODS[name], raw, queries)
    timed = parse_time_v((work / "logs" / f"{name}.time").read_text(encoding="utf-8"))
    report = {
        "method": name,
        "config": METHODS[name].config,
        "entries": entries,
        "real_entries": len(faq),
        "synthetic_entries": synthetic,
        "synthetic_how": (
            f"{len(SCALE_PRODUCTS)} product names x {len(SCALE_TOPICS)} support topics "
            "(bot.evaluation.retrieval_eval.synthetic_entries), one question and a one-sentence answer each"
        ),
        "training_examples": entries,
        "train_s": summary["train_s"],
        "process_wall_s": round(timed.get("wall_s", 0.0), 1),
        "max_rss_mib": round(timed.get("max_rss_mib", summary["peak_rss_mib"]), 1),
        "parse_ms_p50": summary["parse_ms_p50"],
        "parse_ms_p95": summary["parse_ms_p95"],
        "parse_ms_mean": summary["parse_ms_mean"],
        "queries": len(queries),
        "hit1": summary["hit1"],
        "hit5": summary["hit5"],
        "mrr": summary["mrr"],
        "cores": os.cpu_count(),
        "limits": {"train_s": 900, "parse_ms_p95": 50, "max_rss_mib": 3072},
    }
    report["within_limits"] = (
        report["train_s"] < 900 and report["parse_ms_p95"] < 50 and report["max_rss_mib"] < 3072
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scale.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def remeasure_latency(args: argparse.Namespace, queries: List[Dict[str, Any]]) -> int:
    """Parses the queries with a trained model `--rounds` times; adds the latencies to scale.json.

    For a second measurement at the caller's priority, apart from the training run.
    """
    from bot.serving.quiet import quiet_rasa

    quiet_rasa()
    texts = [q["query"] for q in queries] * max(1, args.rounds)
    _, latencies, _ = parse_with_model(Path(args.latency), texts)
    result = {
        "model": str(args.latency),
        "parses": len(latencies),
        "parse_ms_p50": round(percentile(latencies, 0.5), 2),
        "parse_ms_p95": round(percentile(latencies, 0.95), 2),
        "parse_ms_mean": round(statistics.fmean(latencies), 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "nice": os.nice(0),
    }
    scale_file = args.out / "scale.json"
    if scale_file.exists():
        report = json.loads(scale_file.read_text(encoding="utf-8"))
        report.setdefault("parse_remeasured", []).append(result)
        scale_file.write_text(
            json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    print(json.dumps(result, ensure_ascii=False))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bot.retrieval_eval", description=__doc__)
    parser.add_argument("--faq", type=Path, default=DEFAULT_FAQ)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--methods", default=DEFAULT_METHODS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="scratch folder")
    parser.add_argument("--configs", type=Path, default=CONFIGS)
    parser.add_argument(
        "--reuse", action="store_true", help="reuse results already in --work/results"
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        help="train the first of --methods on the FAQ padded with synthetic entries to this "
        "many entries, under /usr/bin/time -v; writes <out>/scale.json",
    )
    parser.add_argument(
        "--latency",
        type=Path,
        help="only parse the queries with this trained model (--rounds times) and add the "
        "latencies to <out>/scale.json",
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.worker:
        return run_worker(args)
    if args.latency:
        return remeasure_latency(args, read_queries(args.queries))

    names = [n.strip() for n in args.methods.split(",") if n.strip()]
    unknown = [n for n in names if n not in METHODS]
    if unknown:
        parser.error(f"unknown methods: {', '.join(unknown)} (known: {', '.join(METHODS)})")
    faq, queries = read_faq(args.faq), read_queries(args.queries)
    if args.scale:
        return run_scale(args, faq, queries)
    corpus = args.work / "corpus"
    import_corpus(args.faq, corpus)
    results: Dict[str, Dict[str, Any]] = {}
    rows = []
    for name in names:
        cached = args.work / "results" / f"{name}.json"
        if args.reuse and cached.exists():
            raw = json.loads(cached.read_text(encoding="utf-8"))
        else:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            raw = run_method(name, args)
        results[name] = raw
        rows.append(summarize(METHODS[name], raw, queries))
        print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    report: Dict[str, Any] = {"set": set_shape(faq, queries), "methods": rows}
    report["fusion_sweep"] = [
        row
        for name in ("selector", "selector_answers", "selector_tuned")
        if name in results
        for row in fusion_sweep(corpus, queries, name, results[name])
    ]
    report["per_query"] = [
        {
            "query": q["query"],
            "answers": q["answers"],
            "top3": {
                name: [label for label, _ in raw["rankings"][i][:3]]
                for name, raw in results.items()
            },
        }
        for i, q in enumerate(queries)
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "retrieval.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (args.out / "retrieval.md").write_text(render_markdown(report), encoding="utf-8")
    print(render_markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
