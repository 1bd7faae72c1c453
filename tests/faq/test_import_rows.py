"""`python -m bot faq import`: ids, titles and categories of the rows, and bad rows reported and skipped."""

from __future__ import annotations

from bot.faq.corpus import load_corpus, load_file
from bot.faq.import_rows import category_key, derived_id, make_title
from tests.faq.import_files import (
    HEADER,
    ROWS,
    check_and_build,
    entries_of,
    reported_rows,
    run,
    write_csv,
)

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
