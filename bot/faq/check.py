"""Validation of a FAQ corpus: every problem with its file and line."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

from bot.faq.catalog import Catalog
from bot.faq.corpus import CorpusFile, FaqEntry, load_corpus, normalized_question

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
FAQ_ID = re.compile(r"^[a-z][a-z0-9_]{0,79}$")
MAX_TITLE_CHARS = 30


@dataclass(frozen=True)
class Rules:
    """How strict the check is; the shop's corpus uses the defaults."""

    min_examples: int = 12
    min_tests: int = 3


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc"


def placeholders(answer: str) -> List[str]:
    """Contact keys named in an answer as {key}."""
    return PLACEHOLDER.findall(answer)


def _entry_problems(entry: FaqEntry, rules: Rules, contacts: Dict[str, object]) -> List[str]:
    where = f"{entry.path}:{entry.line}"
    problems = []
    if entry.id and not FAQ_ID.match(entry.id):
        problems.append(f"{where}: id '{entry.id}' must be lower-case letters, digits and _")
    if len(entry.title) > MAX_TITLE_CHARS:
        problems.append(
            f"{where}: title of '{entry.id}' has {len(entry.title)} characters; "
            f"keep it to {MAX_TITLE_CHARS} (it is a button label)"
        )
    for key in placeholders(entry.answer):
        if key not in contacts:
            known = ", ".join("{" + k + "}" for k in contacts)
            problems.append(
                f"{where}: answer of '{entry.id}' names unknown contact {{{key}}} (known: {known})"
            )
    if len(entry.examples) < rules.min_examples:
        problems.append(
            f"{where}: '{entry.id}' has {len(entry.examples)} examples; "
            f"write at least {rules.min_examples}"
        )
    if len(entry.tests) < rules.min_tests:
        problems.append(
            f"{where}: '{entry.id}' has {len(entry.tests)} test questions; "
            f"write at least {rules.min_tests}"
        )
    for name, text in (
        ("title", entry.title),
        ("question", entry.question),
        ("answer", entry.answer),
    ):
        if any(_is_control(ch) and ch not in "\n\t" for ch in text):
            problems.append(f"{where}: {name} of '{entry.id}' has a control character; delete it")
    for item in entry.examples + entry.tests:
        if any(_is_control(ch) for ch in item.text):
            problems.append(
                f"{entry.path}:{item.line}: '{item.text!r}' has a control character; delete it"
            )
        if "](" in item.text:
            problems.append(
                f"{entry.path}:{item.line}: '{item.text}' looks like Rasa entity markup "
                "'[..](..)'; rephrase it"
            )
    return problems


def _catalog_problems(files: List[CorpusFile], catalog: Catalog) -> List[str]:
    problems = []
    seen: Dict[str, FaqEntry] = {}
    for corpus_file in files:
        category = corpus_file.category
        if category and category not in catalog.categories:
            problems.append(
                f"{corpus_file.path}:1: category '{category}' is not in faq_catalog.yml "
                f"(one of: {', '.join(catalog.categories)})"
            )
        if category and corpus_file.path.stem != category:
            problems.append(
                f"{corpus_file.path}:1: category '{category}' belongs in {category}.yml"
            )
        for entry in corpus_file.entries:
            where = f"{entry.path}:{entry.line}"
            known = catalog.entries.get(entry.id)
            if entry.id in catalog.intents:
                problems.append(f"{where}: id '{entry.id}' is a named intent, not an FAQ id")
            elif known is None:
                problems.append(f"{where}: id '{entry.id}' is not in faq_catalog.yml")
                continue
            else:
                if category and known.category != category:
                    problems.append(
                        f"{where}: '{entry.id}' belongs to category '{known.category}', "
                        f"not '{category}'"
                    )
                if entry.question != known.question:
                    problems.append(
                        f"{where}: question of '{entry.id}' differs from the catalog: "
                        f"'{known.question}'"
                    )
            seen.setdefault(entry.id, entry)
    for faq_id, known in catalog.entries.items():
        if faq_id not in seen:
            problems.append(
                f"{files[0].path.parent / (known.category + '.yml')}:1: catalog id '{faq_id}' "
                "has no entry in the corpus"
            )
    return problems


def _duplicate_problems(files: List[CorpusFile]) -> List[str]:
    problems = []
    ids: Dict[str, FaqEntry] = {}
    owners: Dict[str, Tuple[FaqEntry, str, int]] = {}
    for corpus_file in files:
        for entry in corpus_file.entries:
            if entry.id in ids:
                first = ids[entry.id]
                problems.append(
                    f"{entry.path}:{entry.line}: id '{entry.id}' already used at "
                    f"{first.path}:{first.line}"
                )
            ids.setdefault(entry.id, entry)
            questions = [("example", item) for item in entry.examples]
            questions += [("test", item) for item in entry.tests]
            for kind, item in questions:
                key = normalized_question(item.text)
                if key not in owners:
                    owners[key] = (entry, kind, item.line)
                    continue
                other, other_kind, other_line = owners[key]
                if other is entry and kind == other_kind == "example":
                    detail = "repeats an example of the same entry"
                elif other is entry:
                    detail = "is both an example and a test question (tests must stay unseen)"
                else:
                    what = "an example" if other_kind == "example" else "a test question"
                    detail = f"is also {what} of '{other.id}'"
                problems.append(
                    f"{entry.path}:{item.line}: {kind} '{item.text}' of '{entry.id}' {detail} "
                    f"({other.path}:{other_line})"
                )
    return problems


def check_corpus(
    corpus_dir: Path, catalog: Catalog | None, contacts: Dict[str, object], rules: Rules = Rules()
) -> List[str]:
    """All problems of a corpus folder; empty when it is fit to build."""
    files = load_corpus(corpus_dir)
    if not files:
        return [f"{corpus_dir}:1: no *.yml category files in this folder"]
    problems = [p for f in files for p in f.problems]
    for corpus_file in files:
        for entry in corpus_file.entries:
            problems += _entry_problems(entry, rules, contacts)
    problems += _duplicate_problems(files)
    if catalog is not None:
        problems += _catalog_problems(files, catalog)
    return problems
