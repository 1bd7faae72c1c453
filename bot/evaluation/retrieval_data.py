"""The data of `python -m bot.retrieval_eval`: the FAQ and query files, the metrics, the scratch
Rasa project each Rasa method trains on.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Dict, Iterable, List, Sequence

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
