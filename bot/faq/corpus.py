"""Loading faq_corpus/*.yml with the line of every value, for precise error reports."""

from __future__ import annotations

import copy
import hashlib
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.reader import ReaderError

DEFAULT_CORPUS = Path("faq_corpus")
ENTRY_FIELDS = ("id", "title", "question", "answer", "examples", "tests")


@dataclass
class Located:
    """A string value and the line (1-based) it stands on."""

    text: str
    line: int


@dataclass
class FaqEntry:
    """One FAQ entry as the content team wrote it."""

    id: str
    title: str
    question: str
    answer: str
    examples: List[Located]
    tests: List[Located]
    path: Path
    line: int


@dataclass
class CorpusFile:
    """One category file, or the reason it could not be read."""

    path: Path
    category: str | None = None
    entries: List[FaqEntry] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)


def normalized_question(text: str) -> str:
    """The form under which two questions count as the same (width, case, punctuation)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZS")


def _line(node: Any, key: Any = None) -> int:
    try:
        if key is None:
            return node.lc.line + 1
        if isinstance(node, CommentedSeq):
            return node.lc.item(key)[0] + 1
        return node.lc.value(key)[0] + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 1


def _strings(node: CommentedMap, key: str, where: str, problems: List[str]) -> List[Located]:
    value = node.get(key)
    if value is None:
        return []
    if not isinstance(value, CommentedSeq):
        problems.append(f"{where}:{_line(node, key)}: '{key}' must be a list of questions")
        return []
    out = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            problems.append(
                f"{where}:{_line(value, index)}: {key}[{index}] must be a non-empty text"
            )
            continue
        out.append(Located(item.strip(), _line(value, index)))
    return out


# Parsed files by (path, content): ruamel's round-trip parser takes ~80 ms a file, and one edit
# in the content editor reads the corpus several times (check, write, build the snapshot).
_PARSED: OrderedDict[tuple, CorpusFile] = OrderedDict()
_PARSED_LOCK = threading.Lock()
PARSED_FILES = 64


def load_file(path: Path) -> CorpusFile:
    """Reads one category file; shape problems are collected, not raised."""
    try:
        raw = Path(path).read_bytes()
    except OSError:
        raw = None
    key = (str(path), hashlib.sha1(raw).hexdigest()) if raw is not None else None
    with _PARSED_LOCK:
        if key in _PARSED:
            _PARSED.move_to_end(key)
            return copy.deepcopy(_PARSED[key])
    result = _parse_file(path)
    if key is not None:
        with _PARSED_LOCK:
            _PARSED[key] = copy.deepcopy(result)
            while len(_PARSED) > PARSED_FILES:
                _PARSED.popitem(last=False)
    return result


def _parse_file(path: Path) -> CorpusFile:
    result = CorpusFile(path=path)
    try:
        data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        result.problems.append(f"{path}:{line}: YAML syntax error: {error.problem or error}")
        return result
    except UnicodeDecodeError:
        result.problems.append(f"{path}:1: not UTF-8 text; save the file as UTF-8")
        return result
    except ReaderError as error:  # a control character YAML does not allow
        text = path.read_text(encoding="utf-8", errors="replace")
        line = text[: max(0, error.position)].count("\n") + 1
        result.problems.append(
            f"{path}:{line}: control character {error.character!r} is not allowed; delete it"
        )
        return result
    if not isinstance(data, CommentedMap):
        result.problems.append(f"{path}:1: expected 'category:' and 'entries:' at the top")
        return result
    result.category = data.get("category")
    if not isinstance(result.category, str):
        result.problems.append(
            f"{path}:{_line(data)}: missing 'category:' (a catalog category key)"
        )
    entries = data.get("entries")
    if not isinstance(entries, CommentedSeq):
        result.problems.append(f"{path}:{_line(data)}: missing 'entries:' list")
        return result
    for index, node in enumerate(entries):
        where = str(path)
        if not isinstance(node, CommentedMap):
            result.problems.append(
                f"{where}:{_line(entries, index)}: entry {index + 1} is not a mapping"
            )
            continue
        for key in node:
            if key not in ENTRY_FIELDS:
                result.problems.append(
                    f"{where}:{_line(node, key)}: unknown field '{key}' "
                    f"(allowed: {', '.join(ENTRY_FIELDS)})"
                )
        texts = {}
        for key in ("id", "title", "question", "answer"):
            value = node.get(key)
            if not isinstance(value, str) or not value.strip():
                result.problems.append(f"{where}:{_line(node)}: entry needs a non-empty '{key}'")
                value = ""
            texts[key] = value.strip()
        result.entries.append(
            FaqEntry(
                id=texts["id"],
                title=texts["title"],
                question=texts["question"],
                answer=texts["answer"],
                examples=_strings(node, "examples", where, result.problems),
                tests=_strings(node, "tests", where, result.problems),
                path=path,
                line=_line(node),
            )
        )
    return result


def corpus_files(corpus_dir: Path) -> List[Path]:
    """The category files of a corpus folder, in a stable order."""
    return sorted(p for p in Path(corpus_dir).glob("*.yml") if not p.name.startswith("_"))


def load_corpus(corpus_dir: Path = DEFAULT_CORPUS) -> List[CorpusFile]:
    """Reads every category file of a corpus folder."""
    return [load_file(path) for path in corpus_files(corpus_dir)]
