"""Unanswered questions grouped by meaning, with the real e5 embedder and the shop's corpus."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.faq.corpus import load_corpus, normalized_question
from bot.insights.groups import VectorMemo, group_questions, known_out_of_scope
from bot.store.views import TurnView

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "faq_corpus"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
POINTS = ["ポイントの有効期限はいつまでですか", "貯まったポイントはいつ失効しますか",
          "ポイントの期限が切れるのはいつですか"]  # fmt: skip
PICKUP = [
    "店舗で商品を受け取れますか",
    "お店で受け取りはできますか",
    "店頭受け取りに対応していますか",
]
UNRELATED = "駐車場はありますか"


class Log:
    """Turns as the journal returns them, numbered and a minute apart."""

    def __init__(self) -> None:
        self.turns: list[TurnView] = []

    def add(self, text, conversation=None, *, fallback=True, confidence=None, feedback=None):
        n = len(self.turns) + 1
        self.turns.append(
            TurnView(T0 + timedelta(minutes=n), conversation or f"c{n}", None, text,
                     "nlu_fallback" if fallback else "faq", None if fallback else "x",
                     confidence, fallback, "reply", "ok", n, (), feedback)
        )  # fmt: skip
        return n


@pytest.fixture(scope="module")
def memo():
    return VectorMemo()  # shared by the tests: each text is embedded once


def groups_of(log: Log, memo, known=()):
    return group_questions(log.turns, CORPUS, known, memo=memo)


def containing(groups, text):
    return next(g for g in groups if text in [q.text for q in g.questions])


def test_three_wordings_of_one_need_land_in_one_group_and_an_unrelated_question_not(memo):
    log = Log()
    for text in POINTS + PICKUP + [UNRELATED]:
        log.add(text)
    groups = groups_of(log, memo)
    points = containing(groups, POINTS[0])
    assert sorted(q.text for q in points.questions) == sorted(POINTS)
    assert UNRELATED not in [q.text for q in points.questions]
    assert sorted(q.text for q in containing(groups, PICKUP[0]).questions) == sorted(PICKUP)
    assert [q.text for q in containing(groups, UNRELATED).questions] == [UNRELATED]
    assert sum(g.turns for g in groups) == 7
    assert points.nearest_faq_id in {e.id for f in load_corpus(CORPUS) for e in f.entries}
    assert 0 < points.nearest_similarity <= 1


def test_questions_already_in_the_corpus_or_known_are_left_out(memo):
    example = next(f for f in load_corpus(CORPUS) if f.entries).entries[0].examples[0].text
    log = Log()
    for text in [example, f"{example}!", UNRELATED, POINTS[0]]:
        log.add(text)
    texts = [q.text for g in groups_of(log, memo, known=[UNRELATED]) for q in g.questions]
    assert texts == [POINTS[0]]
    oos = known_out_of_scope(ROOT)
    assert "スマホのアラームを解除したい" in oos and len(oos) > 20


def test_unhelpful_turns_count_and_answered_helpful_turns_do_not(memo):
    log = Log()
    log.add(POINTS[0])
    log.add(POINTS[1], fallback=False, confidence=0.95, feedback="unhelpful")
    log.add(POINTS[2], fallback=False, confidence=0.3)  # low confidence
    log.add(PICKUP[0], fallback=False, confidence=0.95, feedback="helpful")
    log.add(PICKUP[1], fallback=False, confidence=0.95)
    groups = groups_of(log, memo)
    assert len(groups) == 1
    assert groups[0].turns == 3 and groups[0].unhelpful_share == pytest.approx(1 / 3, abs=1e-4)
    unhelpful = {q.text: q.unhelpful for q in groups[0].questions}
    assert unhelpful == {POINTS[0]: 0, POINTS[1]: 1, POINTS[2]: 0}


def test_customers_are_distinct_conversations_and_rank_the_groups(memo):
    log = Log()
    for _ in range(4):  # one customer asking four times
        log.add(PICKUP[0], "same")
    ids = [log.add(POINTS[0], "a"), log.add(POINTS[1], "b"), log.add(POINTS[0], "c")]
    log.add(UNRELATED, "d")
    log.add(UNRELATED, "d")
    groups = groups_of(log, memo)
    assert [(g.customers, g.turns) for g in groups] == [(3, 3), (1, 4), (1, 2)]
    points = groups[0]
    assert [(q.text, q.count) for q in points.questions] == [(POINTS[0], 2), (POINTS[1], 1)]
    assert points.questions[0].turn_ids == (ids[0], ids[2])
    assert points.first_seen == log.turns[ids[0] - 1].at
    assert points.last_seen == log.turns[ids[2] - 1].at
    assert groups[1].questions[0].text == PICKUP[0]


def test_group_ids_are_stable_for_the_same_member_texts(memo):
    first, second = Log(), Log()
    for text in POINTS:
        first.add(text)
    for text in reversed(POINTS + POINTS):
        second.add(f"{text}?")
    a, b = groups_of(first, memo)[0], groups_of(second, memo)[0]
    expected = hashlib.sha1("\n".join(sorted(map(normalized_question, POINTS))).encode())
    assert a.id == b.id == expected.hexdigest()[:12]
    assert groups_of(Log(), memo) == []


def test_vectors_of_questions_no_longer_logged_leave_memory(memo):
    from bot.nlu.embedder import load_embedder

    log = Log()
    log.add(POINTS[0])
    log.add(UNRELATED)
    groups_of(log, memo)
    embedded = memo.embedded
    log.turns.pop()  # erased
    groups_of(log, memo)
    assert memo.embedded == embedded  # the remaining one came from memory
    memo.vectors(load_embedder(), [UNRELATED], "query")
    assert memo.embedded == embedded + 1  # the erased one was forgotten


VALIDITY = ["見積書の有効期限はいつまでですか", "見積書の有効期間を教えてください"]
DOWNLOAD = "見積書はダウンロードできますか"  # answered: only the context of the follow-up
FOLLOW_UP = "それっていつまで有効？"  # alone it lands with no group (with CONTEXT_WEIGHT 0)


def test_a_short_follow_up_is_grouped_with_its_need_read_with_the_question_before_it(memo):
    log = Log()
    for text in VALIDITY + POINTS:
        log.add(text)
    log.add(DOWNLOAD, "chat", fallback=False, confidence=0.9)
    follow_up = log.add(FOLLOW_UP, "chat")
    validity = containing(groups_of(log, memo), VALIDITY[0])
    assert sorted(q.text for q in validity.questions) == sorted(VALIDITY + [FOLLOW_UP])
    assert follow_up in [i for q in validity.questions for i in q.turn_ids]


def test_the_question_before_a_follow_up_leaves_memory_once_it_is_erased(memo):
    from bot.nlu.embedder import load_embedder

    log = Log()
    log.add(DOWNLOAD, "chat", fallback=False, confidence=0.9)
    log.add(FOLLOW_UP, "chat")
    groups_of(log, memo)
    embedded = memo.embedded
    memo.vectors(load_embedder(), [DOWNLOAD], "query")
    assert memo.embedded == embedded  # kept while its conversation is logged
    log.turns.pop(0)  # erased
    groups_of(log, memo)
    memo.vectors(load_embedder(), [DOWNLOAD], "query")
    assert memo.embedded == embedded + 1
