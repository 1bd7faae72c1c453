"""bot/web/corpus_edit.py on a scratch copy of the corpus: exact edits, checked adds, no half writes.

No stack needed: the content editor's saving logic is tested on a temporary copy of faq_corpus/,
faq_catalog.yml and data/nlu/faq.yml.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from bot.cli import main
from bot.corpora import workspace
from bot.faq.build import ordered_entries, render_training_data
from bot.faq.catalog import load_catalog
from bot.faq.check import Rules, check_corpus
from bot.faq.corpus import load_corpus, normalized_question
from bot.web.corpus_edit import EditRejected, Paths, find_entry, list_entries, save_entry

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shop(tmp_path) -> Paths:
    """A scratch project with a copy of the shop's corpus, catalog and built training data."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "faq_corpus", project / "faq_corpus")
    shutil.copy2(ROOT / "faq_catalog.yml", project / "faq_catalog.yml")
    (project / "data" / "nlu").mkdir(parents=True)
    shutil.copy2(ROOT / "data" / "nlu" / "faq.yml", project / "data" / "nlu" / "faq.yml")
    return Paths(project, project / "faq_corpus", shop=True)


MINI = """\
# A small corpus of another shop: no catalog ids, no minimum of examples.
category: shop
entries:
  - id: opening_hours
    title: 営業時間
    question: 営業時間は?
    answer: 平日9時から17時です。  # short answer
    examples: []
    tests: []
"""


@pytest.fixture
def mini(shop) -> Paths:
    """A non-shop corpus folder next to the shop's (relaxed rules, no catalog)."""
    folder = shop.project / "mini"
    folder.mkdir()
    (folder / "shop.yml").write_text(MINI, encoding="utf-8")
    return Paths(shop.project, folder, shop=False)


def files_of(paths: Paths) -> Dict[Path, bytes]:
    found = [p for p in paths.corpus.iterdir() if p.is_file()]
    found += [paths.catalog, paths.training_data]
    return {p: p.read_bytes() for p in sorted(found) if p.exists()}


def changed_lines(before: bytes, after: bytes) -> List[str]:
    diff = difflib.ndiff(before.decode().splitlines(), after.decode().splitlines())
    return [line for line in diff if line[:1] in "+-"]


def problems(paths: Paths) -> List[str]:
    catalog = load_catalog(paths.catalog)
    rules = Rules() if paths.shop else Rules(min_examples=0, min_tests=0)
    return check_corpus(paths.corpus, catalog if paths.shop else None, catalog.contacts, rules)


def built(paths: Paths) -> str:
    catalog = load_catalog(paths.catalog)
    entries = ordered_entries(paths.corpus, catalog if paths.shop else None)
    return render_training_data(entries, catalog.contacts, paths.corpus.name)


def new_entry(**fields) -> dict:
    data = {
        "title": "領収書の再発行",
        "question": "領収書は再発行できますか?",
        "answer": "領収書の再発行は、{billing_center}までお問い合わせください。",
        "examples": [
            "領収書をもう一度発行してほしい",
            "領収書を再発行してもらえますか",
            "領収書 再発行",
            "なくした領収書をもう一度もらえますか",
            "領収書を紛失したので再発行したい",
            "りょうしゅうしょ さいはっこう",
            "領収書の再交付はできますか",
            "領収書を再度送ってもらうことは可能ですか",
            "捨ててしまった領収書を出し直してほしい",
            "領収書をなくしました。再発行の手続きは?",
            "再発行の領収書はどこに頼めばいいですか",
            "経理に出す領収書を紛失してしまいました",
        ],
        "tests": [
            "領収書をもう一回出してもらえる?",
            "紛失した領収書の再発行をお願いしたい",
            "領収書を出し直してもらうには",
        ],
    }
    data.update(fields)
    return data


# ---------------------------------------------------------------- edits of the shop corpus


def test_an_answer_edit_changes_only_the_lines_of_that_answer(shop, monkeypatch):
    before = files_of(shop)
    entry = find_entry(shop, "receipt")
    entry["answer"] += "\n再発行は{billing_center}へご連絡ください。"
    assert save_entry(shop, "receipt", entry) == []  # no new question to check for confusion
    after = files_of(shop)
    invoices, training = shop.corpus / "invoices.yml", shop.training_data
    assert {p for p in before if before[p] != after[p]} == {invoices, training}
    assert changed_lines(before[invoices], after[invoices]) == [
        "+       再発行は{billing_center}へご連絡ください。"
    ]
    assert changed_lines(before[training], after[training]) == [
        "+       再発行はビリングカスタマセンタ 0120-047-128(受付時間 9:00~17:00(土日祝年末年始を除く))へご連絡ください。"
    ]
    assert find_entry(shop, "receipt")["answer"] == entry["answer"]
    monkeypatch.chdir(shop.project)  # the command line on the scratch project: clean and built
    assert main(["faq", "check"]) == 0
    assert main(["faq", "build", "--check"]) == 0


