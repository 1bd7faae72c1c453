"""`python -m bot faq import`: formats (CSV, Excel, JSON), encodings, headers, file errors."""

from __future__ import annotations

import json
import re

import pytest

from bot.faq.check import FAQ_ID
from bot.faq.import_rows import category_key, derived_id
from tests.faq.import_files import (
    HEADER,
    ROWS,
    check_and_build,
    entries_of,
    folder_bytes,
    reported_rows,
    run,
    write_csv,
    write_xlsx,
)

# --- formats and encodings -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_in_every_encoding_gives_the_same_corpus(tmp_path, encoding):
    reference = tmp_path / "reference"
    assert run(write_csv(tmp_path / "ref.csv", [HEADER] + ROWS), reference)[0] == 0
    source = write_csv(tmp_path / "faq.csv", [HEADER] + ROWS, encoding)
    code, out, err = run(source, tmp_path / "corpus")
    assert (code, err) == (0, "")
    assert ("Shift_JIS/CP932" if encoding == "cp932" else "UTF-8") in out
    assert folder_bytes(tmp_path / "corpus") == folder_bytes(reference)


def test_imported_csv_passes_check_and_build(tmp_path):
    folder = tmp_path / "corpus"
    code, out, _ = run(write_csv(tmp_path / "faq.csv", [HEADER] + ROWS), folder)
    assert code == 0
    assert "4 added, 0 changed, 0 removed, 0 unchanged, 0 rows skipped" in out
    entries = entries_of(folder)
    assert len(entries) == 4 and all(FAQ_ID.match(faq_id) for faq_id in entries)
    categories = {category for category, _ in entries.values()}
    assert categories == {category_key("注文"), category_key("お支払い"), "general"}
    assert all(re.fullmatch(r"cat_[0-9a-f]{8}|general", c) for c in categories)
    payments = (folder / f"{category_key('お支払い')}.yml").read_text("utf-8")
    assert "# category name: お支払い\n" in payments
    data = check_and_build(folder, tmp_path)
    questions = {m.get("text") for m in data.training_examples}
    assert questions == {row[0] for row in ROWS}
    answers = {r[0]["text"] for r in data.responses.values()}
    assert answers == {row[1] for row in ROWS}


def test_entry_format_matches_faq_corpus(tmp_path):
    folder = tmp_path / "corpus"
    run(write_csv(tmp_path / "faq.csv", [HEADER] + ROWS), folder)
    text = (folder / "general.yml").read_text("utf-8")
    faq_id = derived_id("営業時間を知りたい")
    assert text.endswith(
        "category: general\nentries:\n"
        f"  - id: {faq_id}\n"
        "    title: 営業時間を知りたい\n"
        "    question: 営業時間を知りたい\n"
        "    answer: |-\n"
        "      平日9:00から17:00まで営業しております。\n"
        "    examples: []\n"
        "    tests: []\n"
    )


def test_a_file_that_is_neither_utf8_nor_cp932_is_a_file_error(tmp_path):
    source = tmp_path / "faq.csv"
    source.write_bytes(b"question,answer\n\x82\xa0\x81\x7f,x\n")
    code, out, err = run(source, tmp_path / "corpus")
    assert code == 2
    assert "neither UTF-8 nor Shift_JIS/CP932" in err and "line 2" in err
    assert not (tmp_path / "corpus").exists()


def test_stray_bytes_in_a_cp932_file_are_reported_on_their_row(tmp_path):
    source = tmp_path / "faq.csv"
    text = "質問,回答\n営業時間は?,平日です。\n送料は?,無料です"
    source.write_bytes(text.encode("cp932") + b"\xff\r\n")
    code, _, err = run(source, tmp_path / "corpus")
    assert code == 1
    assert "row 3: the answer contains U+F8F3 (text that could not be decoded" in err


def test_utf16_gets_a_hint(tmp_path):
    source = tmp_path / "faq.csv"
    source.write_bytes("question\tanswer\nq\ta\n".encode("utf-16"))
    code, _, err = run(source, tmp_path / "corpus")
    assert code == 2 and "UTF-16" in err


