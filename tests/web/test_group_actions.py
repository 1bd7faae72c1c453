"""bot/web/group_actions.py and bot/web/scope_edit.py on a scratch copy of the project.

A group's questions become examples of an entry, a new entry or out-of-scope examples; each
write passes `faq check`, keeps the files' comments and layout, and a rejected one writes nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.faq.corpus import normalized_question
from bot.insights.groups import GroupedQuestion, QuestionGroup
from bot.pythons import rasa_python
from bot.web.corpus_edit import EditRejected, Paths, find_entry
from bot.web.group_actions import add_examples, chosen, draft_entry
from bot.web.scope_edit import dismiss_questions, out_of_scope_examples
from tests.web.conftest import ROOT
from tests.web.corpus_scratch import changed_lines, files_of, problems

PAPER_INVOICE = (
    "請求書を紙で郵送してほしい",
    "紙の請求書を送ってもらえますか",
    "請求書の郵送を希望します",
)


def group_of(*texts: str, nearest: str | None = "invoice_issuance") -> QuestionGroup:
    at = datetime(2026, 12, 1, tzinfo=timezone.utc)
    questions = tuple(
        GroupedQuestion(text, len(texts) - i, (i + 1,), 0) for i, text in enumerate(texts)
    )
    return QuestionGroup(
        "0123456789ab", questions, len(texts), len(texts), 0.0, nearest, 0.9, at, at
    )


@pytest.fixture
def project(shop) -> Paths:
    """The scratch shop with its hand-written NLU files, out-of-scope examples among them."""
    for name in ("intents.yml", "out_of_scope.yml"):
        shutil.copy2(ROOT / "data" / "nlu" / name, shop.project / "data" / "nlu" / name)
    return shop


def cli_check(project: Path, monkeypatch) -> None:
    """`bot faq check` and `bot faq build --check` on the scratch project: clean and built."""
    monkeypatch.chdir(project)
    assert main(["faq", "check"]) == 0
    assert main(["faq", "build", "--check"]) == 0


def test_the_fixture_questions_are_not_in_the_training_data_yet(project):
    known = {normalized_question(q) for q in out_of_scope_examples(project.project)}
    text = (project.corpus / "invoices.yml").read_text("utf-8")
    for question in PAPER_INVOICE:
        assert normalized_question(question) not in known and question not in text


def test_chosen_questions_are_added_as_examples_and_pass_the_check(project, monkeypatch):
    before = files_of(project)
    path = project.corpus / "invoices.yml"
    result = add_examples(project, "invoice_issuance", list(PAPER_INVOICE[:2]))
    assert result == {"added": list(PAPER_INVOICE[:2]), "skipped": []}
    assert find_entry(project, "invoice_issuance")["examples"][-2:] == list(PAPER_INVOICE[:2])
    after = files_of(project)
    assert {p for p in before if before[p] != after[p]} == {path, project.training_data}
    assert changed_lines(before[path], after[path]) == [f"+       - {q}" for q in PAPER_INVOICE[:2]]
    assert problems(project) == []
    cli_check(project.project, monkeypatch)
    training = project.training_data.read_text("utf-8")
    assert all(f"    - {q}\n" in training for q in PAPER_INVOICE[:2])


def test_questions_the_entry_already_has_are_skipped(project):
    entry = find_entry(project, "invoice_issuance")
    again = entry["examples"][0].replace("?", "?") + " "
    result = add_examples(project, "invoice_issuance", [again, PAPER_INVOICE[0]])
    assert result == {"added": [PAPER_INVOICE[0]], "skipped": [again]}
    before = files_of(project)
    assert add_examples(project, "invoice_issuance", [PAPER_INVOICE[0]])["added"] == []
    assert files_of(project) == before


@pytest.mark.parametrize(
    "questions, expected",
    [
        ([], "質問を1つ以上選んでください"),
        (["請求書の送付時期が知りたいです"], "invoice_timing"),  # a test question of another entry
        (["請求書 バーコード"], "invoice_type"),  # an example of another entry
        (["[請求書](doc)を郵送して"], "markup"),
    ],
)
def test_examples_the_check_refuses_write_nothing(project, questions, expected):
    before = files_of(project)
    with pytest.raises(EditRejected) as rejected:
        add_examples(project, "invoice_issuance", questions)
    assert expected in " / ".join(rejected.value.problems)
    assert files_of(project) == before


def test_an_unknown_entry_is_a_lookup_error(project):
    with pytest.raises(LookupError):
        add_examples(project, "no_such_entry", [PAPER_INVOICE[0]])


def test_only_the_groups_own_questions_can_be_chosen(project):
    group = group_of(*PAPER_INVOICE)
    assert chosen(group, ["紙の請求書を送ってもらえますか?", "請求書を紙で郵送してほしい"]) == list(
        PAPER_INVOICE[:2]
    )  # in the group's order, width and punctuation blind
    with pytest.raises(EditRejected, match="このグループの質問ではありません"):
        chosen(group, ["解約したい"])
    with pytest.raises(EditRejected, match="1つ以上"):
        chosen(group, [" ", "?"])


def test_the_draft_of_a_new_entry_comes_from_the_group(project):
    draft = draft_entry(project, group_of(*PAPER_INVOICE))
    assert draft["question"] == PAPER_INVOICE[0] and draft["title"] == "請求書を紙で郵送してほしい"
    assert draft["examples"] == list(PAPER_INVOICE[1:])
    assert draft["category"] == "invoices" and "invoices" in draft["categories"]
    assert draft["answer"] == "" and draft["id"] == ""
    assert any("12" in hint for hint in draft["hints"])
    long = draft_entry(project, group_of("あ" * 40 + "?", nearest=None))
    assert len(long["title"]) == 30 and long["category"] == draft["categories"][0]


def test_dismissed_questions_become_out_of_scope_examples_layout_kept(project, monkeypatch):
    path = project.out_of_scope
    before = path.read_bytes()
    corpus = files_of(project)
    assert dismiss_questions(project, list(PAPER_INVOICE)) == list(PAPER_INVOICE)
    assert changed_lines(before, path.read_bytes()) == [f"+     - {q}" for q in PAPER_INVOICE]
    assert path.read_text("utf-8").startswith(before.decode())  # comments and layout: unchanged
    assert files_of(project) == corpus
    document = yaml.safe_load(path.read_text("utf-8"))
    assert document["nlu"][0]["intent"] == "out_of_scope"
    assert document["nlu"][0]["examples"].splitlines()[-3:] == [f"- {q}" for q in PAPER_INVOICE]
    assert out_of_scope_examples(project.project)[-3:] == list(PAPER_INVOICE)
    assert dismiss_questions(project, [PAPER_INVOICE[0]]) == []  # already there: nothing to add
    cli_check(project.project, monkeypatch)


READ_WITH_RASA = """
import json, sys
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
data = RasaYAMLReader().reads(open(sys.argv[1], encoding="utf-8").read())
print(json.dumps([m.get("text") for m in data.intent_examples if m.get("intent") == "out_of_scope"]))
"""


def test_rasa_reads_the_dismissed_questions_as_out_of_scope(project):
    dismiss_questions(project, list(PAPER_INVOICE))
    # Rasa reads the file in its own Python (bot/pythons.py), as training does
    read = subprocess.run(
        [rasa_python(), "-c", READ_WITH_RASA, str(project.out_of_scope)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(read.stdout.splitlines()[-1])[-3:] == list(PAPER_INVOICE)


@pytest.mark.parametrize(
    "question, expected",
    [
        ("どのような請求書が届きますか", "invoice_type"),  # an example of an entry
        ("請求書の送付時期が知りたいです", "invoice_timing"),  # a test question
        ("[請求書](doc)がほしい", "[..](..)"),
    ],
)
def test_a_question_of_an_entry_cannot_be_dismissed(project, question, expected):
    before = project.out_of_scope.read_bytes()
    with pytest.raises(EditRejected) as rejected:
        dismiss_questions(project, [PAPER_INVOICE[0], question])
    assert expected in " / ".join(rejected.value.problems)
    assert project.out_of_scope.read_bytes() == before


def test_an_imported_corpus_has_no_out_of_scope_examples_to_add_to(project):
    before = project.out_of_scope.read_bytes()
    imported = Paths(project.project, project.corpus, shop=False)
    with pytest.raises(EditRejected, match="ショップの FAQ"):
        dismiss_questions(imported, [PAPER_INVOICE[0]])
    assert project.out_of_scope.read_bytes() == before
