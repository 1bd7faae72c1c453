"""Edits of a FAQ corpus folder from the content editor, checked like `bot faq check` first.

An edit is tried on a copy of the corpus (and of the catalog, for the shop's own corpus); only
when the copy passes every check are the real YAML files replaced, each atomically, keeping
their comments and layout. Then `data/nlu/faq.yml` is built again, as `make train` would.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.corpora import FAQ_DATA, data_folder
from bot.faq.build import ordered_entries, render_training_data
from bot.faq.catalog import load_catalog
from bot.faq.check import Rules, check_corpus
from bot.faq.corpus import corpus_files, load_corpus, normalized_question

# One edit at a time: each reads, checks and writes whole files. Re-entrant, so an action that
# reads an entry and saves it again (examples from a group) holds it across both.
EDIT_LOCK = threading.RLock()
FIELDS = ("title", "question", "answer", "examples", "tests")


class EditRejected(ValueError):
    """The edit breaks a rule of the corpus; `problems` says where and why, in file:line form."""

    def __init__(self, problems: List[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Paths:
    project: Path
    corpus: Path
    shop: bool  # the shop's own faq_corpus/: its ids and questions are in faq_catalog.yml

    @property
    def catalog(self) -> Path:
        return self.project / "faq_catalog.yml"

    @property
    def training_data(self) -> Path:
        """The faq.yml `bot train` reads for this corpus: another corpus never writes the shop's."""
        return self.project / data_folder(self.corpus, self.shop) / FAQ_DATA

    @property
    def out_of_scope(self) -> Path:
        return self.project / "data" / "nlu" / "out_of_scope.yml"


def round_trip_yaml(sequence: int = 4, offset: int = 2) -> YAML:
    """ruamel's round-trip YAML with the indentation of the file it edits (corpus: 4 and 2)."""
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=sequence, offset=offset)
    yaml.preserve_quotes = True
    return yaml


def _dump(data: Any) -> str:
    out = io.StringIO()
    round_trip_yaml().dump(data, out)
    return out.getvalue()


def write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def entry_json(entry, category: Optional[str]) -> Dict[str, Any]:
    return {
        "id": entry.id,
        "category": category,
        "title": entry.title,
        "question": entry.question,
        "answer": entry.answer,
        "examples": [i.text for i in entry.examples],
        "tests": [i.text for i in entry.tests],
        "file": entry.path.name,
    }


def list_entries(paths: Paths, query: str = "") -> List[Dict[str, Any]]:
    """Every entry (or those whose id, title, question, answer or examples contain `query`)."""
    needle = normalized_question(query)
    found = []
    for corpus_file in load_corpus(paths.corpus):
        for entry in corpus_file.entries:
            item = entry_json(entry, corpus_file.category)
            haystack = " ".join(
                [entry.id, entry.title, entry.question, entry.answer] + item["examples"]
            )
            if not needle or needle in normalized_question(haystack) or query in entry.id:
                found.append(item)
    return found


def find_entry(paths: Paths, faq_id: str) -> Optional[Dict[str, Any]]:
    for corpus_file in load_corpus(paths.corpus):
        for entry in corpus_file.entries:
            if entry.id == faq_id:
                return entry_json(entry, corpus_file.category)
    return None


def _printable(text: str, keep_newlines: bool = False) -> str:
    """Without control characters (they break YAML and training data); tabs become spaces."""
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise EditRejected(["読み取れない文字(不正な文字コード)が含まれています"])
    kept = "\n" if keep_newlines else ""
    return "".join(
        ch if ch in kept else " " if unicodedata.category(ch) == "Cc" else ch for ch in text
    )


