"""The target folder of an FAQ import: what it holds, what the import changes, the writing.

Part of `python -m bot faq import` (see bot/faq/importer.py). The folder mirrors the export:
entries no longer in it are removed, the examples and tests people wrote are kept.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.faq.corpus import FaqEntry, corpus_files, load_file, normalized_question
from bot.faq.export_table import ImportFileError
from bot.faq.import_rows import ImportedEntry, RowReport, one_line

CATEGORY_NAME_COMMENT = re.compile(r"^# category name: (.*)$", re.MULTILINE)
FILE_HEADER = (
    "# Imported by `python -m bot faq import`: importing again rewrites the ids, titles,\n"
    "# questions and answers from the export and keeps the examples and tests written here.\n"
)
COMPARED = ("category", "title", "question", "answer")


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


def existing_paths(folder: Path) -> List[Path]:
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
        header += f"# category name: {one_line(name)}\n"
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
