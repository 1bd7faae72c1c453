"""`python -m bot faq check` on the real corpus and on broken copies of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.faq.catalog import load_catalog
from bot.faq.check import Rules, check_corpus

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def catalog():
    return load_catalog(ROOT / "faq_catalog.yml")


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A writable copy of the shop's corpus."""
    target = tmp_path / "faq_corpus"
    shutil.copytree(ROOT / "faq_corpus", target)
    return target


def problems_of(corpus: Path, catalog) -> list[str]:
    return check_corpus(corpus, catalog, catalog.contacts, Rules())


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"fixture text {old!r} not found in {path.name}"
    path.write_text(text.replace(old, new, count), "utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_the_shop_corpus_is_clean(catalog):
    assert problems_of(ROOT / "faq_corpus", catalog) == []


def test_every_catalog_id_has_an_entry_with_enough_questions(catalog):
    from bot.faq.corpus import load_corpus

    entries = {e.id: e for f in load_corpus(ROOT / "faq_corpus") for e in f.entries}
    assert set(entries) == set(catalog.entries)
    assert len(entries) == 44
    for entry in entries.values():
        assert len(entry.examples) >= 12 and len(entry.tests) >= 3, entry.id


def test_yaml_syntax_error_names_file_and_line(corpus, catalog):
    path = corpus / "payments.yml"
    bad_line = line_of(path, "- id: payment_due_date")
    replace_in(path, "- id: payment_due_date", "- id: payment_due_date\n   broken: [")
    problems = problems_of(corpus, catalog)
    assert any(p.startswith(f"{path}:") and "YAML syntax error" in p for p in problems)
    reported = [p for p in problems if "YAML syntax error" in p][0]
    assert abs(int(reported.split(":")[1]) - bad_line) <= 3


def test_unknown_and_missing_ids(corpus, catalog):
    path = corpus / "invoices.yml"
    replace_in(path, "- id: receipt", "- id: receipt_reissue")
    problems = problems_of(corpus, catalog)
    line = line_of(path, "- id: receipt_reissue")
    assert f"{path}:{line}: id 'receipt_reissue' is not in faq_catalog.yml" in problems
    assert any("catalog id 'receipt' has no entry" in p for p in problems)


def test_the_same_example_under_two_entries(corpus, catalog):
    source = corpus / "cancellation.yml"
    target = corpus / "account.yml"
    example = "解約方法を教えてほしい"
    replace_in(source, "    examples:\n", f"    examples:\n      - {example}\n")
    replace_in(target, "    examples:\n", f"    examples:\n      - {example}!\n")
    problems = problems_of(corpus, catalog)
    duplicate = [p for p in problems if example in p and "is also an example" in p]
    assert len(duplicate) == 1
    assert duplicate[0].startswith(f"{target}:{line_of(target, example)}:") or duplicate[
        0
    ].startswith(f"{source}:{line_of(source, example)}:")


def test_a_test_question_copied_into_the_examples(corpus, catalog):
    path = corpus / "general.yml"
    from bot.faq.corpus import load_file

    entry = load_file(path).entries[0]
    replace_in(path, "    examples:\n", f"    examples:\n      - {entry.tests[0].text}\n")
    problems = problems_of(corpus, catalog)
    assert any("is both an example and a test question" in p for p in problems)


def test_too_few_examples_and_tests(corpus, catalog):
    path = corpus / "cancellation.yml"
    text = path.read_text("utf-8")
    # keep the first entry's first example only
    head, rest = text.split("    examples:\n", 1)
    body = rest.split("    tests:\n", 1)
    first_example = body[0].splitlines()[0]
    tests = body[1].split("\n\n", 1)
    path.write_text(
        head
        + "    examples:\n"
        + first_example
        + "\n    tests:\n"
        + tests[0].splitlines()[0]
        + "\n\n"
        + (tests[1] if len(tests) > 1 else ""),
        "utf-8",
    )
    problems = problems_of(corpus, catalog)
    assert any("'cancellation_method' has 1 examples; write at least 12" in p for p in problems)
    assert any(
        "'cancellation_method' has 1 test questions; write at least 3" in p for p in problems
    )


def test_unknown_contact_key(corpus, catalog):
    path = corpus / "cancellation.yml"
    replace_in(path, "{contact_center}", "{call_center}")
    problems = problems_of(corpus, catalog)
    assert any("unknown contact {call_center}" in p and p.startswith(str(path)) for p in problems)


def test_question_must_match_the_catalog_and_title_stays_short(corpus, catalog):
    path = corpus / "general.yml"
    replace_in(path, "question: 注文の流れを教えてください。", "question: 注文の流れは?")
    replace_in(path, "title: ", "title: " + "長" * 40)
    problems = problems_of(corpus, catalog)
    assert any("question of 'order_flow' differs from the catalog" in p for p in problems)
    assert any("keep it to 30" in p for p in problems)


def test_cli_exits_non_zero_and_prints_each_problem(corpus, capsys, monkeypatch):
    path = corpus / "invoices.yml"
    replace_in(path, "- id: receipt", "- id: receipt_reissue")
    # the shop's catalog applies only to the shop's folder: point the CLI at a copy of it
    monkeypatch.setattr("bot.faq.commands.SHOP_CORPUS", corpus)
    assert main(["faq", "check", "--corpus", str(corpus)]) == 1
    err = capsys.readouterr().err
    assert "receipt_reissue" in err and "problem(s)" in err
