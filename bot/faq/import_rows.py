"""The rows of an FAQ export into corpus entries: ids, titles, categories, checked text.

Part of `python -m bot faq import` (see bot/faq/importer.py).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Collection, Dict, List, Optional, Tuple

from bot.faq.check import FAQ_ID, MAX_TITLE_CHARS, PLACEHOLDER
from bot.faq.corpus import normalized_question
from bot.faq.export_table import Row, Table

GENERAL = "general"
CATEGORY_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Text that was not decoded (U+FFFD; U+F8F0-U+F8F3 are what CP932 makes of the stray bytes
# A0, FD-FF), control characters other than tab and line feed (carriage returns are turned into
# line feeds first) and lone surrogates (from JSON "\ud800").
BAD_CHARACTER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd\uf8f0-\uf8f3\ud800-\udfff]")
UNDECODED = re.compile("[\ufffd\uf8f0-\uf8f3]")
LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")
FULL_WIDTH_BRACES = str.maketrans({"{": "\uff5b", "}": "\uff5d"})
TITLE_ELLIPSIS = "…"


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


def one_line(text: str) -> str:
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
        question = one_line(raw.get("question", ""))
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
        category_name = one_line(raw.get("category", ""))
        by_question[key] = row.number
        by_id[faq_id] = row.number
        entries.append(
            ImportedEntry(
                id=faq_id,
                category=category_key(category_name),
                category_name=category_name or None,
                title=make_title(question, one_line(raw.get("title", ""))),
                question=question,
                answer=escaped,
                row=row.number,
            )
        )
    return entries, reports
