"""bot/web/corpus_edit.py on another shop's corpus: relaxed rules, no catalog, new categories.

No stack needed: the content editor's saving logic is tested on a temporary copy of faq_corpus/,
faq_catalog.yml and data/nlu/faq.yml (the `shop` and `mini` fixtures of conftest.py).
"""

from __future__ import annotations

import pytest
import yaml

from bot.corpora import workspace
from bot.faq.corpus import load_corpus
from bot.web.corpus_edit import EditRejected, find_entry, save_entry
from tests.web.corpus_scratch import MINI, built, files_of, new_entry, problems

# ---------------------------------------------------------------- another shop's corpus


def test_a_non_shop_corpus_has_relaxed_rules_and_no_catalog(mini):
    before = files_of(mini)
    entry = find_entry(mini, "opening_hours")
    assert entry["category"] == "shop" and entry["examples"] == []
    save_entry(mini, "opening_hours", {**entry, "answer": "平日9時から18時です。"})
    after = files_of(mini)
    assert after[mini.catalog] == before[mini.catalog]
    text = (mini.corpus / "shop.yml").read_text("utf-8")
    assert text == MINI.replace("平日9時から17時です。", "平日9時から18時です。")
    assert problems(mini) == []
    training = mini.training_data.read_text("utf-8")
    assert training == built(mini) and "from mini/" in training
    assert "- intent: faq/opening_hours" in training and "faq/receipt" not in training


def test_an_edit_of_another_corpus_leaves_the_shops_training_data_alone(shop, mini, monkeypatch):
    shops_data = shop.training_data.read_bytes()
    entry = find_entry(mini, "opening_hours")
    save_entry(mini, "opening_hours", {**entry, "answer": "平日9時から18時です。"})
    assert shop.training_data.read_bytes() == shops_data
    monkeypatch.chdir(mini.project)  # where `bot train` runs: it reads the corpus's own folder
    assert mini.training_data == mini.project / workspace(mini.corpus).faq_data
    assert "平日9時から18時です。" in mini.training_data.read_text("utf-8")


def test_a_non_shop_corpus_takes_new_entries_and_new_categories(mini):
    catalog = mini.catalog.read_bytes()
    save_entry(
        mini,
        "parking",
        new_entry(title="駐車場", question="駐車場はありますか?", examples=[], tests=[]),
        "shop",
    )
    save_entry(
        mini,
        "gift_wrap",
        new_entry(title="ギフト包装", question="包装できますか?", examples=[], tests=[]),
        "gifts",
    )
    assert mini.catalog.read_bytes() == catalog
    files = {f.category: [e.id for e in f.entries] for f in load_corpus(mini.corpus)}
    assert files == {"shop": ["opening_hours", "parking"], "gifts": ["gift_wrap"]}
    assert (mini.corpus / "gifts.yml").exists()
    assert problems(mini) == []
    data = yaml.safe_load(mini.training_data.read_text("utf-8"))
    assert [item["intent"] for item in data["nlu"]] == [
        "faq/gift_wrap",
        "faq/opening_hours",
        "faq/parking",
    ]


@pytest.mark.parametrize(
    "faq_id, data, category, expected",
    [
        ("opening_hours", {"answer": "{nope}まで"}, None, "{nope}"),
        ("opening_hours", {"title": "あ" * 31}, None, "31 characters"),
        ("parking", {}, "Bad-Category", "カテゴリ"),
        ("opening_hours", {}, "shop", "opening_hours"),
    ],
)
def test_a_non_shop_corpus_still_checks_what_applies(mini, faq_id, data, category, expected):
    before = files_of(mini)
    base = (
        find_entry(mini, "opening_hours") if category is None else new_entry(examples=[], tests=[])
    )
    with pytest.raises(EditRejected) as rejected:
        save_entry(mini, faq_id, {**base, **data}, category)
    assert expected in " / ".join(rejected.value.problems)
    assert files_of(mini) == before
