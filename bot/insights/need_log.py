"""A need-labelled log of unanswered questions (eval/shop/unanswered_log*.yml) and its scores.

The log is a list of conversations, each a list of turns; a turn with a `need` is an unanswered
question (a fallback turn), one without was answered and is only the context of the next turn.

eval.py's scores judge a grouping by the questions' FAQ entries. A need-labelled log has needs
the FAQ does not cover, and needs asked once, so its judge is the need:
- purity: the share of a group's questions that hold the group's majority need, weighted by
  size, over groups of ≥ 2 (as eval.py's purity, with needs for entries);
- coverage: of the questions whose need is asked at least twice in the log, the share that sit in
  a group with another question of their need (1.0 when every need is one group; a need asked
  once cannot be covered and counts in neither direction);
- grouped: the share of all questions in a group of ≥ 2 (eval.py's coverage).

`python -m bot.insights.need_log` prints and writes (reports/grouping_log.md, .json) both logs'
figures for the grouping as it is (bot/insights/similarity.py) and as it was before issue 21
(e5 alone, complete linkage at cosine distance BEFORE_THRESHOLD).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np

from bot.store.views import TurnView

START = datetime(2026, 2, 2, 9, 0, tzinfo=timezone.utc)
DEV_LOG = Path("eval/shop/unanswered_log.yml")
TEST_LOG = Path("eval/shop/unanswered_log_test.yml")
BEFORE_THRESHOLD = 0.095  # the grouping before issue 21: e5 alone, complete linkage


@dataclass(frozen=True)
class NeedLog:
    """The log as the conversation journal would hand it out, and each question's need."""

    turns: tuple[TurnView, ...]
    needs: Dict[int, str]  # turn id → need, for the unanswered questions


def read_log(path: Path) -> NeedLog:
    """The log's turns (one conversation each, a minute apart) and needs by turn id."""
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    turns: List[TurnView] = []
    needs: Dict[int, str] = {}
    for number, conversation in enumerate(data.get("conversations") or []):
        for turn in conversation:
            n = len(turns) + 1
            unanswered = "need" in turn
            turns.append(
                TurnView(START + timedelta(minutes=n), f"log-{number}", None, str(turn["text"]),
                         "nlu_fallback" if unanswered else "faq", None, None if unanswered else 0.9,
                         unanswered, "", "ok", n)
            )  # fmt: skip
            if unanswered:
                needs[n] = str(turn["need"])
    return NeedLog(tuple(turns), needs)


def need_scores(members: Sequence[Sequence[int]], needs: Dict[int, str]) -> dict:
    """Purity, coverage and grouped share (module docstring) of groups of turn ids."""
    asked = Counter(needs.values())
    groupable = sum(asked[need] > 1 for need in needs.values())
    majority = size_2 = covered = 0
    for ids in members:
        counts = Counter(needs[i] for i in ids)
        if len(ids) > 1:
            majority += counts.most_common(1)[0][1]
            size_2 += len(ids)
        covered += sum(c for need, c in counts.items() if c > 1 and asked[need] > 1)
    total = len(needs)
    return {
        "questions": total,
        "needs": len(asked),
        "groups": len(members),
        "groups_of_2_or_more": sum(len(ids) > 1 for ids in members),
        "purity": round(majority / size_2, 4) if size_2 else 0.0,
        "coverage": round(covered / groupable, 4) if groupable else 0.0,
        "grouped": round(size_2 / total, 4) if total else 0.0,
    }


def grouped_now(log: NeedLog, corpus_dir: Path, known: Sequence[str], embedder) -> List[list]:
    """The log's questions as `group_questions` groups them: turn ids per group."""
    from bot.insights.groups import group_questions

    found = group_questions(log.turns, corpus_dir, known, embedder)
    return [[i for q in group.questions for i in q.turn_ids] for group in found]


def grouped_before(log: NeedLog, corpus_dir: Path, known: Sequence[str], embedder) -> List[list]:
    """The log's questions grouped as before issue 21: e5 vectors alone, complete linkage."""
    from bot.faq.corpus import normalized_question
    from bot.insights.groups import CorpusTexts, VectorMemo, distinct_questions
    from bot.insights.similarity import cluster

    corpus = CorpusTexts.load(corpus_dir)
    excluded = {normalized_question(t) for t in list(corpus.texts) + list(known)}
    questions = distinct_questions(log.turns, excluded)
    vectors = VectorMemo().vectors(embedder, [q.text for q in questions], "query")
    labels = cluster(vectors, BEFORE_THRESHOLD)
    return [
        [i for row in np.flatnonzero(labels == label) for i in questions[row].turn_ids]
        for label in np.unique(labels)
    ]


def markdown(report: dict) -> str:
    lines = [
        "# Grouping unanswered questions by need: the labelled logs",
        "",
        "Purity (groups of ≥ 2), coverage (questions of a need asked at least twice that share a",
        "group with another question of their need) and grouped share (questions in a group of",
        "≥ 2), as bot/insights/need_log.py defines them. The method is chosen on the development",
        "log only; the held-out log is never tuned on.",
        "",
        "| log | questions | needs | grouping | purity | coverage | grouped | groups (≥ 2) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, result in report.items():
        for when in ("before", "now"):
            r = result[when]
            lines.append(
                f"| {name} | {r['questions']} | {r['needs']} | {when} | {r['purity']:.3f} "
                f"| {r['coverage']:.3f} | {r['grouped']:.3f} | {r['groups']} "
                f"({r['groups_of_2_or_more']}) |"
            )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    import json

    from bot.insights.groups import known_out_of_scope
    from bot.nlu.embedder import load_embedder

    parser = argparse.ArgumentParser(prog="python -m bot.insights.need_log", description=__doc__)
    parser.add_argument("--dev", type=Path, default=DEV_LOG)
    parser.add_argument("--test", type=Path, default=TEST_LOG)
    parser.add_argument("--corpus", type=Path, default=Path("faq_corpus"))
    parser.add_argument("--project", type=Path, default=Path("."))
    parser.add_argument("--out", type=Path, default=Path("reports"))
    args = parser.parse_args(argv)
    embedder, known = load_embedder(), known_out_of_scope(args.project)
    report = {}
    for name, path in (("development", args.dev), ("held-out", args.test)):
        log = read_log(path)
        report[name] = {
            when: need_scores(grouping(log, args.corpus, known, embedder), log.needs)
            for when, grouping in (("before", grouped_before), ("now", grouped_now))
        }
        for when in ("before", "now"):
            r = report[name][when]
            print(
                f"{name:11} {when:6} purity {r['purity']:.3f} coverage {r['coverage']:.3f} "
                f"grouped {r['grouped']:.3f} ({r['questions']} questions, {r['needs']} needs)"
            )
    args.out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    (args.out / "grouping_log.json").write_text(text, encoding="utf-8")
    (args.out / "grouping_log.md").write_text(markdown(report), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