def _texts(value: Any, name: str) -> List[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EditRejected([f"{name} は文字列のリストで指定してください"])
    return [" ".join(_printable(v).split()) for v in value if _printable(v).strip()]


def _fields(data: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key in ("title", "question", "answer"):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise EditRejected([f"{key} を入力してください"])
        text = _printable(value.replace("\r\n", "\n"), keep_newlines=key == "answer").strip()
        if not text:
            raise EditRejected([f"{key} を入力してください"])
        out[key] = text
    out["examples"] = _texts(data.get("examples", []), "examples")
    out["tests"] = _texts(data.get("tests", []), "tests")
    return out


def _set_entry(node: CommentedMap, fields: Dict[str, Any]) -> None:
    node["title"] = fields["title"]
    node["question"] = fields["question"]
    answer = fields["answer"]
    node["answer"] = LiteralScalarString(answer) if "\n" in answer else answer
    for key in ("examples", "tests"):
        _replace_items(node, key, fields[key])


def _replace_items(node: CommentedMap, key: str, values: List[str]) -> None:
    """Puts `values` into the list in place, so its comments and the blank line after it stay."""
    seq = node.get(key)
    if not isinstance(seq, CommentedSeq):
        node[key] = CommentedSeq(values)
        return
    if list(seq) == values:
        return
    trailing = seq.ca.items.pop(len(seq) - 1, None) if len(seq) else None
    del seq[len(values) :]
    for index, value in enumerate(values):
        if index < len(seq):
            seq[index] = value
        else:
            seq.append(value)
    if trailing is not None and values:
        seq.ca.items[len(values) - 1] = trailing


def _set_catalog_question(
    catalog: CommentedMap, category: str, faq_id: str, question: str, add: bool
) -> None:
    faq = catalog["faq"]
    if add:
        if category not in faq:
            raise EditRejected([f"カテゴリ '{category}' は faq_catalog.yml にありません"])
        faq[category][faq_id] = question
        return
    for items in faq.values():
        if faq_id in items:
            if isinstance(items[faq_id], dict):
                items[faq_id]["q"] = question
            else:
                items[faq_id] = question
            return


@dataclass
class Change:
    files: Dict[Path, str]  # path -> new text


def _plan(paths: Paths, faq_id: str, fields: Dict[str, Any], category: Optional[str]) -> Change:
    """The new text of every file the edit touches (nothing is written yet)."""
    files: Dict[Path, str] = {}
    target: Optional[Path] = None
    for path in corpus_files(paths.corpus):
        data = round_trip_yaml().load(path.read_text(encoding="utf-8"))
        entries = data.get("entries") if isinstance(data, CommentedMap) else None
        if not isinstance(entries, CommentedSeq):
            continue
        for node in entries:
            if isinstance(node, CommentedMap) and node.get("id") == faq_id:
                if category is not None:
                    raise EditRejected([f"id '{faq_id}' はすでに {path.name} にあります"])
                _set_entry(node, fields)
                files[path] = _dump(data)
                target = path
        if category is not None and data.get("category") == category:
            target = path
            node = CommentedMap([("id", faq_id)])
            _set_entry(node, fields)
            entries.append(node)
            files[path] = _dump(data)
    if target is None:
        if category is None:
            raise EditRejected([f"id '{faq_id}' のエントリが見つかりません"])
        path = paths.corpus / f"{category}.yml"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", category):
            raise EditRejected(["カテゴリは半角英小文字・数字・_ で指定してください"])
        node = CommentedMap([("id", faq_id)])
        _set_entry(node, fields)
        files[path] = _dump(CommentedMap([("category", category), ("entries", [node])]))
    if paths.shop:
        catalog = round_trip_yaml().load(paths.catalog.read_text(encoding="utf-8"))
        _set_catalog_question(
            catalog, category or "", faq_id, fields["question"], category is not None
        )
        files[paths.catalog] = _dump(catalog)
    return Change(files)


def _check(paths: Paths, change: Change) -> List[str]:
    """`bot faq check` on a copy of the corpus with the change applied."""
    with tempfile.TemporaryDirectory(prefix="faq-edit-") as scratch:
        corpus = Path(scratch) / paths.corpus.name
        shutil.copytree(paths.corpus, corpus)
        catalog_path = Path(scratch) / "faq_catalog.yml"
        shutil.copyfile(paths.catalog, catalog_path)
        for path, text in change.files.items():
            copy = catalog_path if path == paths.catalog else corpus / path.name
            copy.write_text(text, encoding="utf-8")
        catalog = load_catalog(catalog_path)
        rules = Rules() if paths.shop else Rules(min_examples=0, min_tests=0)
        problems = check_corpus(corpus, catalog if paths.shop else None, catalog.contacts, rules)
        return [p.replace(str(corpus), paths.corpus.name) for p in problems]


def rebuild_training_data(paths: Paths) -> None:
    catalog = load_catalog(paths.catalog)
    text = render_training_data(
        ordered_entries(paths.corpus, catalog if paths.shop else None),
        catalog.contacts,
        paths.corpus.name,
    )
    paths.training_data.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(paths.training_data, text)


def save_entry(
    paths: Paths, faq_id: str, data: Dict[str, Any], category: Optional[str] = None
) -> List[str]:
    """Checks, then writes an edit (or, with `category`, a new entry).

    Returns the questions the entry did not have before (the caller checks them for
    confusion with other entries).
    """
    fields = _fields(data)
    with EDIT_LOCK:
        before = find_entry(paths, faq_id) if category is None else None
        had = {
            normalized_question(t)
            for t in ([before["question"]] + before["examples"] if before else [])
        }
        change = _plan(paths, faq_id, fields, category)
        problems = _check(paths, change)
        if problems:
            raise EditRejected(problems)
        for path, text in change.files.items():
            write_atomically(path, text)
        rebuild_training_data(paths)
    new = [fields["question"]] + fields["examples"]
    return [t for t in new if normalized_question(t) not in had]