def test_xlsx_first_sheet_with_japanese_headers(tmp_path):
    rows = [
        ["No.", "質問", "回答", "カテゴリ"],
        [1, "解約したい", "マイページから解約できます。", "解約"],
        [2, "領収書はもらえますか", 12345, None],
        [],
        [4, "", "質問が空です", None],
    ]
    folder = tmp_path / "corpus"
    code, out, err = run(write_xlsx(tmp_path / "faq.xlsx", rows), folder)
    assert code == 1
    assert "Excel, sheet 'FAQ一覧'" in out
    assert "columns not imported: No." in err
    assert reported_rows(err) == [5]
    entries = entries_of(folder)
    answers = {e.question: e.answer for _, e in entries.values()}
    assert answers == {
        "解約したい": "マイページから解約できます。",
        "領収書はもらえますか": "12345",
    }
    check_and_build(folder, tmp_path)


def test_xlsx_and_csv_give_the_same_corpus(tmp_path):
    run(write_csv(tmp_path / "faq.csv", [HEADER] + ROWS), tmp_path / "from_csv")
    run(write_xlsx(tmp_path / "faq.xlsx", [HEADER] + ROWS), tmp_path / "from_xlsx")
    assert folder_bytes(tmp_path / "from_xlsx") == folder_bytes(tmp_path / "from_csv")


def test_json_export(tmp_path):
    items = [dict(zip(HEADER, row)) for row in ROWS]
    items[3].pop("category")
    items.append({"question": "ポイントは使えますか"})
    items.append("not an object")
    source = tmp_path / "faq.json"
    source.write_text(json.dumps(items, ensure_ascii=False), "utf-8")
    folder = tmp_path / "corpus"
    code, out, err = run(source, folder)
    assert code == 1
    assert "faq.json: item 5: empty answer; skipped" in err
    assert "faq.json: item 6: not an object with question and answer; skipped" in err
    reference = tmp_path / "reference"
    run(write_csv(tmp_path / "faq.csv", [HEADER] + ROWS), reference)
    assert folder_bytes(folder) == folder_bytes(reference)


@pytest.mark.parametrize(
    "header",
    [
        ["質問", "回答", "カテゴリ"],
        ["問い", "答え", "分類"],
        ["Ｑ", "Ａ", "カテゴリー"],
        ["QUESTION", " Answer ", "Category"],
    ],
)
def test_header_names_in_japanese_english_any_width_or_case(tmp_path, header):
    reference = tmp_path / "reference"
    run(write_csv(tmp_path / "ref.csv", [HEADER] + ROWS), reference)
    code, _, err = run(write_csv(tmp_path / "faq.csv", [header] + ROWS), tmp_path / "corpus")
    assert (code, err) == (0, "")
    assert folder_bytes(tmp_path / "corpus") == folder_bytes(reference)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("faq.csv", "質問,カテゴリ\nq,c\n", "no answer column"),
        ("faq.csv", "title,body\nq,a\n", "no question and no answer column"),
        ("faq.csv", "質問,Q,回答\nq,q,a\n", "both name the question"),
        ("faq.csv", "", "the file is empty"),
        ("faq.csv", "question,answer\n", "no entries"),
        ("faq.json", '{"question": "q"}', "expected a JSON list"),
        ("faq.json", '[{"q": "x"', "not valid JSON"),
        ("faq.json", '[{"question": "q"}]', "no answer column"),
        ("faq.xls", "", "old Excel .xls"),
        ("faq.txt", "question,answer\n", "unknown format '.txt'"),
        ("faq.xlsx", "not a zip file", "not a readable Excel .xlsx file"),
    ],
)
def test_file_level_errors_exit_2_and_write_nothing(tmp_path, name, content, message):
    source = tmp_path / name
    source.write_text(content, "utf-8")
    code, out, err = run(source, tmp_path / "corpus")
    assert code == 2, err
    assert message in err
    assert not (tmp_path / "corpus").exists()


def test_missing_file_exits_2(tmp_path):
    code, _, err = run(tmp_path / "missing.csv", tmp_path / "corpus")
    assert code == 2 and "no such file" in err
