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
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Sequence

from bot.store.views import TurnView

START = datetime(2026, 2, 2, 9, 0, tzinfo=timezone.utc)
DEV_LOG = Path("eval/shop/unanswered_log.yml")
TEST_LOG = Path("eval/shop/unanswered_log_test.yml")


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
