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
import asyncio
import csv
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

DEFAULT_FAQ = Path("eval/byo_faq/faq.csv")
DEFAULT_QUERIES = Path("eval/byo_faq/queries.jsonl")
DEFAULT_OUT = Path("reports/retrieval")
DEFAULT_WORK = Path("/tmp/retrieval/work")
CONFIGS = Path("eval/byo_faq/configs")
INTENTS = Path("data/nlu/intents.yml")
# Conversational intents any FAQ bot keeps; the shop's own (orders, contracts, contacts,
# out_of_scope, whose examples are in-scope topics for other corpora) are left out.
GENERIC_INTENTS = (
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "human_handoff",
)
CUTOFF = 10


@dataclass(frozen=True)
class Method:
    """One way of ranking FAQ entries."""

    name: str
    kind: str  # "bm25" or "rasa"
    description: str
    use_answers: bool = False  # bm25: index the answer text too
    split_mode: str = "C"  # bm25: Sudachi split mode
    config: str = ""  # rasa: file under CONFIGS
    answers_as_examples: bool = False  # rasa: each answer is one more training example


METHODS: Dict[str, Method] = {
    m.name: m
    for m in (
        Method("bm25", "bm25", "BM25 over the question only (baseline, bm25s, no Rasa)"),
        Method(
            "bm25_a",
            "bm25",
            "BM25 over the question only, Sudachi split mode A (short units)",
            split_mode="A",
        ),
        Method("bm25_answers", "bm25", "BM25 over question + answer", use_answers=True),
        Method(
            "bm25_answers_b",
            "bm25",
            "BM25 over question + answer, Sudachi split mode B (middle units)",
            use_answers=True,
            split_mode="B",
        ),
        Method(
            "bm25_answers_a",
            "bm25",
            "BM25 over question + answer, Sudachi split mode A (short units)",
            use_answers=True,
            split_mode="A",
        ),
        Method(
            "selector",
            "rasa",
            "ResponseSelector alone (the shop's pipeline without FaqBm25Ranker)",
            config="selector.yml",
        ),
        Method(
            "selector_tuned",
            "rasa",
            "ResponseSelector alone, learning rate 0.01 and batches of 16-64",
            config="selector_tuned.yml",
        ),
        Method(
            "fusion",
            "rasa",
            "the shop's pipeline: ResponseSelector + FaqBm25Ranker (answers, weight 0.5)",
            config="fusion.yml",
        ),
        Method(
            "selector_answers",
            "rasa",
            "ResponseSelector alone, trained with each answer as an extra example",
            config="selector.yml",
            answers_as_examples=True,
        ),
        Method(
            "fusion_few",
            "rasa",
            "few-example candidate: Sudachi split mode A, FaqBm25Ranker weight 0.9 beta 1.0, "
            "DIET/ResponseSelector 50 epochs",
            config="fusion_few.yml",
        ),
        Method(
            "fusion_few_beta05",
            "rasa",
            "fusion_few with beta 0.5",
            config="fusion_few_beta05.yml",
        ),
    )
}
DEFAULT_METHODS = (
    "bm25,bm25_a,bm25_answers,bm25_answers_b,bm25_answers_a,selector,selector_answers,"
    "selector_tuned,fusion,fusion_few_beta05,fusion_few"
)


# --- data --------------------------------------------------------------------------------------


def read_faq(path: Path) -> List[Dict[str, str]]:
    """The rows of the FAQ CSV (id, category, question, answer)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def read_queries(path: Path) -> List[Dict[str, Any]]:
    """The labelled queries, one JSON object a line."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# --- metrics -----------------------------------------------------------------------------------


def hit_at_k(ranking: Sequence[str], answers: Iterable[str], k: int) -> float:
    """1.0 when one of the right entries is among the first k of the ranking."""
    wanted = set(answers)
    return 1.0 if any(label in wanted for label in ranking[:k]) else 0.0


