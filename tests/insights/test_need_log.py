"""The need-labelled log: how it is read and how a grouping is judged by need (pure)."""

from __future__ import annotations

from bot.insights.need_log import need_scores, read_log

NEEDS = {1: "a", 2: "a", 3: "a", 4: "b", 5: "b", 6: "c"}  # c is asked once


def test_purity_is_the_majority_need_share_of_groups_of_two_or_more():
    result = need_scores([[1, 2, 4], [3, 5], [6]], NEEDS)
    assert result["purity"] == round((2 + 1) / 5, 4)
    assert result["grouped"] == round(5 / 6, 4)


def test_coverage_counts_questions_sharing_a_group_with_their_need_and_ignores_singletons():
    # 1 and 2 share a group; 3, 4, 5 have no partner of their need; 6's need is asked once
    assert need_scores([[1, 2, 4], [3, 5], [6]], NEEDS)["coverage"] == round(2 / 5, 4)
    perfect = need_scores([[1, 2, 3], [4, 5], [6]], NEEDS)
    assert (perfect["purity"], perfect["coverage"]) == (1.0, 1.0)
    split = need_scores([[1, 2], [3], [4, 5], [6]], NEEDS)  # a need split in two still leaves 3
    assert split["coverage"] == round(4 / 5, 4)


def test_the_log_is_read_as_turns_of_conversations_with_answered_context(tmp_path):
    path = tmp_path / "log.yml"
    path.write_text(
        "conversations:\n"
        '  - [{text: "紙の請求書がほしい", need: paper_invoice}]\n'
        '  - [{text: "解約方法を教えて"}, {text: "日割りになる?", need: prorated}]\n',
        encoding="utf-8",
    )
    log = read_log(path)
    assert [t.text for t in log.turns] == [
        "紙の請求書がほしい",
        "解約方法を教えて",
        "日割りになる?",
    ]
    assert log.needs == {1: "paper_invoice", 3: "prorated"}
    assert [t.fallback for t in log.turns] == [True, False, True]
    assert (
        log.turns[1].conversation_id == log.turns[2].conversation_id != log.turns[0].conversation_id
    )
