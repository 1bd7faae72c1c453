"""bot/web/corpus_edit.py on a scratch copy of the shop's corpus: exact edits and browsing.
Rejected edits: test_corpus_edit_rejected.py; another shop's corpus: test_corpus_edit_other.py.

No stack needed: the content editor's saving logic is tested on a temporary copy of faq_corpus/,
faq_catalog.yml and data/nlu/faq.yml (the `shop` and `mini` fixtures of conftest.py).
"""

from __future__ import annotations

from bot.cli import main
from bot.faq.catalog import load_catalog
from bot.faq.corpus import normalized_question
from bot.web.corpus_edit import find_entry, list_entries, save_entry
from tests.web.corpus_scratch import built, changed_lines, files_of, new_entry, problems

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
