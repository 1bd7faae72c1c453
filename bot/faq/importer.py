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
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Dict, List, Optional, Sequence, TextIO, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.faq.check import FAQ_ID, MAX_TITLE_CHARS, PLACEHOLDER
from bot.faq.corpus import FaqEntry, corpus_files, load_file, normalized_question

GENERAL = "general"
CATEGORY_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CATEGORY_NAME_COMMENT = re.compile(r"^# category name: (.*)$", re.MULTILINE)
FILE_HEADER = (
    "# Imported by `python -m bot faq import`: importing again rewrites the ids, titles,\n"
    "# questions and answers from the export and keeps the examples and tests written here.\n"
)
REQUIRED = ("question", "answer")
COMPARED = ("category", "title", "question", "answer")
HEADER_ALIASES = {
    "id": ("id", "faq_id"),
    "category": ("category", "カテゴリ", "カテゴリー", "分類", "ジャンル"),
    "title": ("title", "タイトル", "見出し"),
    "question": ("question", "q", "質問", "質問文", "質問内容", "問い", "問"),
    "answer": ("answer", "a", "回答", "回答文", "回答内容", "答え", "答"),
}
FORMATS = {".csv": "csv", ".tsv": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".json": "json"}
# Text that was not decoded (U+FFFD; U+F8F0-U+F8F3 are what CP932 makes of the stray bytes
# A0, FD-FF), control characters other than tab and line feed (carriage returns are turned into
# line feeds first) and lone surrogates (from JSON "\ud800").
BAD_CHARACTER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd\uf8f0-\uf8f3\ud800-\udfff]")
UNDECODED = re.compile("[\ufffd\uf8f0-\uf8f3]")
LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")
FULL_WIDTH_BRACES = str.maketrans({"{": "\uff5b", "}": "\uff5d"})
TITLE_ELLIPSIS = "…"


class ImportFileError(Exception):
    """A problem with the whole file (or the target folder): nothing is imported."""


@dataclass(frozen=True)
class Row:
    """One data row of the export: its number and its cells by field name."""

    number: int
    cells: Dict[str, str]
    error: str = ""


@dataclass
class Table:
    """The rows of an export, whatever its format."""

    kind: str
    rows: List[Row]
    unit: str = "row"
    ignored_columns: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportedEntry:
    """An entry made from one good row."""

    id: str
    category: str
    category_name: Optional[str]
    title: str
    question: str
    answer: str
    row: int


@dataclass(frozen=True)
class RowReport:
    """A row that was skipped, or changed on the way in (a note)."""

    row: int
    message: str
    skipped: bool = True
    faq_id: Optional[str] = None


@dataclass(frozen=True)
class ExistingEntry:
    """An entry already in the target folder."""

    entry: FaqEntry
    category: str
    category_name: Optional[str]


@dataclass(frozen=True)
class Change:
    """One line of the add/change/remove listing."""

    id: str
    category: str
    title: str
    fields: Tuple[str, ...] = ()
    row: int = 0


@dataclass
class Plan:
    """What an import does to the target folder."""

    added: List[Change] = field(default_factory=list)
    changed: List[Change] = field(default_factory=list)
    removed: List[Change] = field(default_factory=list)
    kept: List[Change] = field(default_factory=list)
    unchanged: int = 0
    files: Dict[str, str] = field(default_factory=dict)
    entry_counts: Dict[str, int] = field(default_factory=dict)
    category_names: Dict[str, Optional[str]] = field(default_factory=dict)
    stale: List[Path] = field(default_factory=list)


# --- reading the export ----------------------------------------------------------------------


def _header_key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "_-\ufeff")


