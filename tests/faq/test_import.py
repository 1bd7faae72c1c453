"""`python -m bot faq import`: FAQ exports (CSV, Excel, JSON) into a corpus folder."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path
from typing import List, Sequence, Tuple

import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot.cli import main
from bot.faq.catalog import load_catalog
from bot.faq.check import FAQ_ID
from bot.faq.corpus import load_corpus, load_file, normalized_question
from bot.faq.import_rows import category_key, derived_id, make_title
from bot.faq.importer import run_import

ROOT = Path(__file__).resolve().parents[2]
CONTACTS = tuple(load_catalog(ROOT / "faq_catalog.yml").contacts)

HEADER = ["question", "answer", "category"]
ROWS = [
    [
        "注文方法を教えてください",
        "オンラインショップの各商品ページからご注文いただけます。",
        "注文",
    ],
    ["支払い方法は何がありますか?", "クレジットカード払いと請求書払いがございます。", "お支払い"],
    ["請求書を再発行できますか", "ログイン後の請求書ページから再発行できます。", "お支払い"],
    ["営業時間を知りたい", "平日9:00から17:00まで営業しております。", ""],
]


def write_csv(path: Path, rows: Sequence[Sequence[str]], encoding: str = "utf-8") -> Path:
    """A CSV as Excel writes it: CRLF line ends, quotes only where needed."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], extra_sheet: bool = True) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "FAQ一覧"
    for row in rows:
        sheet.append(list(row))
    if extra_sheet:
        workbook.create_sheet("メモ").append(["question", "answer"])
    workbook.save(path)
    return path


def run(source: Path, into: Path, dry_run: bool = False) -> Tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_import(source, into, dry_run, out, err, contacts=CONTACTS)
    return code, out.getvalue(), err.getvalue()