def reciprocal_rank(ranking: Sequence[str], answers: Iterable[str], cutoff: int = CUTOFF) -> float:
    """1 / rank of the first right entry within the cutoff, else 0."""
    wanted = set(answers)
    for rank, label in enumerate(ranking[:cutoff], start=1):
        if label in wanted:
            return 1.0 / rank
    return 0.0


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of the values lie (nearest rank)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def score_rankings(
    rankings: Sequence[Sequence[str]], labels: Sequence[Iterable[str]]
) -> Dict[str, float]:
    """Hit@1, Hit@5 and MRR@10 averaged over the queries."""
    n = max(1, len(rankings))
    pairs = list(zip(rankings, [list(a) for a in labels]))
    return {
        "hit1": sum(hit_at_k(r, a, 1) for r, a in pairs) / n,
        "hit5": sum(hit_at_k(r, a, 5) for r, a in pairs) / n,
        "mrr": sum(reciprocal_rank(r, a) for r, a in pairs) / n,
    }


# --- scratch project ---------------------------------------------------------------------------


def import_corpus(faq_csv: Path, corpus: Path) -> None:
    """The CSV into a corpus folder through the importer, as `python -m bot faq import` does."""
    from bot.faq.importer import run_import

    corpus.mkdir(parents=True, exist_ok=True)
    out, err = io.StringIO(), io.StringIO()
    code = run_import(faq_csv, corpus, dry_run=False, out=out, err=err)
    if code != 0:
        raise SystemExit(f"import of {faq_csv} failed (exit {code}):\n{err.getvalue()}")


def corpus_entries(corpus: Path) -> List[Any]:
    """The entries of the corpus folder, file by file."""
    from bot.faq.build import ordered_entries

    return ordered_entries(corpus, None)


def generic_intents_yaml(intents_file: Path = INTENTS) -> str:
    """The conversational intents of the shop's data, as an NLU file of their own."""
    import yaml

    data = yaml.safe_load(intents_file.read_text(encoding="utf-8")) if intents_file.exists() else {}
    blocks = [
        item
        for item in (data or {}).get("nlu") or []
        if isinstance(item, dict) and item.get("intent") in GENERIC_INTENTS
    ]
    parts = ['version: "3.1"\n', "nlu:\n"]
    for block in blocks:
        parts.append(f"- intent: {block['intent']}\n  examples: |\n")
        parts += [f"    {line}\n" for line in str(block["examples"]).splitlines() if line.strip()]
    return "".join(parts)


def domain_yaml(intents: Sequence[str]) -> str:
    """A minimal domain: the conversational intents and the retrieval intent `faq`."""
    lines = ['version: "3.1"', "intents:"] + [f"  - {name}" for name in intents] + ["  - faq"]
    return "\n".join(lines) + "\n"


def build_project(corpus: Path, project: Path, answers_as_examples: bool) -> Path:
    """A scratch Rasa project (data/ + domain.yml) for the corpus; returns its folder."""
    from bot.faq.build import render_training_data
    from bot.faq.corpus import Located

    entries = corpus_entries(corpus)
    if answers_as_examples:
        for entry in entries:
            answer = " ".join(entry.answer.split())
            entry.examples = list(entry.examples) + [Located(answer, 0)]
    data = project / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "faq.yml").write_text(render_training_data(entries, {}, str(corpus)), encoding="utf-8")
    intents_text = generic_intents_yaml()
    (data / "intents.yml").write_text(intents_text, encoding="utf-8")
    present = [name for name in GENERIC_INTENTS if f"- intent: {name}\n" in intents_text]
    (project / "domain.yml").write_text(domain_yaml(present), encoding="utf-8")
    return project


# --- BM25 without Rasa -------------------------------------------------------------------------


class Bm25Retriever:
    """bm25s over the Sudachi content words (lemmas) of each entry, as FaqBm25Ranker indexes."""

    def __init__(self, split_mode: str = "C", k1: float = 1.2, b: float = 0.75) -> None:
        from bot.nlu.sudachi_tokenizer import SudachiSegmenter

        self._segmenter = SudachiSegmenter(split_mode)
        self.k1, self.b = k1, b
        self.ids: List[str] = []
        self._index: Any = None

    def terms(self, text: str) -> List[str]:
        """The content-word lemmas of a text."""
        from bot.nlu.bm25_ranker import content_terms

        return content_terms(self._segmenter.tokens(text))

    def fit(self, ids: Sequence[str], documents: Sequence[str]) -> Bm25Retriever:
        """Indexes one document per entry."""
        import logging

        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.ids = list(ids)
        self._index = bm25s.BM25(k1=self.k1, b=self.b)
        corpus = [self.terms(doc) or ["<empty>"] for doc in documents]
        self._index.index(corpus, show_progress=False)
        return self

    def scores(self, query: str) -> Dict[str, float]:
        """The BM25 score of every entry for the query."""
        terms = self.terms(query)
        if not terms:
            return {faq_id: 0.0 for faq_id in self.ids}
        values = self._index.get_scores(terms)
        return {faq_id: float(v) for faq_id, v in zip(self.ids, values)}

    def rank(self, query: str, top: int = CUTOFF) -> List[Tuple[str, float]]:
        """The best `top` entries, best first (ties by id)."""
        scored = sorted(self.scores(query).items(), key=lambda kv: (-kv[1], kv[0]))
        return scored[:top]


