"""Bad input for the FAQ compiler (`bot faq check` + `bot faq build`), generated: any text the
content team can save in a corpus file is reported as a problem or compiles to valid YAML.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from bot.faq.build import render_answer, render_training_data
from bot.faq.catalog import load_catalog
from bot.faq.check import Rules, check_corpus
from bot.faq.corpus import load_corpus, normalized_question
from tests.web.conftest import ROOT

# ---------------------------------------------------------------- the FAQ compiler


CONTACTS = load_catalog(ROOT / "faq_catalog.yml").contacts
# What a YAML file can hold (YAML 1.1 and 1.2 printable characters): the property is about
# what the compiler does with any text the content team can save in a corpus file.
printable = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters="\ufffe\uffff"
)
TRICKY = ["\n", "\t", " ", "\u3000", "\u2028", "{contact_center}", "#", ": ", "- ", "|", "'", '"']
pieces = st.one_of(printable, printable, printable, st.sampled_from(TRICKY))


def texts(max_pieces: int):
    """Text that is not blank (blank fields are reported, which tests/faq already covers)."""
    return st.lists(pieces, min_size=1, max_size=max_pieces).map("".join).filter(str.strip)


entries = st.lists(
    st.fixed_dictionaries(
        {
            "title": texts(30),
            "question": texts(30),
            "answer": texts(100),
            "examples": st.lists(texts(30), max_size=4),
            "tests": st.lists(texts(30), max_size=2),
        }
    ),
    min_size=1,
    max_size=4,
)


def write_corpus(folder: Path, items) -> None:
    data = {
        "category": "shop",
        "entries": [{"id": f"entry_{i}", **item} for i, item in enumerate(items)],
    }
    writer = YAML(typ="rt")
    writer.allow_unicode = True
    with (folder / "shop.yml").open("w", encoding="utf-8") as out:
        writer.dump(data, out)


def examples_of(block: str):
    lines = block.splitlines()
    assert all(line.startswith("- ") for line in lines), lines
    return [line[2:] for line in lines]


def check_compiled(folder: Path) -> None:
    problems = check_corpus(folder, None, CONTACTS, Rules(min_examples=0, min_tests=0))
    if problems:
        assert all(isinstance(p, str) and re.match(r".+:\d+: ", p) for p in problems), problems
        return
    entries = [e for f in load_corpus(folder) for e in f.entries]
    text = render_training_data(entries, CONTACTS, "mini")
    data = yaml.safe_load(text)  # valid YAML ...
    trained = {item["intent"]: examples_of(item["examples"]) for item in data["nlu"]}
    assert list(trained) == [f"faq/{e.id}" for e in entries]
    for entry in entries:  # ... that gives back every question, once, on one line
        expected, seen = [], set()
        for question in [entry.question] + [item.text for item in entry.examples]:
            key = normalized_question(question)
            if key and key not in seen:
                seen.add(key)
                expected.append(" ".join(question.split()))
        assert trained[f"faq/{entry.id}"] == expected
        answer = data["responses"][f"utter_faq/{entry.id}"][0]["text"]
        rendered = render_answer(entry.answer, CONTACTS).strip()
        assert answer == "\n".join(line.rstrip() for line in rendered.splitlines())


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(items=entries)
@example(items=[{"title": "t", "question": "q", "answer": "a", "examples": [], "tests": []}])
@example(
    items=[
        {
            "title": "記号",
            "question": "#注文: - | > {contact_center}",
            "answer": "  先頭の空白\n\n\t タブ\n{contact_center}\n- 箇条書き\n# 見出し\u2028行\ufeff\n",
            "examples": ["!!!", "  前後の空白  ", "改行\nを含む", "'引用'", '"二重"'],
            "tests": ["[a](b)"],
        }
    ]
)
def test_the_compiler_reports_problems_or_builds_valid_yaml(items):
    with tempfile.TemporaryDirectory(prefix="faq-prop-") as scratch:
        folder = Path(scratch) / "mini"
        folder.mkdir()
        write_corpus(folder, items)
        check_compiled(folder)


@pytest.mark.parametrize("character", ["\x01", "\x07", "\x1b", "\x7f", "\x9f"])
def test_a_control_character_is_a_problem_not_broken_training_data(tmp_path, character):
    folder = tmp_path / "mini"
    folder.mkdir()
    item = {
        "title": "t",
        "question": f"注文{character}の流れ",
        "answer": "a",
        "examples": [],
        "tests": [],
    }
    write_corpus(folder, [item])
    try:
        check_compiled(folder)
    except yaml.YAMLError as error:
        raise AssertionError(f"the build output is not YAML: {error}") from None


def test_a_raw_control_character_in_a_corpus_file_is_reported_with_its_file(tmp_path):
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "shop.yml").write_text(
        "category: shop\nentries:\n  - id: a\n    title: t\n    question: q\x07\n    answer: a\n",
        encoding="utf-8",
    )
    try:
        problems = check_corpus(folder, None, CONTACTS, Rules(min_examples=0, min_tests=0))
    except Exception as error:  # noqa: BLE001 - any exception is the bug
        raise AssertionError(f"check_corpus raised {type(error).__name__}: {error}") from None
    assert problems and "shop.yml" in problems[0]
