"""Reading an FAQ export (CSV, TSV, Excel .xlsx, JSON) into rows of named cells.

Part of `python -m bot faq import` (see bot/faq/importer.py): the header is row 1 and columns are
found by name, English or Japanese, whatever the case or width.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Dict, List, Optional, Sequence, Tuple

REQUIRED = ("question", "answer")
HEADER_ALIASES = {
    "id": ("id", "faq_id"),
    "category": ("category", "カテゴリ", "カテゴリー", "分類", "ジャンル"),
    "title": ("title", "タイトル", "見出し"),
    "question": ("question", "q", "質問", "質問文", "質問内容", "問い", "問"),
    "answer": ("answer", "a", "回答", "回答文", "回答内容", "答え", "答"),
}
FORMATS = {".csv": "csv", ".tsv": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".json": "json"}


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
