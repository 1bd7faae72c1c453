"""What a snapshot must pass before it is published, and what it changes.

- Every entry's canonical question finds its own entry (read alone, as a first question).
- No test question that the live snapshot answered right is answered wrong by the new one;
  each one that is gets listed, and the editor confirms before it goes live.

The preview also lists the test questions whose entry changed (better or worse), and which
unanswered questions of the conversation log the new snapshot would answer: its best entry is
at least `ANSWER_CONFIDENCE` and `ANSWER_MARGIN` ahead of the next (the FAQ ranker's share of
the fallback rule, bot/nlu/fallback.py), where the live snapshot's was not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from bot.knowledge.build import memo_tokens, segmenter
from bot.knowledge.index import FaqIndex
from bot.knowledge.snapshot import Snapshot
from bot.nlu.embedding_cache import cached_embedder
from bot.nlu.lexical import content_terms

ANSWER_CONFIDENCE = 0.3
ANSWER_MARGIN = 0.05


@dataclass
class Reader:
    """Reads questions as the FAQ ranker does: e5 query vector and Sudachi content words."""

    vectors: Any  # texts -> array of vectors
    tokens: Any  # text -> tokens
    # (snapshot id, text) -> ranking: a published snapshot's rankings of the corpus's questions
    # never change, so the live one's are computed once, not at every check
    cache: Optional[Dict[tuple, List[Dict[str, Any]]]] = None

    def rank(self, index: FaqIndex, texts: Sequence[str]) -> List[List[Dict[str, Any]]]:
        if not texts:
            return []
        cache = self.cache if self.cache is not None and index.snapshot_id else None
        missing = [
            t for t in dict.fromkeys(texts) if cache is None or (index.snapshot_id, t) not in cache
        ]
        ranked = {}
        if missing:
            vectors = self.vectors(missing)
            for text, vector in zip(missing, vectors):
                terms = content_terms(self.tokens(text))
                ranked[text] = index.ranking_of(index.signals_of(np.asarray(vector), terms))
                if cache is not None:
                    cache[(index.snapshot_id, text)] = ranked[text]
        return [ranked[t] if t in ranked else cache[(index.snapshot_id, t)] for t in texts]


@dataclass
class CheckResult:
    """The verdict on a snapshot and what it changes against the live one."""

    canonical_total: int = 0
    canonical_wrong: List[Dict[str, str]] = field(default_factory=list)
    tests_total: int = 0
    tests_right: int = 0
    regressions: List[Dict[str, str]] = field(default_factory=list)  # right live, wrong now
    improvements: List[Dict[str, str]] = field(default_factory=list)  # wrong live, right now
    newly_answered: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """The canonical questions all find their entry (regressions need a confirmation)."""
        return not self.canonical_wrong

    def as_dict(self) -> Dict[str, Any]:
        return {
            "passed": self.passed,
            "canonical_total": self.canonical_total,
            "canonical_wrong": self.canonical_wrong,
            "tests_total": self.tests_total,
            "tests_right": self.tests_right,
            "regressions": self.regressions,
            "improvements": self.improvements,
            "newly_answered": self.newly_answered,
        }


def _best(ranking: List[Dict[str, Any]]) -> str:
    return str(ranking[0]["intent_response_key"]) if ranking else ""


def answers(ranking: List[Dict[str, Any]]) -> bool:
    """Whether the best entry is sure enough to be answered rather than offered."""
    if not ranking:
        return False
    first = float(ranking[0]["confidence"])
    second = float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0
    return first >= ANSWER_CONFIDENCE and first - second >= ANSWER_MARGIN


def check_snapshot(
    new: Snapshot,
    new_index: FaqIndex,
    reader: Reader,
    live: Optional[Snapshot] = None,
    live_index: Optional[FaqIndex] = None,
) -> CheckResult:
    """Checks `new` and compares it with `live` (see the module docstring)."""
    result = CheckResult()
    title = {f"faq/{e['id']}": e["title"] for e in new.entries}
    canon = [(f"faq/{e['id']}", e["question"]) for e in new.entries]
    result.canonical_total = len(canon)
    for (key, question), ranking in zip(canon, reader.rank(new_index, [q for _, q in canon])):
        if _best(ranking) != key:
            result.canonical_wrong.append(
                {"question": question, "expected": key, "answered_as": _best(ranking)}
            )
    tests = [(f"faq/{e['id']}", t) for e in new.entries for t in e.get("tests") or []]
    result.tests_total = len(tests)
    texts = [t for _, t in tests]
    now = [_best(r) for r in reader.rank(new_index, texts)]
    before = [_best(r) for r in reader.rank(live_index, texts)] if live_index else now
    for (key, text), was, got in zip(tests, before, now):
        result.tests_right += got == key
        item = {
            "question": text,
            "expected": key,
            "expected_title": title.get(key, ""),
            "live": was,
            "new": got,
            "new_title": title.get(got, ""),
        }
        if was == key and got != key:
            result.regressions.append(item)
        elif was != key and got == key:
            result.improvements.append(item)
    return result


def changes_between(old: Optional[Snapshot], new: Snapshot) -> List[str]:
    """What changed, entry by entry, in Japanese for the editor and the history."""
    if old is None:
        return [f"初回の公開({len(new.entries)} エントリ)"]
    before = {e["id"]: e for e in old.entries}
    after = {e["id"]: e for e in new.entries}
    out = [f"エントリ {i} を追加" for i in sorted(set(after) - set(before))]
    out += [f"エントリ {i} を削除" for i in sorted(set(before) - set(after))]
    labels = {
        "title": "タイトル",
        "question": "質問",
        "answer": "回答",
        "examples": "例文",
        "tests": "テスト質問",
        "category": "カテゴリ",
    }
    for faq_id in sorted(set(before) & set(after)):
        changed = [
            name
            for key, name in labels.items()
            if before[faq_id].get(key) != after[faq_id].get(key)
        ]
        if changed:
            out.append(f"エントリ {faq_id} の{'・'.join(changed)}を変更")
    if old.meta.get("out_of_scope") != new.meta.get("out_of_scope") or not np.array_equal(
        old.arrays.get("outside", np.zeros(0)), new.arrays.get("outside", np.zeros(0))
    ):
        out.append("対象外の例文を変更")
    if not out and old.id != new.id:  # same entries, another index (config or weights)
        out.append("エントリの変更なし(索引を作り直し)")
    return out


def newly_answered(
    new: Snapshot,
    new_index: FaqIndex,
    live_index: FaqIndex,
    reader: Reader,
    questions: Sequence[str],
) -> List[Dict[str, Any]]:
    """The log's questions (the first 500 distinct) that `new` would answer and the live
    snapshot did not, or answered with another entry."""
    title = {f"faq/{e['id']}": e["title"] for e in new.entries}
    questions = list(dict.fromkeys(questions))[:500]
    out = []
    for text, was, got in zip(
        questions, reader.rank(live_index, questions), reader.rank(new_index, questions)
    ):
        if answers(got) and (not answers(was) or _best(was) != _best(got)):
            out.append(
                {
                    "question": text,
                    "entry": _best(got),
                    "title": title.get(_best(got), ""),
                    "confidence": round(float(got[0]["confidence"]), 3),
                }
            )
    return out


def corpus_reader(snapshot: Snapshot, cache: Optional[Dict[tuple, Any]] = None) -> Reader:
    """Reads a snapshot's own questions as its ranker would: vectors from the disk cache (they
    are corpus texts), Sudachi words memoized, rankings kept in `cache` when given."""
    builder = snapshot.meta.get("builder") or {}
    embedder = cached_embedder(builder.get("embedder"))
    tokens = memo_tokens(str(builder.get("split_mode") or "C"))
    return Reader(lambda texts: embedder.training(texts, kind="query"), tokens, cache)


def customer_reader(snapshot: Snapshot) -> Reader:
    """Reads customers' questions: vectors in memory only, words never kept."""
    builder = snapshot.meta.get("builder") or {}
    embedder = cached_embedder(builder.get("embedder"))
    return Reader(embedder.queries, segmenter(str(builder.get("split_mode") or "C")).tokens)
