"""The grouping's similarity and clustering steps on made-up vectors (no embedder)."""

from __future__ import annotations

import numpy as np
import pytest

from bot.insights import similarity
from bot.insights.similarity import attach_alone, entry_distribution, features, in_context


def unit(*rows):
    m = np.array(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_a_lone_question_joins_the_group_it_is_close_to_on_average_within_the_threshold():
    rows = unit([1, 0, 0], [0.99, 0.14, 0], [0.98, -0.2, 0], [0, 0, 1])
    labels = attach_alone(np.array([0, 0, 1, 2]), rows, threshold=0.05)
    assert labels[2] == labels[0] and labels[3] not in (labels[0], 1)
    assert list(attach_alone(np.array([0, 0, 1, 2]), rows, threshold=0.001)) == [0, 0, 1, 2]


def test_lone_questions_pair_only_with_their_mutual_nearest():
    rows = unit([1, 0, 0], [0.99, 0.1, 0], [0, 1, 0], [0, 0, 1])
    labels = attach_alone(np.arange(4), rows, threshold=0.05)
    assert labels[0] == labels[1]
    assert len({labels[0], labels[2], labels[3]}) == 3


def test_only_short_questions_with_a_context_are_read_in_it():
    vectors = unit([1, 0], [1, 0], [1, 0])
    context = np.array([[0, 1], [0, 1], [0, 0]], dtype=np.float32)
    mixed = in_context(vectors, context, [True, False, True])
    expected = np.array([1, similarity.CONTEXT_WEIGHT]) / np.hypot(1, similarity.CONTEXT_WEIGHT)
    assert mixed[0] == pytest.approx(expected)
    assert mixed[1] == pytest.approx([1, 0]) and mixed[2] == pytest.approx([1, 0])


def test_the_entry_distribution_sums_to_one_and_favours_the_nearest_entry():
    corpus = unit([1, 0], [0.9, 0.1], [0, 1])
    dist = entry_distribution(unit([1, 0.05], [0.1, 1]), corpus, ["a", "a", "b"])
    assert dist.sum(axis=1) == pytest.approx([1, 1])
    assert dist[0, 0] > 0.9 and dist[1, 1] > 0.9
    rows = features(unit([1, 0.05]), corpus, ["a", "a", "b"])
    assert float(rows[0] @ rows[0]) == pytest.approx(1 + similarity.ENTRY_WEIGHT, abs=1e-5)
