"""Questions the bot did not answer well, grouped by meaning, nearest FAQ entry for each group.

A turn counts when it went to fallback, was answered with confidence under LOW_CONFIDENCE, or
the customer said 役に立たなかった. Its masked text (turns.text is masked before it is stored) is
normalised; questions already in the corpus (question or example) or in `known` (the
out-of-scope examples) are left out, so a group disappears once its questions are added as
examples. Identical normalised texts are embedded once (e5 `query:`); a short follow-up is read
with the question typed before it in its conversation, each question's nearest FAQ entries join
its e5 vector, and the questions are clustered with complete linkage (bot/insights/similarity.py:
what is compared, how, and how it was chosen).

Customers' questions are never written to disk: their vectors stay in this process's memory
(`QUESTION_VECTORS`, bounded), and each call keeps only those of the questions it grouped and of
the questions typed before them, so once erasure or the retention purge deletes a turn its vector goes at the next call. The
corpus's own texts are training texts and use the disk cache (bot/nlu/embedding_cache.py).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterable, List, Sequence

import numpy as np

from bot.faq.build import training_questions
from bot.faq.corpus import load_corpus, normalized_question
from bot.insights import LOW_CONFIDENCE, similarity
from bot.insights.similarity import DISTANCE_THRESHOLD, cluster
from bot.nlu.embedder import Embedder, clean, load_embedder

if TYPE_CHECKING:
    from bot.store.views import TurnView

# Corpus texts compared with a group as e5 queries (they are questions, like the group's): on the
# development set (the shop corpus's test questions) queries found the right entry for 0.958 of
# the groups, passages 0.938 (`python -m bot.insights.eval`, reports/grouping.md).
CORPUS_KIND = "query"
# The linkage keeps a condensed distance matrix: 6,000 texts take 140 MB. Beyond that the
# most frequent (then most recent) distinct questions are grouped.
MAX_DISTINCT = 6000
BATCH = 64


@dataclass(frozen=True)
class GroupedQuestion:
    """One distinct (normalised) question of a group, as a customer wrote it."""

    text: str
    count: int
    turn_ids: tuple[int, ...]
    unhelpful: int


@dataclass(frozen=True)
class QuestionGroup:
    """Questions with one meaning, and the FAQ entry closest to it."""

    id: str  # sha1 of the sorted normalised member texts, 12 hex: stable for the same members
    questions: tuple[GroupedQuestion, ...]  # most frequent first
    turns: int
    customers: int  # distinct conversations
    unhelpful_share: float
    nearest_faq_id: str | None
    nearest_similarity: float
    first_seen: datetime
    last_seen: datetime


class VectorMemo:
    """Vectors by (model, prefix, text) in memory only, the least recently used dropped first."""

    def __init__(self, items: int = 20_000) -> None:
        self._items = items
        self._vectors: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.embedded = 0  # texts computed by the model (misses), for reports and tests

    def vectors(self, embedder: Embedder, texts: Sequence[str], kind: str) -> np.ndarray:
        keys = [(embedder.name, kind, clean(t)) for t in texts]
        with self._lock:
            found = {k: self._vectors[k] for k in keys if k in self._vectors}
            for key in found:
                self._vectors.move_to_end(key)
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        encode = embedder.query if kind == "query" else embedder.passage
        for start in range(0, len(missing), BATCH):
            batch = missing[start : start + BATCH]
            found.update(zip(batch, encode([k[2] for k in batch])))
            self.embedded += len(batch)
        with self._lock:
            for key in missing:
                self._vectors[key] = found[key]
            while len(self._vectors) > self._items:
                self._vectors.popitem(last=False)
        if not keys:
            return np.zeros((0, embedder.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def retain(self, embedder: Embedder, texts: Sequence[str], kind: str) -> None:
        """Forgets every vector but those of `texts`."""
        keep = {(embedder.name, kind, clean(t)) for t in texts}
        with self._lock:
            for key in [k for k in self._vectors if k not in keep]:
                del self._vectors[key]

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()


QUESTION_VECTORS = VectorMemo()  # logged questions: this process only, reused across calls
_CORPUS_CACHES: Dict[str, object] = {}
_corpus_lock = threading.Lock()


def _corpus_vectors(embedder: Embedder, texts: Sequence[str], kind: str) -> np.ndarray:
    """Training texts through the disk cache (bot/nlu/embedding_cache.py)."""
    from bot.nlu.embedding_cache import CachedEmbedder

    with _corpus_lock:
        if embedder.name not in _CORPUS_CACHES:
            _CORPUS_CACHES[embedder.name] = CachedEmbedder(embedder)
        cache = _CORPUS_CACHES[embedder.name]
    return cache.training(list(texts), kind=kind)


def needs_attention(turn: TurnView) -> bool:
    """Fallback, low confidence, or 役に立たなかった."""
    low = turn.confidence is not None and turn.confidence < LOW_CONFIDENCE
    return bool(turn.fallback or low or turn.feedback == "unhelpful")


def known_out_of_scope(project_root: Path) -> List[str]:
    """The out-of-scope examples of data/nlu/out_of_scope.yml (questions already handled)."""
    import yaml

    path = Path(project_root) / "data" / "nlu" / "out_of_scope.yml"
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    texts = []
    for block in data.get("nlu") or []:
        if block.get("intent") == "out_of_scope":
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    texts.append(line.strip()[2:].strip())
    return texts


@dataclass(frozen=True)
class CorpusTexts:
    """The corpus's training questions: entry ids and titles, one row per text."""

    faq_ids: tuple[str, ...]
    texts: tuple[str, ...]
    titles: Dict[str, str]

    @classmethod
    def load(cls, corpus_dir: Path) -> CorpusTexts:
        ids, texts, titles = [], [], {}
        for corpus_file in load_corpus(corpus_dir):
            for entry in corpus_file.entries:
                titles[entry.id] = entry.title
                for text in training_questions(entry):
                    ids.append(entry.id)
                    texts.append(text)
        return cls(tuple(ids), tuple(texts), titles)


