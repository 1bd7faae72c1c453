"""The grouping measurement's scores (pure functions; the command itself runs the embedder)."""

from __future__ import annotations

from bot.insights.eval import chosen_on_dev, scores, shared_entries

GOLD = {"a1": {"a"}, "a2": {"a"}, "a3": {"a", "b"}, "b1": {"b"}, "c1": {"c"}}


def test_purity_is_the_majority_entry_share_weighted_by_size():
    result = scores([["a1", "a2", "b1"], ["a3", "c1"]], GOLD, 5)
    assert result["purity"] == round((2 + 1) / 5, 4)
    assert result["coverage"] == 1.0 and result["groups_of_2_or_more"] == 2


def test_singletons_are_pure_but_not_covered():
    result = scores([["a1", "a2"], ["b1"], ["c1"], ["a3"]], GOLD, 5)
    assert (result["purity"], result["purity_all"], result["coverage"]) == (1.0, 1.0, 0.4)


def test_the_threshold_is_the_largest_with_enough_purity():
    rows = [{"threshold": 0.05, "purity": 0.9}, {"threshold": 0.1, "purity": 0.81},
            {"threshold": 0.15, "purity": 0.7}]  # fmt: skip
    assert chosen_on_dev(rows) == 0.1
    assert shared_entries(GOLD) == 4