HEADER_FIELDS = {
    _header_key(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases
}


def header_field(header: str) -> Optional[str]:
    """The field a column header names (`質問` → question), or None for other columns."""
    return HEADER_FIELDS.get(_header_key(header))


def decode_text(data: bytes) -> Tuple[str, str]:
    """The text of a file and its encoding: UTF-8 (with or without BOM), else Shift_JIS/CP932."""
    save_as = "save it as UTF-8 (in Excel: 'CSV UTF-8')"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data:
        raise ImportFileError(f"UTF-16 ('Unicode text') or binary data, not plain text: {save_as}")
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError as error:
        utf8_line = data[: error.start].count(b"\n") + 1
    try:
        return data.decode("cp932"), "Shift_JIS/CP932"
    except UnicodeDecodeError:
        pass
    raise ImportFileError(
        f"neither UTF-8 nor Shift_JIS/CP932 text (the first byte that is not UTF-8 is on "
        f"line {utf8_line}): {save_as}"
    )


def column_map(headers: Sequence[str]) -> Tuple[Dict[str, int], List[str]]:
    """The column of each known field, and the names of the columns that are not used."""
    columns: Dict[str, int] = {}
    ignored = []
    for index, header in enumerate(headers):
        name = header_field(header)
        if name is None:
            if header.strip():
                ignored.append(header.strip())
            continue
        if name in columns:
            raise ImportFileError(
                f"row 1: columns '{headers[columns[name]].strip()}' and '{header.strip()}' "
                f"both name the {name}; keep one of them"
            )
        columns[name] = index
    _require_columns(columns, [h.strip() for h in headers if h.strip()])
    return columns, ignored


def _require_columns(found: Collection[str], headers: Sequence[str]) -> None:
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        accepted = "; ".join(
            f"{name}: {', '.join(HEADER_ALIASES[name])}" for name in ("question", "answer")
        )
        raise ImportFileError(
            f"no {' and no '.join(missing)} column in the header row "
            f"(found: {', '.join(headers) or 'nothing'}); accepted names: {accepted}"
        )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _row(number: int, values: Sequence[Any], columns: Dict[str, int]) -> Row:
    return Row(
        number, {name: _cell(values[i]) if i < len(values) else "" for name, i in columns.items()}
    )


def _is_blank(values: Sequence[Any]) -> bool:
    return not any(_cell(value).strip() for value in values)


def _table(kind: str, records: List[Sequence[Any]]) -> Table:
    """Header row 1, data from row 2; blank rows are no entries and are passed over."""
    if not records:
        raise ImportFileError("the file is empty: expected a header row and one row per entry")
    columns, ignored = column_map([_cell(value) for value in records[0]])
    rows = [
        _row(number, values, columns)
        for number, values in enumerate(records[1:], start=2)
        if not _is_blank(values)
    ]
    return Table(kind, rows, ignored_columns=ignored)


def read_csv(path: Path, delimiter: str = ",") -> Table:
    """A CSV (or TSV) export, in UTF-8 or Shift_JIS/CP932."""
    text, encoding = decode_text(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as error:
        raise ImportFileError(f"line {reader.line_num}: not valid CSV: {error}") from None
    kind = "TSV" if delimiter == "\t" else "CSV"
    return _table(f"{kind}, {encoding}", records)


def read_xlsx(path: Path) -> Table:
    """The first sheet of an Excel workbook, formulas as their last computed values."""
    try:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError:
        raise ImportFileError(
            "reading .xlsx needs openpyxl, which is not installed; save the sheet as CSV UTF-8"
        ) from None
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as error:
        raise ImportFileError(f"not a readable Excel .xlsx file: {error}") from None
    try:
        sheet = workbook.worksheets[0]
        records = [tuple(values) for values in sheet.iter_rows(values_only=True)]
        return _table(f"Excel, sheet '{sheet.title}'", records)
    finally:
        workbook.close()


def read_json(path: Path) -> Table:
    """A JSON list of objects with question, answer and maybe category, id, title."""
    text, _ = decode_text(path.read_bytes())
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(f"line {error.lineno}: not valid JSON: {error.msg}") from None
    if not isinstance(data, list):
        raise ImportFileError('expected a JSON list: [{"question": ..., "answer": ...}, ...]')
    if not data:
        raise ImportFileError("the list is empty: expected one object per entry")
    rows, ignored, found = [], {}, set()
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            rows.append(Row(number, {}, error="not an object with question and answer"))
            continue
        cells: Dict[str, str] = {}
        keys: Dict[str, str] = {}
        error = ""
        for key, value in item.items():
            name = header_field(str(key))
            if name is None:
                ignored.setdefault(str(key), None)
                continue
            if name in keys:
                error = f"'{keys[name]}' and '{key}' both name the {name}"
            elif isinstance(value, (dict, list)):
                error = f"'{key}' is not a text"
            keys[name] = str(key)
            found.add(name)
            cells[name] = _cell(value)
        rows.append(Row(number, cells, error=error))
    _require_columns(found, sorted({str(k) for i in data if isinstance(i, dict) for k in i}))
    return Table("JSON", rows, unit="item", ignored_columns=list(ignored))


def read_table(path: Path) -> Table:
    """The rows of an export file; ImportFileError when the file as a whole is unusable."""
    suffix = path.suffix.lower()
    kind = FORMATS.get(suffix)
    if kind is None:
        if suffix == ".xls":
            raise ImportFileError("old Excel .xls files are not read: save it as .xlsx or CSV")
        raise ImportFileError(
            f"unknown format '{suffix or path.name}': use .csv, .tsv, .xlsx or .json"
        )
    if not path.is_file():
        raise ImportFileError("no such file")
    if kind == "xlsx":
        table = read_xlsx(path)
    elif kind == "json":
        table = read_json(path)
    else:
        table = read_csv(path, "\t" if kind == "tsv" else ",")
    if not table.rows:
        raise ImportFileError(f"no entries: the file has a header row but no {table.unit}s")
    return table


# --- rows into entries -----------------------------------------------------------------------


def category_key(name: str) -> str:
    """The file-name-safe key of a category name: the name itself when it is one, else a hash.

    `Billing` → `billing`; `料金・お支払い` → `cat_` + 8 hex of the NFKC, lower-cased name, so
    the same name always gets the same key, whatever its width or case. No name → `general`.
    """
    folded = " ".join(unicodedata.normalize("NFKC", name).split()).lower()
    if not folded:
        return GENERAL
    if CATEGORY_KEY.match(folded):
        return folded
    return "cat_" + hashlib.sha1(folded.encode("utf-8")).hexdigest()[:8]


def derived_id(question: str) -> str:
    """The id of a question without an id column: it changes only when the question does."""
    return "q_" + hashlib.sha1(normalized_question(question).encode("utf-8")).hexdigest()[:10]


def make_title(question: str, title: str = "") -> str:
    """The button label: the title column or the question, at most 30 characters."""
    text = title or question.rstrip("?？ \u3000") or question
    if len(text) > MAX_TITLE_CHARS:
        text = text[: MAX_TITLE_CHARS - len(TITLE_ELLIPSIS)].rstrip() + TITLE_ELLIPSIS
    return text


def escape_braces(answer: str, contacts: Collection[str]) -> str:
    """Braces as full-width ｛｝, except in `{key}` of a known contact (`faq check` rejects others).

    The checker reads every `{...}` as a contact placeholder and has no escape for a literal
    brace, so the full-width forms are the only way to keep the text.
    """
    parts, start = [], 0
    for match in PLACEHOLDER.finditer(answer):
        if match.group(1) in contacts:
            parts.append(answer[start : match.start()].translate(FULL_WIDTH_BRACES))
            parts.append(match.group(0))
            start = match.end()
    parts.append(answer[start:].translate(FULL_WIDTH_BRACES))
    return "".join(parts)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _multi_line(text: str) -> str:
    return "\n".join(line.rstrip() for line in LINE_BREAKS.sub("\n", text).split("\n")).strip()


def _bad_text(name: str, text: str) -> Optional[str]:
    match = BAD_CHARACTER.search(text)
    if match is None:
        return None
    char = match.group(0)
    if UNDECODED.match(char):
        return (
            f"the {name} contains U+{ord(char):04X} (text that could not be decoded: "
            "was the file saved in another encoding?)"
        )
    if "\ud800" <= char <= "\udfff":
        return f"the {name} contains a broken character (lone surrogate U+{ord(char):04X})"
    return f"the {name} contains the control character U+{ord(char):04X}"


def _quote(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + TITLE_ELLIPSIS


def parse_rows(
    table: Table, contacts: Collection[str] = ()
) -> Tuple[List[ImportedEntry], List[RowReport]]:
    """The entries of the good rows, and a report for every skipped or altered row."""
    entries: List[ImportedEntry] = []
    reports: List[RowReport] = []
    by_question: Dict[str, int] = {}
    by_id: Dict[str, int] = {}
    unit = table.unit
    for row in table.rows:

        def skip(message: str, faq_id: Optional[str] = None, row: Row = row) -> None:
            reports.append(RowReport(row.number, f"{message}; skipped", True, faq_id))

        if row.error:
            skip(row.error)
            continue
        raw = {name: LINE_BREAKS.sub("\n", value) for name, value in row.cells.items()}
        raw_id = unicodedata.normalize("NFKC", raw.get("id", "")).strip().lower()
        if raw_id and (BAD_CHARACTER.search(raw_id) or not FAQ_ID.match(raw_id)):
            skip(
                f"id '{_quote(raw.get('id', '').strip())}' is not valid (lower-case letters, "
                "digits and _, starting with a letter); fix it or leave the cell empty to "
                "derive one from the question"
            )
            continue
        question_bad = _bad_text("question", raw.get("question", ""))
        question = _one_line(raw.get("question", ""))
        faq_id = raw_id or (derived_id(question) if question and not question_bad else None)
        problem = question_bad
        for name in ("answer", "category", "title"):
            problem = problem or _bad_text(name, raw.get(name, ""))
        if problem:
            skip(problem, faq_id)
            continue
        if not question:
            skip("empty question", faq_id)
            continue
        key = normalized_question(question)
        if not key:
            skip(f"question '{_quote(question)}' has no letters or digits", faq_id)
            continue
        answer = _multi_line(raw.get("answer", ""))
        if not answer:
            skip("empty answer", faq_id)
            continue
        if key in by_question:
            skip(f"same question as {unit} {by_question[key]} ('{_quote(question)}')")
            continue
        assert faq_id is not None
        if faq_id in by_id:
            skip(f"id '{faq_id}' is already used by {unit} {by_id[faq_id]}")
            continue
        escaped = escape_braces(answer, contacts)
        if escaped != answer:
            known = ", ".join("{" + key + "}" for key in contacts) or "none"
            reports.append(
                RowReport(
                    row.number,
                    "'{' and '}' in the answer were replaced by full-width '｛' '｝' "
                    f"(in answers {{key}} names a contact; known: {known}); imported",
                    skipped=False,
                )
            )
        category_name = _one_line(raw.get("category", ""))
        by_question[key] = row.number
        by_id[faq_id] = row.number
        entries.append(
            ImportedEntry(
                id=faq_id,
                category=category_key(category_name),
                category_name=category_name or None,
                title=make_title(question, _one_line(raw.get("title", ""))),
                question=question,
                answer=escaped,
                row=row.number,
            )
        )
    return entries, reports


# --- the target folder -----------------------------------------------------------------------


def load_folder(folder: Path) -> Dict[str, ExistingEntry]:
    """The entries already in the target folder, by id (none when it does not exist yet)."""
    if not folder.exists():
        return {}
    if not folder.is_dir():
        raise ImportFileError("not a folder")
    existing: Dict[str, ExistingEntry] = {}
    for path in corpus_files(folder):
        loaded = load_file(path)
        if loaded.problems or loaded.category is None:
            raise ImportFileError(
                f"holds a file the import cannot read: {loaded.problems[0]} "
                "(fix that file or import into another folder)"
            )
        match = CATEGORY_NAME_COMMENT.search(path.read_text(encoding="utf-8"))
        name = match.group(1).strip() if match else None
        for entry in loaded.entries:
            existing.setdefault(entry.id, ExistingEntry(entry, loaded.category, name))
    return existing


def _existing_paths(folder: Path) -> List[Path]:
    return corpus_files(folder) if folder.is_dir() else []


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 1_000_000  # never fold long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _dump(data: Any) -> str:
    stream = io.StringIO()
    _yaml().dump(data, stream)
    return stream.getvalue()


def render_category_file(key: str, name: Optional[str], entries: List[Dict[str, Any]]) -> str:
    """One category file in the format of faq_corpus/; the same entries give the same bytes."""
    header = FILE_HEADER
    if name and name != key:
        header += f"# category name: {_one_line(name)}\n"
    items = [
        {
            "id": e["id"],
            "title": e["title"],
            "question": e["question"],
            "answer": LiteralScalarString(e["answer"]),
            "examples": list(e["examples"]),
            "tests": list(e["tests"]),
        }
        for e in entries
    ]
    # Entries start at column 2 ("  - id:"); their values are indented further and never folded,
    # so a blank line can go before each entry, as in faq_corpus/.
    body = re.sub(r"\n(?=  - )", "\n\n", _dump(items))
    text = header + _dump({"category": key}) + "entries:\n" + body
    _verify(text, key, entries)
    return text


def _verify(text: str, key: str, entries: List[Dict[str, Any]]) -> None:
    """Reads the rendered file back: every value must come out as it went in."""
    data = YAML(typ="safe").load(text)
    expected = {
        "category": key,
        "entries": [
            {f: e[f] for f in ("id", "title", "question", "answer")}
            | {"examples": list(e["examples"]), "tests": list(e["tests"])}
            for e in entries
        ],
    }
    if data != expected:
        raise RuntimeError(f"rendering {key}.yml does not read back as written")


def plan_import(
    entries: List[ImportedEntry],
    reports: List[RowReport],
    existing: Dict[str, ExistingEntry],
    existing_paths: Sequence[Path] = (),
) -> Plan:
    """Compares the imported entries with the folder and renders the files it should hold.

    An entry whose row was skipped (say, its answer cell is empty now) is kept as it is rather
    than removed: a slip in the export does not delete it from the bot.
    """
    plan = Plan()
    new_ids = {e.id for e in entries}
    by_category: Dict[str, List[Tuple[int, Dict[str, Any]]]] = {}
    names: Dict[str, Optional[str]] = {}
    for e in entries:
        old = existing.get(e.id)
        change = Change(e.id, e.category, e.title, row=e.row)
        if old is None:
            plan.added.append(change)
        else:
            now = (e.category, e.title, e.question, e.answer)
            before = (old.category, old.entry.title, old.entry.question, old.entry.answer)
            fields = tuple(name for name, a, b in zip(COMPARED, now, before) if a != b)
            if fields:
                plan.changed.append(Change(e.id, e.category, e.title, fields, e.row))
            else:
                plan.unchanged += 1
        names.setdefault(e.category, e.category_name)
        by_category.setdefault(e.category, []).append(
            (
                e.row,
                {
                    "id": e.id,
                    "title": e.title,
                    "question": e.question,
                    "answer": e.answer,
                    "examples": [item.text for item in old.entry.examples] if old else [],
                    "tests": [item.text for item in old.entry.tests] if old else [],
                },
            )
        )
    kept_rows = {r.faq_id: r.row for r in reports if r.skipped and r.faq_id}
    new_questions = {normalized_question(e.question) for e in entries}
    for faq_id, old in existing.items():
        if faq_id in new_ids:
            continue
        change = Change(faq_id, old.category, old.entry.title, row=kept_rows.get(faq_id, 0))
        if faq_id not in kept_rows or normalized_question(old.entry.question) in new_questions:
            plan.removed.append(change)
            continue
        plan.kept.append(change)
        names.setdefault(old.category, old.category_name)
        by_category.setdefault(old.category, []).append(
            (
                kept_rows[faq_id],
                {
                    "id": faq_id,
                    "title": old.entry.title,
                    "question": old.entry.question,
                    "answer": old.entry.answer,
                    "examples": [item.text for item in old.entry.examples],
                    "tests": [item.text for item in old.entry.tests],
                },
            )
        )
    for key in sorted(by_category):
        rows = sorted(by_category[key], key=lambda pair: pair[0])
        plan.files[f"{key}.yml"] = render_category_file(key, names[key], [e for _, e in rows])
        plan.entry_counts[f"{key}.yml"] = len(rows)
        plan.category_names[f"{key}.yml"] = names[key]
    plan.stale = [path for path in existing_paths if path.name not in plan.files]
    return plan


def write_plan(plan: Plan, folder: Path) -> Tuple[List[str], List[Path]]:
    """Writes the files that differ and deletes the stale ones; returns both lists."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in plan.files.items():
        path = folder / name
        data = text.encode("utf-8")
        if path.is_file() and path.read_bytes() == data:
            continue
        temporary = folder / f".{name}.tmp"
        temporary.write_bytes(data)
        os.replace(temporary, path)
        written.append(name)
    for path in plan.stale:
        path.unlink()
    return written, list(plan.stale)


# --- the command -----------------------------------------------------------------------------


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
    plan = plan_import(entries, reports, existing, _existing_paths(into))
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