def test_comments_outside_the_edited_entry_are_kept(shop):
    path = shop.corpus / "invoices.yml"
    text = path.read_text("utf-8")
    commented = "# 請求書のカテゴリ(メモ)\n" + text.replace(
        "  - id: receipt\n", "  # --- 領収書 ---\n  - id: receipt  # 最後のエントリ\n"
    )
    path.write_text(commented, encoding="utf-8")
    entry = find_entry(shop, "receipt")
    save_entry(shop, "receipt", {**entry, "answer": entry["answer"] + "\n追記です。"})
    assert changed_lines(commented.encode(), path.read_bytes()) == ["+       追記です。"]


def test_an_edit_keeps_the_blank_line_and_comment_before_the_next_entry(shop):
    path = shop.corpus / "cancellation.yml"
    text = path.read_text("utf-8").replace(
        "\n  - id: cancellation_fee\n", "\n  # --- 違約金 ---\n  - id: cancellation_fee\n"
    )
    path.write_text(text, encoding="utf-8")
    entry = find_entry(shop, "cancellation_method")
    save_entry(shop, "cancellation_method", {**entry, "answer": entry["answer"] + "\n追記です。"})
    assert changed_lines(text.encode(), path.read_bytes()) == ["+       追記です。"]


def test_an_edit_keeps_comments_on_the_examples_it_does_not_change(shop):
    path = shop.corpus / "invoices.yml"
    text = path.read_text("utf-8").replace(
        "      - 領収書 発行\n", "      - 領収書 発行  # 単語だけの質問\n"
    )
    assert "# 単語だけの質問" in text
    path.write_text(text, encoding="utf-8")
    entry = find_entry(shop, "receipt")
    save_entry(shop, "receipt", {**entry, "answer": entry["answer"] + "\n追記です。"})
    assert changed_lines(text.encode(), path.read_bytes()) == ["+       追記です。"]


def test_a_question_edit_also_changes_its_catalog_line(shop, monkeypatch):
    before = files_of(shop)
    plain, personal = find_entry(shop, "receipt"), find_entry(shop, "cancellation_method")
    plain["question"] = "領収書を発行してもらえますか?"
    personal["question"] = "解約の方法を教えてください。"
    assert save_entry(shop, "receipt", plain) == ["領収書を発行してもらえますか?"]
    assert save_entry(shop, "cancellation_method", personal) == ["解約の方法を教えてください。"]
    after = files_of(shop)
    assert sorted(changed_lines(before[shop.catalog], after[shop.catalog])) == [
        '+     cancellation_method: {q: "解約の方法を教えてください。", personal: true}',
        "+     receipt: 領収書を発行してもらえますか?",
        '-     cancellation_method: {q: "解約方法を教えてください。", personal: true}',
        "-     receipt: 領収書の発行は可能ですか?",
    ]
    catalog = load_catalog(shop.catalog)
    assert catalog.entries["cancellation_method"].personal is True
    assert catalog.entries["receipt"].question == "領収書を発行してもらえますか?"
    assert problems(shop) == []
    monkeypatch.chdir(shop.project)
    assert main(["faq", "build", "--check"]) == 0


def test_only_questions_the_entry_did_not_have_are_returned(shop):
    entry = find_entry(shop, "receipt")
    entry["examples"] = entry["examples"] + ["領収書って  出せますか", "ＰＤＦの領収書はありますか"]
    assert save_entry(shop, "receipt", entry) == [
        "領収書って 出せますか",
        "ＰＤＦの領収書はありますか",
    ]
    saved = find_entry(shop, "receipt")["examples"]
    assert saved[-2:] == ["領収書って 出せますか", "ＰＤＦの領収書はありますか"]


def test_adding_an_entry_to_the_shop_corpus_adds_it_to_the_catalog(shop, monkeypatch):
    before = files_of(shop)
    data = new_entry()
    new = save_entry(shop, "receipt_reissue", data, category="invoices")
    assert new == [data["question"], *data["examples"]]
    after = files_of(shop)
    changed = {p for p in before if before[p] != after[p]}
    assert changed == {shop.corpus / "invoices.yml", shop.catalog, shop.training_data}
    assert all(
        line.startswith("+") for line in changed_lines(before[shop.catalog], after[shop.catalog])
    )
    catalog = load_catalog(shop.catalog)
    assert catalog.entries["receipt_reissue"].category == "invoices"
    assert catalog.entries["receipt_reissue"].question == data["question"]
    assert (
        list(catalog.entries).index("receipt_reissue") == list(catalog.entries).index("receipt") + 1
    )
    entry = find_entry(shop, "receipt_reissue")
    assert entry == {**entry, **data, "id": "receipt_reissue", "category": "invoices"}
    assert entry["file"] == "invoices.yml"
    assert problems(shop) == []
    training = after[shop.training_data].decode()
    assert "- intent: faq/receipt_reissue\n" in training and training == built(shop)
    assert "ビリングカスタマセンタ 0120-047-128" in training
    monkeypatch.chdir(shop.project)
    assert main(["faq", "check"]) == 0
    assert main(["faq", "build", "--check"]) == 0