@dataclass
class _Distinct:
    text: str
    key: str
    forms: Dict[str, int]
    turn_ids: List[int]
    conversations: List[str]
    unhelpful: int
    first: datetime
    last: datetime
    before: List[str]  # per conversation it was asked in: the question typed just before, or ""


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def distinct_questions(turns: Iterable[TurnView], excluded: set) -> List[_Distinct]:
    """The selected turns by normalised text, most frequent (then most recent) first."""
    found: Dict[str, _Distinct] = {}
    last: Dict[str, str] = {}  # conversation → the text of its latest turn so far
    for turn in turns:
        before = last.get(turn.conversation_id, "")
        if turn.text and not turn.text.startswith("/"):  # a button's payload is no question
            last[turn.conversation_id] = turn.text
        if not needs_attention(turn):
            continue
        key = normalized_question(turn.text)
        if not key or key in excluded:
            continue
        at = _utc(turn.at)
        item = found.get(key)
        if item is None:
            item = found[key] = _Distinct(turn.text, key, {}, [], [], 0, at, at, [])
        item.forms[turn.text] = item.forms.get(turn.text, 0) + 1
        if turn.id is not None:
            item.turn_ids.append(turn.id)
        item.conversations.append(turn.conversation_id)
        item.before.append(before)
        item.unhelpful += turn.feedback == "unhelpful"
        item.first, item.last = min(item.first, at), max(item.last, at)
    for item in found.values():  # the wording customers used most stands for the question
        item.text = max(item.forms.items(), key=lambda form: (form[1], -len(form[0])))[0]
    return sorted(found.values(), key=lambda d: (-len(d.conversations), -d.last.timestamp()))


