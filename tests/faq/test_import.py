"""`python -m bot faq import`: dry run, changes and removals on reimport, determinism, size, the
command line. Formats: test_import_formats.py; rows: test_import_rows.py."""

from __future__ import annotations

import time

from bot.cli import main
from bot.faq.corpus import load_file, normalized_question
from bot.faq.import_rows import category_key, derived_id
from tests.faq.import_files import (
    HEADER,
    ROWS,
    check_and_build,
    entries_of,
    folder_bytes,
    run,
    write_csv,
)

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
