"""What the `faq import` tests share: a small export, writers of CSV and Excel files as the
exporting tools write them, and helpers to run the import and read what it wrote."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import List, Sequence, Tuple

from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot.cli import main
from bot.faq.catalog import load_catalog
from bot.faq.corpus import load_corpus
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
