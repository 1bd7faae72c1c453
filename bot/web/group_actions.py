"""What the content editor does with a group of customers' unanswered questions.

Each action goes through the same path as an edit in the editor (checked on a copy like
`bot faq check`, written atomically keeping comments and layout, `data/nlu/faq.yml` rebuilt):
the chosen questions become examples of an existing entry, or the draft of a new entry, or
out-of-scope examples (`bot.web.scope_edit`). Once they are in the training data the grouping
leaves them out, so the group is gone from the list.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from bot.faq.check import MAX_TITLE_CHARS, Rules
from bot.faq.corpus import normalized_question
from bot.web.corpus_edit import EDIT_LOCK, EditRejected, Paths, find_entry, list_entries, save_entry

NOTHING_CHOSEN = "質問を1つ以上選んでください。"
TRAILING = "??。.!!、 "


def chosen(group, texts: List[str]) -> List[str]:
    """The group's questions named by `texts` (as the group writes them), in the group's order.

    Raises EditRejected for an empty choice or a text that is not a question of the group.
    """
    wanted = [normalized_question(t) for t in texts if normalized_question(t)]
    if not wanted:
        raise EditRejected([NOTHING_CHOSEN])
    by_key = {normalized_question(q.text): q.text for q in group.questions}
    strangers = [t for t, key in zip(texts, wanted) if key not in by_key]
    if strangers:
        raise EditRejected(
            [
                f"「{t[:80]}」はこのグループの質問ではありません。一覧を更新してください。"
                for t in strangers
            ]
        )
    keys = set(wanted)
    return [q.text for q in group.questions if normalized_question(q.text) in keys]


def add_examples(paths: Paths, faq_id: str, questions: List[str]) -> Dict[str, Any]:
    """Appends the questions the entry does not have yet to its examples; checked, then written.

    Returns {"added": [...], "skipped": [...]} (skipped: already examples of that entry).
    """
    if not questions:
        raise EditRejected([NOTHING_CHOSEN])
    with EDIT_LOCK:
        entry = find_entry(paths, faq_id)
        if entry is None:
            raise LookupError(faq_id)
        have = {normalized_question(t) for t in entry["examples"]}
        added, skipped = [], []
        for text in questions:
            key = normalized_question(text)
            (skipped if key in have else added).append(text)
            have.add(key)
        if added:
            save_entry(paths, faq_id, {**entry, "examples": entry["examples"] + added})
    return {"added": added, "skipped": skipped}


def _title(question: str) -> str:
    title = question.strip().rstrip(TRAILING) or question.strip()
    return title if len(title) <= MAX_TITLE_CHARS else title[: MAX_TITLE_CHARS - 1] + "…"


def draft_entry(paths: Paths, group) -> Dict[str, Any]:
    """A new entry pre-filled from the group: its most frequent question as title and question,
    the others as examples, the nearest entry's category; the editor writes the answer."""
    ranked = sorted(group.questions, key=lambda q: -q.count)  # stable: ties keep group order
    question = ranked[0].text
    nearest: Optional[Dict[str, Any]] = (
        find_entry(paths, group.nearest_faq_id) if group.nearest_faq_id else None
    )
    categories = sorted({e["category"] for e in list_entries(paths) if e["category"]})
    category = nearest["category"] if nearest else (categories[0] if categories else "")
    examples = [q.text for q in ranked[1:]]
    rules = Rules() if paths.shop else Rules(min_examples=0, min_tests=0)
    hints = []
    if len(examples) < rules.min_examples:
        hints.append(
            f"例文はあと {rules.min_examples - len(examples)} 件以上書き足してください"
            f"({rules.min_examples} 件以上必要です)。"
        )
    if rules.min_tests:
        hints.append(
            f"テスト用の質問を {rules.min_tests} 件以上書いてください(学習には使いません)。"
        )
    return {
        "id": "",
        "category": category,
        "categories": categories,
        "title": _title(question),
        "question": question,
        "answer": "",
        "examples": examples,
        "tests": [],
        "hints": hints,
    }