def entry_documents(entries: Sequence[Any], use_answers: bool) -> List[str]:
    """One text per entry: its training questions, and its answer when asked."""
    from bot.faq.build import training_questions

    return ["\n".join(training_questions(e) + ([e.answer] if use_answers else [])) for e in entries]


def run_bm25(method: Method, corpus: Path, queries: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Indexes and ranks with BM25 in this process."""
    entries = corpus_entries(corpus)
    start = time.perf_counter()
    retriever = Bm25Retriever(method.split_mode).fit(
        [e.id for e in entries], entry_documents(entries, method.use_answers)
    )
    train_s = time.perf_counter() - start
    rankings, latencies = [], []
    retriever.rank("ウォームアップ")
    for item in queries:
        start = time.perf_counter()
        ranked = retriever.rank(item["query"])
        latencies.append((time.perf_counter() - start) * 1000)
        rankings.append(ranked)
    return {"train_s": train_s, "rankings": rankings, "latencies_ms": latencies}


# --- Rasa --------------------------------------------------------------------------------------


def faq_ranking(parse: Dict[str, Any], faq_ids: set) -> List[Tuple[str, float]]:
    """The FAQ entries of label_ranking(parse), best first (other intents left out)."""
    from bot.nlu.ranking import label_ranking

    return [(label, score) for label, score in label_ranking(parse) if label in faq_ids]


def train_rasa(method: Method, project: Path, models: Path, config: Path) -> Tuple[Path, float]:
    """Trains an NLU model of the scratch project; returns it and the training wall time."""
    from rasa.model_training import train_nlu

    models.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    model = train_nlu(
        config=str(config),
        nlu_data=str(project / "data"),
        output=str(models),
        fixed_model_name=method.name,
        domain=str(project / "domain.yml"),
    )
    train_s = time.perf_counter() - start
    if not model:
        raise SystemExit(f"{method.name}: rasa train_nlu failed")
    return Path(model), train_s


async def _parse_all(agent: Any, texts: Sequence[str]) -> Tuple[List[Dict[str, Any]], List[float]]:
    await agent.parse_message("ウォームアップ")
    parses, latencies = [], []
    for text in texts:
        start = time.perf_counter()
        parses.append(await agent.parse_message(text))
        latencies.append((time.perf_counter() - start) * 1000)
    return parses, latencies


def parse_with_model(model: Path, texts: Sequence[str]) -> Tuple[List[Dict[str, Any]], List[float]]:
    """Loads the model once and parses every text in process, timing each parse."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return asyncio.run(_parse_all(agent, texts))


def run_rasa(
    method: Method, corpus: Path, work: Path, queries: List[Dict[str, Any]], config_dir: Path
) -> Dict[str, Any]:
    """Trains the method's pipeline and ranks every query with the trained model."""
    from bot.serving.quiet import quiet_rasa

    quiet_rasa()
    project = build_project(corpus, work / "projects" / method.name, method.answers_as_examples)
    model, train_s = train_rasa(method, project, work / "models", config_dir / method.config)
    faq_ids = {e.id for e in corpus_entries(corpus)}
    parses, latencies = parse_with_model(model, [q["query"] for q in queries])
    rankings = [faq_ranking(p, faq_ids)[:CUTOFF] for p in parses]
    top_intents = Counter((p.get("intent") or {}).get("name") or "" for p in parses)
    return {
        "train_s": train_s,
        "rankings": rankings,
        "latencies_ms": latencies,
        "model": str(model),
        "top_intents": dict(top_intents),
        "selector_rankings": [
            [
                [r.get("intent_response_key", "").split("/", 1)[-1], float(r.get("confidence", 0))]
                for r in ((p.get("response_selector") or {}).get("faq") or {}).get("ranking") or []
            ]
            for p in parses
        ],
    }


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


# --- report ------------------------------------------------------------------------------------


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


# --- scale check -------------------------------------------------------------------------------

SCALE_PRODUCTS = (
    "経費精算クラウド", "勤怠管理クラウド", "ビジネスチャット", "電子契約サービス", "オンラインストレージ",
    "Web会議サービス", "顧客管理システム", "会計ソフト", "給与計算ソフト", "請求書発行サービス",
    "名刺管理アプリ", "予約管理システム", "在庫管理クラウド", "POSレジアプリ", "ECカートシステム",
    "メール配信サービス", "アンケートツール", "社内ポータル", "ワークフローシステム", "セキュリティ診断サービス",
    "クラウドPBX", "法人向けモバイル回線", "法人向け光回線", "データ分析ツール", "採用管理システム",
    "学習管理システム", "ヘルプデスクツール", "タスク管理アプリ", "ファイル共有サービス", "IoT監視サービス",
)  # fmt: skip
SCALE_TOPICS = (
    ("の初期設定の手順を知りたいです。", "の初期設定は、管理画面の「セットアップ」から案内に沿って進めてください。所要時間は約15分です。"),
    ("の利用料金はいくらですか？", "の料金は1ユーザーあたり月額制です。最新の料金は料金ページでご確認ください。"),
    ("の無料お試しはありますか？", "は30日間の無料お試しに対応しています。期間終了後に自動で課金されることはありません。"),
    ("の解約方法を教えてください。", "の解約は管理者が「契約」画面から申請します。解約は契約期間の末日に有効となります。"),
    ("にログインできません。", "にログインできない場合は、IDとパスワードを確認し、再設定リンクからパスワードを設定し直してください。"),
    ("の管理者を変更したいです。", "の管理者は、現在の管理者が「権限設定」で別のユーザーに付与できます。"),
    ("のデータをエクスポートできますか？", "のデータは「エクスポート」機能でCSV形式にして一括出力できます。"),
    ("のスマホアプリはありますか？", "にはiOS版とAndroid版のアプリがあり、ストアから無料でダウンロードできます。"),
    ("はどのブラウザで使えますか？", "は最新のChrome、Edge、Safari、Firefoxでご利用いただけます。"),
    ("の障害情報はどこで確認できますか？", "の稼働状況と障害情報はステータスページで公開しています。"),
    ("の請求書はいつ発行されますか？", "の請求書は毎月1日に前月分を発行し、管理画面からダウンロードできます。"),
    ("の支払い方法を変えたいです。", "の支払い方法は「請求情報」画面でクレジットカードと口座振替から選べます。"),
    ("のユーザーを追加するには？", "にユーザーを追加するには、管理者が「メンバー」画面から招待メールを送信してください。"),
    ("のAPI連携はできますか？", "はREST APIを公開しており、APIキーを発行すると外部システムと連携できます。"),
    ("のサポート窓口の受付時間は？", "のサポート窓口は平日10時から17時まで受け付けています。"),
    ("のセキュリティ対策を教えてください。", "は通信の暗号化、二段階認証、IPアドレス制限に対応しています。"),
    ("のデータはどこに保存されますか？", "のデータは国内のデータセンターに暗号化して保存しています。"),
    ("のプランを変更したいです。", "のプラン変更は管理画面の「プラン」からいつでも申し込めます。"),
    ("の操作マニュアルはありますか？", "の操作マニュアルはヘルプセンターでPDFと動画で公開しています。"),
    ("の導入支援はありますか？", "の導入時には専任担当が初期設定と操作説明を支援します。"),
    ("で二段階認証を設定したいです。", "の二段階認証は「セキュリティ」設定から認証アプリを登録すると有効になります。"),
    ("の契約期間はどのくらいですか？", "の契約期間は1か月単位または1年単位から選べます。"),
    ("の見積書をもらえますか？", "の見積書は料金ページの見積フォームから即時に発行できます。"),
    ("のアップデート情報はどこで見られますか？", "の新機能と更新内容はリリースノートで毎月お知らせします。"),
    ("の通知を止めたいです。", "の通知は「個人設定」の「通知」でメールとプッシュ通知ごとに停止できます。"),
    ("で削除したデータを戻せますか？", "で削除したデータはごみ箱に30日間保存され、その間は復元できます。"),
    ("の容量を増やせますか？", "の容量は追加オプションで100GB単位で増やせます。"),
    ("の利用規約はどこで読めますか？", "の利用規約はサービスサイトの下部のリンクから確認できます。"),
    ("は英語で使えますか？", "は日本語と英語の表示に対応しており、個人設定で切り替えられます。"),
    ("の研修や勉強会はありますか？", "の使い方を学べるオンライン勉強会を毎月開催しています。"),
    ("をほかのサービスから移行できますか？", "への移行は、移行ツールと担当者による移行支援をご利用いただけます。"),
    ("の契約者名を変更したいです。", "の契約者名の変更は、変更届と登記事項証明書の写しをお送りください。"),
    ("の動作が重いです。", "の動作が重い場合は、ブラウザのキャッシュを削除し、回線速度をご確認ください。"),
    ("のログを確認したいです。", "の操作ログは管理者が「監査ログ」画面で1年分確認できます。"),
    ("でシングルサインオンを使えますか？", "はSAML認証によるシングルサインオンに対応しています。"),
    ("の代理店はありますか？", "は全国の販売代理店からもお申し込みいただけます。"),
    ("の利用者数に上限はありますか？", "の利用者数の上限はプランごとに異なり、最上位プランは無制限です。"),
    ("のオプション機能を教えてください。", "には容量追加、専用サポート、監査ログ延長のオプションがあります。"),
    ("のメンテナンス日程を知りたいです。", "の定期メンテナンスは毎月第3日曜日の深夜に行います。"),
    ("の請求先を変更したいです。", "の請求先は「請求情報」画面で会社名と送付先を変更できます。"),
    ("で使えるファイル形式は？", "ではPDF、画像、Office文書、CSVを扱えます。"),
    ("の退会後のデータはどうなりますか？", "の解約後、データは30日間保持したのちすべて削除します。"),
    ("でトラブルが起きたときの連絡先は？", "のトラブルはサポートフォームかチャットでご連絡ください。"),
    ("の領収書はもらえますか？", "の領収書はクレジットカード決済の場合に管理画面から発行できます。"),
    ("の価格改定の予定はありますか？", "の価格を改定する場合は、60日前までにメールでお知らせします。"),
    ("の同時ログインはできますか？", "は1つのアカウントで3台まで同時にログインできます。"),
    ("のバックアップはありますか？", "のデータは毎日自動でバックアップしています。"),
    ("の問い合わせ履歴を見たいです。", "へのお問い合わせ履歴はサポートポータルで確認できます。"),
    ("の利用状況レポートは出せますか？", "の利用状況はダッシュボードからレポートとして出力できます。"),
    ("を教育機関で使う割引はありますか？", "は教育機関向けに特別価格をご用意しています。"),
)  # fmt: skip


def synthetic_entries(count: int) -> List[Dict[str, str]]:
    """`count` template entries: a product name x a support topic, one question each."""
    rows = []
    for index in range(count):
        product = SCALE_PRODUCTS[index % len(SCALE_PRODUCTS)]
        question, answer = SCALE_TOPICS[(index // len(SCALE_PRODUCTS)) % len(SCALE_TOPICS)]
        rows.append(
            {
                "id": f"syn_{index:04d}",
                "category": f"synthetic_{index % len(SCALE_PRODUCTS):02d}",
                "question": product + question,
                "answer": product + answer,
            }
        )
    return rows


def write_scale_csv(faq: List[Dict[str, str]], size: int, path: Path) -> int:
    """The real entries plus synthetic ones up to `size`; returns how many are synthetic."""
    extra = synthetic_entries(max(0, size - len(faq)))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "category", "question", "answer"])
        writer.writeheader()
        writer.writerows(faq + extra)
    return len(extra)


def parse_time_v(text: str) -> Dict[str, float]:
    """Wall time (s) and maximum RSS (MiB) from the report of `/usr/bin/time -v`."""
    out: Dict[str, float] = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("Maximum resident set size (kbytes):"):
            out["max_rss_mib"] = int(line.rsplit(":", 1)[1]) / 1024
        elif line.startswith("Elapsed (wall clock) time"):
            clock = line.rsplit(": ", 1)[1].split(":")
            out["wall_s"] = sum(float(part) * 60**i for i, part in enumerate(reversed(clock)))
    return out


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
    _, latencies = parse_with_model(Path(args.latency), texts)
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