def _group(members: List[_Distinct], vectors: np.ndarray, corpus, corpus_matrix) -> QuestionGroup:
    keys = sorted(m.key for m in members)
    members = sorted(members, key=lambda m: (-len(m.conversations), -m.last.timestamp(), m.key))
    turns = sum(len(m.conversations) for m in members)
    unhelpful = sum(m.unhelpful for m in members)
    nearest, score = None, 0.0
    if corpus_matrix is not None and len(corpus.faq_ids):
        weights = np.array([len(m.conversations) for m in members], dtype=np.float32)
        centroid = (vectors * weights[:, None]).sum(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        scores = corpus_matrix @ centroid
        best = int(np.argmax(scores))
        nearest, score = corpus.faq_ids[best], round(float(scores[best]), 4)
    return QuestionGroup(
        id=hashlib.sha1("\n".join(keys).encode("utf-8")).hexdigest()[:12],
        questions=tuple(
            GroupedQuestion(m.text, len(m.conversations), tuple(m.turn_ids), m.unhelpful)
            for m in members
        ),
        turns=turns,
        customers=len({c for m in members for c in m.conversations}),
        unhelpful_share=round(unhelpful / turns, 4) if turns else 0.0,
        nearest_faq_id=nearest,
        nearest_similarity=score,
        first_seen=min(m.first for m in members),
        last_seen=max(m.last for m in members),
    )


def _context_vectors(questions: List[_Distinct], before: Dict[str, np.ndarray], dim: int):
    """Per question, the mean over its conversations of the vector of the question typed before
    it (zero where there was none): a follow-up asked once after 解約 leans on 解約."""
    context = np.zeros((len(questions), dim), dtype=np.float32)
    for row, question in enumerate(questions):
        for text in question.before:
            if text:
                context[row] += before[text] / len(question.before)
    return context


def group_questions(
    turns: Iterable[TurnView],
    corpus_dir: Path,
    known: Iterable[str] = (),
    embedder: Embedder | None = None,
    *,
    threshold: float = DISTANCE_THRESHOLD,
    memo: VectorMemo | None = None,
    corpus_kind: str = CORPUS_KIND,
    attach: float = similarity.ATTACH_THRESHOLD,
) -> list[QuestionGroup]:
    """Fallback, low-confidence and 役に立たなかった turns grouped by meaning, the groups that
    affect the most customers (then turns) first; singletons are groups of one."""
    corpus = CorpusTexts.load(corpus_dir)
    excluded = {normalized_question(t) for t in list(corpus.texts) + list(known)}
    questions = distinct_questions(turns, excluded)[:MAX_DISTINCT]
    if not questions:
        return []
    embedder = embedder or load_embedder()  # loaded once per process, on first need
    memo = memo or QUESTION_VECTORS
    texts = [q.text for q in questions]
    before = sorted({b for q in questions for b in q.before if b})
    vectors = memo.vectors(embedder, texts, "query")
    before_vectors = dict(zip(before, memo.vectors(embedder, before, "query")))
    context = _context_vectors(questions, before_vectors, vectors.shape[1])
    memo.retain(embedder, texts + before, "query")  # an erased or purged turn leaves memory too
    short = [similarity.content_word_count(t) <= similarity.CONTEXT_MAX_TERMS for t in texts]
    vectors = similarity.in_context(vectors, context, short)
    corpus_matrix = _corpus_vectors(embedder, corpus.texts, corpus_kind) if corpus.texts else None
    rows = similarity.features(vectors, corpus_matrix, corpus.faq_ids)
    labels = similarity.attach_alone(cluster(rows, threshold), rows, attach)
    groups = []
    for label in np.unique(labels):
        of = np.flatnonzero(labels == label)
        groups.append(_group([questions[i] for i in of], vectors[of], corpus, corpus_matrix))
    groups.sort(key=lambda g: (-g.customers, -g.turns, -g.last_seen.timestamp(), g.id))
    return groups


def group_json(group: QuestionGroup, titles: Dict[str, str], questions: int = 5) -> dict:
    """A group as the report and the agent console show it (a few of its questions)."""
    return {
        "id": group.id,
        "customers": group.customers,
        "turns": group.turns,
        "distinct_questions": len(group.questions),
        "questions": [{"text": q.text, "count": q.count} for q in group.questions[:questions]],
        "unhelpful_share": group.unhelpful_share,
        "nearest_faq_id": group.nearest_faq_id,
        "nearest_title": titles.get(group.nearest_faq_id or "", ""),
        "nearest_similarity": group.nearest_similarity,
        "first_seen": group.first_seen.isoformat(),
        "last_seen": group.last_seen.isoformat(),
    }