def folder_bytes(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def entries_of(folder: Path) -> dict:
    return {e.id: (f.category, e) for f in load_corpus(folder) for e in f.entries}


def check_and_build(folder: Path, tmp_path: Path):
    """The imported folder passes `faq check` and `faq build`; returns the Rasa training data."""
    assert main(["faq", "check", "--corpus", str(folder)]) == 0
    output = tmp_path / "built" / "faq.yml"
    assert main(["faq", "build", "--corpus", str(folder), "--output", str(output)]) == 0
    return RasaYAMLReader().read(output)


def reported_rows(err: str) -> List[int]:
    return [int(n) for n in re.findall(r": (?:row|item) (\d+): .*skipped$", err, re.MULTILINE)]


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


# --- ids, titles, categories -----------------------------------------------------------------


def test_ids_are_stable_on_reimport_and_when_only_the_answer_changes(tmp_path):
    folder = tmp_path / "corpus"
    run(write_csv(tmp_path / "v1.csv", [HEADER] + ROWS), folder)
    first = set(entries_of(folder))
    edited = [row[:] for row in ROWS]
    edited[0][1] = "回答を書き直しました。"
    edited[1][0] = "支払い方法は何がありますか?"  # the same question
    edited[2][0] = "請求書を再発行できますか?"  # only punctuation differs: the same id
    code, out, _ = run(write_csv(tmp_path / "v2.csv", [HEADER] + edited), folder)
    assert code == 0
    assert set(entries_of(folder)) == first
    assert derived_id("請求書を再発行できますか") == derived_id("請求書を再発行できますか?")
    assert "0 added, 2 changed, 0 removed" in out
    assert f"{derived_id(ROWS[2][0])}" not in out  # the real run lists removals only


def test_the_id_column_is_used_when_present(tmp_path):
    rows = [["id", "question", "answer"], ["opening_hours", "営業時間は?", "平日です。"]]
    rows.append(["ＦＡＱ_Delivery", "配送日は?", "3日後です。"])
    rows.append(["", "送料は?", "無料です。"])
    folder = tmp_path / "corpus"
    assert run(write_csv(tmp_path / "faq.csv", rows), folder)[0] == 0
    assert set(entries_of(folder)) == {"opening_hours", "faq_delivery", derived_id("送料は?")}


def test_titles_are_derived_from_the_question_and_truncated():
    assert make_title("営業時間は?") == "営業時間は"
    long = "オンラインショップで購入したサービスの利用開始日と請求開始日の関係を教えてください"
    title = make_title(long)
    assert len(title) == 30 and title.endswith("…") and long.startswith(title[:-1])
    assert make_title(long, "利用開始日") == "利用開始日"


def test_a_long_question_is_no_error(tmp_path):
    question = "請求書の宛名を変更したいのですが、" * 3 + "どうすればよいですか"
    folder = tmp_path / "corpus"
    code, _, err = run(write_csv(tmp_path / "faq.csv", [HEADER, [question, "回答", ""]]), folder)
    assert (code, err) == (0, "")
    ((_, entry),) = entries_of(folder).values()
    assert entry.question == question and len(entry.title) == 30
    check_and_build(folder, tmp_path)


def test_category_keys():
    assert category_key("") == "general"
    assert category_key("Billing") == category_key("billing") == "billing"
    assert category_key("お支払い") == category_key(" お支払い ") != category_key("支払い")
    assert category_key("ｶﾃｺﾞﾘ") == category_key("カテゴリ")
    assert category_key("Orders & Billing").startswith("cat_")


# --- bad rows --------------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_row_number_and_skipped(tmp_path):
    rows = [
        ["id", "question", "answer", "category"],
        ["", "注文方法は?", "複数行の\n回答です。", "注文"],  # row 2 (two lines in the file)
        ["", "", "質問がない", ""],  # 3
        ["", "回答がない質問", "", ""],  # 4
        ["", "文字化け\ufffdした質問", "回答", ""],  # 5
        ["", "制御文字", "回答\x07です", ""],  # 6
        ["", "注文方法は？", "重複した質問", ""],  # 7: same as row 2
        ["Bad-Id!", "不正なID", "回答", ""],  # 8
        ["", "正しい行", "回答です。", "お支払い"],  # 9
        ["", "？？？", "記号だけ", ""],  # 10
        ["", "", "", ""],  # 11: a blank row, no entry
        ["", "最後の行", "回答", ""],  # 12
    ]
    folder = tmp_path / "corpus"
    code, out, err = run(write_csv(tmp_path / "faq.csv", rows), folder)
    assert code == 1
    assert reported_rows(err) == [3, 4, 5, 6, 7, 8, 10]
    assert "row 3: empty question; skipped" in err
    assert "row 4: empty answer; skipped" in err
    assert "row 5: the question contains U+FFFD" in err
    assert "row 6: the answer contains the control character U+0007" in err
    assert "row 7: same question as row 2 " in err
    assert "row 8: id 'Bad-Id!' is not valid" in err
    assert "row 10: question '？？？' has no letters or digits" in err
    assert "3 added, 0 changed, 0 removed, 0 unchanged, 7 rows skipped" in out
    questions = {e.question for _, e in entries_of(folder).values()}
    assert questions == {"注文方法は?", "正しい行", "最後の行"}
    check_and_build(folder, tmp_path)


def test_a_duplicate_id_is_reported_with_both_rows(tmp_path):
    rows = [["id", "question", "answer"], ["hours", "営業時間は?", "平日です。"]]
    rows.append(["hours", "休業日は?", "土日です。"])
    code, _, err = run(write_csv(tmp_path / "faq.csv", rows), tmp_path / "corpus")
    assert code == 1
    assert "row 3: id 'hours' is already used by row 2; skipped" in err


def test_braces_become_full_width_but_known_contacts_stay(tmp_path):
    rows = [HEADER, ["問い合わせ先は?", "{contact_center} へ。書式は {name} 様 {{x}}", ""]]
    folder = tmp_path / "corpus"
    code, _, err = run(write_csv(tmp_path / "faq.csv", rows), folder)
    assert code == 0
    assert "row 2: '{' and '}' in the answer were replaced by full-width" in err
    ((_, entry),) = entries_of(folder).values()
    assert entry.answer == "{contact_center} へ。書式は ｛name｝ 様 ｛｛x｝｝"
    data = check_and_build(folder, tmp_path)
    (response,) = data.responses.values()
    assert response[0]["text"].startswith("NTTドコモビジネスコンタクトセンター 0120-003300")


def test_nothing_importable_is_a_file_error(tmp_path):
    rows = [HEADER, ["", "回答", ""], ["質問", "", ""]]
    code, _, err = run(write_csv(tmp_path / "faq.csv", rows), tmp_path / "corpus")
    assert code == 2
    assert "no row could be imported; nothing written" in err
    assert not (tmp_path / "corpus").exists()


def test_awkward_text_reads_back_exactly(tmp_path):
    answers = [
        "key: value # not a comment",
        "'single' and \"double\" quotes",
        "  indented first line\n\tand a tab",
        "- looks like a list\n? and a key",
        "null",
        "絵文字😀と\u3000全角スペース",
        "line\u2028separator",
        "末尾の空白   \r\n次の行\r\n\r\n\r\n最後",
    ]
    rows = [HEADER] + [[f"質問{i}", answer, "雑多"] for i, answer in enumerate(answers)]
    rows.append(["yes", "true", "null"])
    folder = tmp_path / "corpus"
    assert run(write_csv(tmp_path / "faq.csv", rows), folder)[0] == 0
    assert load_file(folder / "null.yml").category == "null"
    got = {e.question: e.answer for f in load_corpus(folder) for e in f.entries}
    assert got["質問2"] == "indented first line\n\tand a tab"
    assert got["質問6"] == "line\nseparator"
    assert got["質問7"] == "末尾の空白\n次の行\n\n\n最後"
    assert got["yes"] == "true"
    assert got["質問0"] == answers[0] and got["質問5"] == answers[5]
    check_and_build(folder, tmp_path)


# --- dry run, changes, removals --------------------------------------------------------------


def test_dry_run_lists_added_changed_and_removed_and_writes_nothing(tmp_path):
    folder = tmp_path / "corpus"
    run(write_csv(tmp_path / "v1.csv", [HEADER] + ROWS), folder)
    before = folder_bytes(folder)
    edited = [row[:] for row in ROWS[:3]]
    edited[0][1] = "新しい回答です。"  # answer changed
    edited[1][2] = "注文"  # category changed
    edited.append(["ポイントは使えますか", "使えません。", ""])  # added; 営業時間 removed
    source = write_csv(tmp_path / "v2.csv", [HEADER] + edited)
    code, out, err = run(source, folder, dry_run=True)
    assert (code, err) == (0, "")
    assert folder_bytes(folder) == before
    lines = out.splitlines()
    assert any(line.startswith(f"add      {derived_id('ポイントは使えますか')}") for line in lines)
    changed = [line for line in lines if line.startswith("change")]
    assert len(changed) == 2
    assert any(derived_id(ROWS[0][0]) in line and line.endswith("(answer)") for line in changed)
    assert any(derived_id(ROWS[1][0]) in line and line.endswith("(category)") for line in changed)
    removed = [line for line in lines if line.startswith("remove")]
    assert len(removed) == 1 and derived_id(ROWS[3][0]) in removed[0]
    assert "no longer in v2.csv" in removed[0]
    assert lines[-1].startswith("dry run: 1 to add, 2 to change, 1 to remove, 1 unchanged")
    assert lines[-1].endswith(f"nothing written to {folder}/")

    code, out, _ = run(source, folder)
    assert code == 0
    assert f"removed  {derived_id(ROWS[3][0])}" in out and "no longer in v2.csv" in out
    assert f"{folder}/: 1 added, 2 changed, 1 removed, 1 unchanged, 0 rows skipped" in out
    assert f"deleted  {folder / 'general.yml'}" not in out  # general still has the new entry
    entries = entries_of(folder)
    assert derived_id(ROWS[3][0]) not in entries
    assert entries[derived_id(ROWS[1][0])][0] == category_key("注文")
    assert entries[derived_id(ROWS[0][0])][1].answer == "新しい回答です。"
    check_and_build(folder, tmp_path)


def test_a_category_with_no_entries_left_is_deleted(tmp_path):
    folder = tmp_path / "corpus"
    run(write_csv(tmp_path / "v1.csv", [HEADER] + ROWS), folder)
    source = write_csv(tmp_path / "v2.csv", [HEADER] + ROWS[:1])
    code, out, _ = run(source, folder, dry_run=True)
    assert f"delete   {folder / 'general.yml'} (no entries left)" in out
    code, out, _ = run(source, folder)
    assert code == 0
    assert f"deleted  {folder / (category_key('お支払い') + '.yml')}" in out
    assert sorted(p.name for p in folder.iterdir()) == [category_key("注文") + ".yml"]


def test_examples_and_tests_written_into_the_folder_are_kept(tmp_path):
    folder = tmp_path / "corpus"
    run(write_csv(tmp_path / "v1.csv", [HEADER] + ROWS), folder)
    path = folder / "general.yml"
    text = path.read_text("utf-8").replace(
        "    examples: []\n    tests: []\n",
        "    examples:\n      - 何時まで開いてる?\n    tests:\n      - 営業日を教えて\n",
    )
    path.write_text(text, "utf-8")
    edited = [row[:] for row in ROWS]
    edited[3][1] = "平日9:00から18:00まで営業しております。"
    code, out, _ = run(write_csv(tmp_path / "v2.csv", [HEADER] + edited), folder)
    assert code == 0 and "0 added, 1 changed" in out
    (_, entry) = entries_of(folder)[derived_id(ROWS[3][0])]
    assert [e.text for e in entry.examples] == ["何時まで開いてる?"]
    assert [t.text for t in entry.tests] == ["営業日を教えて"]
    assert entry.answer == edited[3][1]
    check_and_build(folder, tmp_path)


def test_an_entry_whose_row_is_skipped_is_kept_not_removed(tmp_path):
    folder = tmp_path / "corpus"
    run(write_csv(tmp_path / "v1.csv", [HEADER] + ROWS), folder)
    before = folder_bytes(folder)
    edited = [row[:] for row in ROWS]
    edited[2][1] = ""  # the answer was deleted by mistake
    code, out, err = run(write_csv(tmp_path / "v2.csv", [HEADER] + edited), folder)
    assert code == 1
    assert "row 4: empty answer; skipped" in err
    assert f"kept     {derived_id(ROWS[2][0])}" in out and "row 4 was skipped" in out
    assert "0 removed" in out
    assert folder_bytes(folder) == before


def test_a_control_character_that_str_split_would_hide_is_reported(tmp_path):
    rows = [HEADER, ["営業時間\x1fは?", "平日です。", ""], ["送料は?", "無料です。", ""]]
    code, _, err = run(write_csv(tmp_path / "faq.csv", rows), tmp_path / "corpus")
    assert code == 1
    assert "row 2: the question contains the control character U+001F; skipped" in err


def test_a_folder_that_cannot_be_read_is_a_file_error(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "broken.yml").write_text("category: x\nentries: [\n", "utf-8")
    code, _, err = run(write_csv(tmp_path / "faq.csv", [HEADER] + ROWS), folder)
    assert code == 2 and "YAML syntax error" in err
    assert [p.name for p in folder.iterdir()] == ["broken.yml"]


# --- determinism, size, command line ---------------------------------------------------------


def test_the_same_export_gives_the_same_bytes(tmp_path):
    source = write_csv(tmp_path / "faq.csv", [HEADER] + ROWS)
    run(source, tmp_path / "a")
    run(source, tmp_path / "b")
    assert folder_bytes(tmp_path / "a") == folder_bytes(tmp_path / "b")
    code, out, _ = run(source, tmp_path / "a")
    assert code == 0
    assert "0 added, 0 changed, 0 removed, 4 unchanged" in out
    assert "wrote" not in out
    assert folder_bytes(tmp_path / "a") == folder_bytes(tmp_path / "b")


def test_two_thousand_rows_import_quickly(tmp_path):
    rows = [["質問", "回答", "カテゴリ"]]
    for i in range(2000):
        rows.append(
            [
                f"サービス{i}番の利用開始日はいつですか",
                f"サービス{i}番は、ご注文の{i % 7 + 1}営業日後からご利用いただけます。\n"
                "詳しくは{contact_center}までお問い合わせください。",
                f"カテゴリ{i % 12}",
            ]
        )
    source = write_csv(tmp_path / "big.csv", rows, "cp932")
    folder = tmp_path / "corpus"
    started = time.monotonic()
    code, out, err = run(source, folder)
    elapsed = time.monotonic() - started
    assert (code, err) == (0, "")
    assert "2000 added" in out
    assert elapsed < 30, f"import took {elapsed:.1f}s"
    entries = entries_of(folder)
    assert len(entries) == 2000 and len(list(folder.glob("*.yml"))) == 12
    assert len({normalized_question(e.question) for _, e in entries.values()}) == 2000


def test_command_line(tmp_path, capsys):
    source = write_csv(tmp_path / "faq.csv", [HEADER] + ROWS)
    folder = tmp_path / "corpus"
    assert main(["faq", "import", str(source), "--into", str(folder), "--dry-run"]) == 0
    assert "dry run: 4 to add" in capsys.readouterr().out
    assert not folder.exists()
    assert main(["faq", "import", str(source), "--into", str(folder)]) == 0
    assert f"{folder}/: 4 added" in capsys.readouterr().out
    assert len(entries_of(folder)) == 4
    assert main(["faq", "import", str(tmp_path / "faq.ods"), "--into", str(folder)]) == 2
    assert "unknown format '.ods'" in capsys.readouterr().err


def test_the_shop_corpus_is_never_an_import_target(tmp_path, capsys, monkeypatch):
    import bot.faq.importer

    def must_not_run(*args, **kwargs):
        raise AssertionError("run_import was called on faq_corpus/")

    monkeypatch.setattr(bot.faq.importer, "run_import", must_not_run)
    source = write_csv(tmp_path / "faq.csv", [HEADER] + ROWS)
    assert main(["faq", "import", str(source), "--into", "faq_corpus"]) == 2
    assert "is the shop's corpus" in capsys.readouterr().err


def test_written_files_load_without_problems(tmp_path):
    folder = tmp_path / "corpus"
    run(write_csv(tmp_path / "faq.csv", [HEADER] + ROWS), folder)
    for path in sorted(folder.glob("*.yml")):
        loaded = load_file(path)
        assert loaded.problems == [] and loaded.category == path.stem