# ---------------------------------------------------------------- rejected edits write nothing


def _edit(faq_id: str, **fields):
    def make(paths: Paths):
        return faq_id, {**find_entry(paths, faq_id), **fields}, None

    return make


def _add(faq_id: str, category: str, **fields):
    def make(paths: Paths):
        return faq_id, new_entry(**fields), category

    return make


def _example_of(faq_id: str):
    def make(paths: Paths):
        entry = find_entry(paths, "receipt")
        other = find_entry(paths, faq_id)["examples"][0]
        return "receipt", {**entry, "examples": entry["examples"] + [other]}, None

    return make


REJECTED = {
    "title-over-30": (_edit("receipt", title="あ" * 31), "31 characters"),
    "unknown-contact": (_edit("receipt", answer="{nope}へどうぞ。"), "{nope}"),
    "empty-answer": (_edit("receipt", answer=" \n "), "answer"),
    "missing-title": (_edit("receipt", title=None), "title"),
    "examples-not-a-list": (_edit("receipt", examples="領収書"), "examples"),
    "example-not-a-string": (_edit("receipt", examples=["領収書", 3]), "examples"),
    "too-few-examples": (_edit("receipt", examples=["領収書ください"]), "examples"),
    "too-few-tests": (_edit("receipt", tests=[]), "test questions"),
    "entity-markup": (_edit("receipt", tests=["[領収書](doc)がほしい", "a", "b"]), "markup"),
    "example-of-another-entry": (_example_of("cancellation_fee"), "cancellation_fee"),
    "unknown-id": (_edit("receipt"), "no_such_id"),
    "add-duplicate-id": (_add("receipt", "invoices"), "receipt"),
    "add-unknown-category": (_add("receipt_reissue", "nosuch"), "nosuch"),
    "add-bad-category-name": (_add("receipt_reissue", "Bad Category"), "カテゴリ"),
    "add-too-few-examples": (_add("receipt_reissue", "invoices", examples=[]), "examples"),
    "add-a-named-intent-id": (_add("greet", "general"), "greet"),
}


@pytest.mark.parametrize("case", REJECTED, ids=list(REJECTED))
def test_a_rejected_edit_writes_nothing(shop, case):
    make, expected = REJECTED[case]
    faq_id, data, category = make(shop)
    if case == "unknown-id":
        faq_id = "no_such_id"
    before = files_of(shop)
    with pytest.raises(EditRejected) as rejected:
        save_entry(shop, faq_id, data, category)
    report = " / ".join(rejected.value.problems)
    assert expected in report
    assert "faq-edit-" not in report  # problems name the real folder, not the scratch copy
    assert files_of(shop) == before
    leftovers = [
        p for d in (shop.corpus, shop.project, shop.training_data.parent) for p in d.glob(".*")
    ]
    assert leftovers == []


def test_problems_name_the_corpus_file_and_line(shop):
    entry = find_entry(shop, "receipt")
    with pytest.raises(EditRejected) as rejected:
        save_entry(shop, "receipt", {**entry, "title": "あ" * 31})
    (problem,) = rejected.value.problems
    where = problem.split(": ", 1)[0]
    path, line = where.rsplit(":", 1)
    assert path == "faq_corpus/invoices.yml" or path.endswith("faq_corpus/invoices.yml")
    lines = (shop.corpus / "invoices.yml").read_text("utf-8").splitlines()
    assert lines[int(line) - 1].strip() == "- id: receipt"


def test_a_failed_write_leaves_the_old_files(shop, monkeypatch):
    before = files_of(shop)
    entry = find_entry(shop, "receipt")

    def refuse(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        save_entry(shop, "receipt", {**entry, "answer": "新しい回答です。"})
    monkeypatch.undo()
    assert files_of(shop) == before
    assert not [p for p in shop.corpus.iterdir() if p.name.startswith(".")]


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


# ---------------------------------------------------------------- browsing


def test_search_is_width_and_case_blind(shop):
    everything = list_entries(shop)
    assert len(everything) == 44
    found = list_entries(shop, "ＣＳＶ")
    assert found and all(
        "csv"
        in normalized_question(" ".join([e["title"], e["question"], e["answer"], *e["examples"]]))
        for e in found
    )
    assert {e["id"] for e in list_entries(shop, "解約")} >= {
        "cancellation_method",
        "cancellation_fee",
    }
    assert [e["id"] for e in list_entries(shop, "receipt")] == ["receipt"]
    assert list_entries(shop, "ほげほげ存在しない") == []
    assert find_entry(shop, "no_such_id") is None
