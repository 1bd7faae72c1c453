"""`python -m bot faq import`: an FAQ export (CSV, Excel, JSON) into a corpus folder.

Support teams keep their FAQ as a spreadsheet, one question per row with its answer and maybe a
category. The import turns it into one `<category>.yml` per category in the format of
`faq_corpus/` (see faq_corpus/README.md), which `python -m bot faq check|build --corpus DIR`
accept:

- Input: CSV in UTF-8 (with or without BOM) or Shift_JIS/CP932 as Japanese Excel saves it, TSV,
  XLSX (first sheet) and JSON (`[{"question": ..., "answer": ..., "category": ...}]`). The header
  is row 1; columns are found by name, English or Japanese (question/質問/問い/Q,
  answer/回答/答え/A, category/カテゴリ/分類, id, title/タイトル), whatever the case or width.
- Ids come from the `id` column, else from the question (`q_` + hash of the normalized question):
  importing the same export again gives the same ids, also after answers were edited.
- Category file names are ASCII: the category name itself when it is already a valid key
  (`billing`), else `cat_` + hash of the name, with the name in a comment at the top of the file.
  Rows without a category go to `general`.
- Bad rows are reported with their row number (header = row 1) and skipped. Otherwise the folder
  mirrors the export: entries no longer in it are removed, while the examples and tests that
  people wrote into the folder are kept.

The steps live beside this command: `export_table.py` reads the file, `import_rows.py` turns rows
into entries, `import_folder.py` compares them with the folder and writes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Collection, TextIO

from bot.faq.export_table import ImportFileError, read_table
from bot.faq.import_folder import Change, existing_paths, load_folder, plan_import, write_plan
from bot.faq.import_rows import parse_rows


def _plural(count: int, word: str) -> str:
    plural = word[:-1] + "ies" if word.endswith("y") else word + "s"
    return f"{count} {word if count == 1 else plural}"


def _line(verb: str, change: Change, detail: str = "") -> str:
    text = f"{verb:<8} {change.id:<14} [{change.category}] {change.title}"
    return f"{text}  ({detail})" if detail else text


def run_import(
    path: Path,
    into: Path,
    dry_run: bool,
    out: TextIO,
    err: TextIO,
    contacts: Collection[str] = (),
) -> int:
    """Imports an FAQ export into a corpus folder; prints the changes, bad rows on `err`.

    Returns 0 when every row was imported, 1 when some rows were skipped (the others are
    imported), 2 when the file or the folder cannot be used (nothing is written).
    `contacts` are the contact keys an answer may name as `{key}`.
    """
    path, into = Path(path), Path(into)
    try:
        table = read_table(path)
    except ImportFileError as error:
        print(f"{path}: {error}", file=err)
        return 2
    try:
        existing = load_folder(into)
    except ImportFileError as error:
        print(f"{into}/: {error}", file=err)
        return 2
    unit = table.unit
    print(f"{path}: {_plural(len(table.rows), unit)} ({table.kind})", file=out)
    if table.ignored_columns:
        print(f"{path}: columns not imported: {', '.join(table.ignored_columns)}", file=err)
    entries, reports = parse_rows(table, contacts)
    for report in reports:
        print(f"{path}: {unit} {report.row}: {report.message}", file=err)
    skipped = sum(1 for report in reports if report.skipped)
    if not entries:
        print(f"{path}: no {unit} could be imported; nothing written to {into}/", file=err)
        return 2
    plan = plan_import(entries, reports, existing, existing_paths(into))
    source = path.name
    if dry_run:
        for change in plan.added:
            print(_line("add", change), file=out)
        for change in plan.changed:
            print(_line("change", change, ", ".join(change.fields)), file=out)
        for change in plan.removed:
            print(_line("remove", change, f"no longer in {source}"), file=out)
        for stale in plan.stale:
            print(f"delete   {stale} (no entries left)", file=out)
    else:
        written, deleted = write_plan(plan, into)
        for change in plan.removed:
            print(_line("removed", change, f"no longer in {source}"), file=out)
        for name in written:
            label = plan.category_names[name]
            what = _plural(plan.entry_counts[name], "entry")
            print(f"wrote    {into / name} ({what}{', ' + label if label else ''})", file=out)
        for stale in deleted:
            print(f"deleted  {stale} (no entries left)", file=out)
    for change in plan.kept:
        detail = f"{unit} {change.row} was skipped; the entry stays as it was"
        print(_line("keep" if dry_run else "kept", change, detail), file=out)
    counts = (
        f"{len(plan.added)} {'to add' if dry_run else 'added'}, "
        f"{len(plan.changed)} {'to change' if dry_run else 'changed'}, "
        f"{len(plan.removed)} {'to remove' if dry_run else 'removed'}, "
        f"{plan.unchanged} unchanged, {_plural(skipped, unit)} skipped"
    )
    if plan.kept:
        counts += f", {len(plan.kept)} kept"
    if dry_run:
        print(f"dry run: {counts}; nothing written to {into}/", file=out)
    else:
        print(f"{into}/: {counts}", file=out)
        print(f"next: python -m bot faq check --corpus {into}", file=out)
    return 1 if skipped else 0
