"""The shop's out-of-scope examples (`data/nlu/out_of_scope.yml`) from the content editor.

A question dismissed as "not this shop's business" is appended to the `out_of_scope` examples,
checked first on a copy like a corpus edit: it must not be an example or a test question of an
FAQ entry (the training data would then say both), nor look like entity markup. The file keeps
its comments and layout; only the new lines are added. Only the shop's own corpus has these
examples (an imported corpus's workspace leaves them out, see `bot.corpora`).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Dict, List

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.faq.corpus import load_corpus, normalized_question
from bot.web.corpus_edit import EDIT_LOCK, EditRejected, Paths, round_trip_yaml, write_atomically

INTENT = "out_of_scope"
# Where the shop's out-of-scope examples are written by hand; new ones go to the second.
FILES = ("intents.yml", "out_of_scope.yml")
NOT_THE_SHOP = (
    "取り込んだ FAQ には対象外の例文がありません。"
    "対象外として除外できるのはショップの FAQ(faq_corpus)だけです。"
)


def _example_lines(block: object) -> List[str]:
    """The questions of a Rasa `examples: |` block ("- text" lines)."""
    if not isinstance(block, str):
        return []
    return [line.strip()[2:].strip() for line in block.splitlines() if line.strip()[:2] == "- "]


def _examples_of(text: str) -> List[str]:
    document = yaml.safe_load(text) or {}
    found = []
    for item in document.get("nlu") or []:
        if isinstance(item, dict) and item.get("intent") == INTENT:
            found += _example_lines(item.get("examples"))
    return found


def out_of_scope_examples(project: Path) -> List[str]:
    """Every out-of-scope example the shop's training data has."""
    folder = Path(project) / "data" / "nlu"
    found: List[str] = []
    for path in (folder / name for name in FILES):
        if path.exists():
            found += _examples_of(path.read_text(encoding="utf-8"))
    return found


def _faq_owners(paths: Paths) -> Dict[str, str]:
    """Normalized example or test question -> the id of the entry that has it."""
    owners: Dict[str, str] = {}
    for corpus_file in load_corpus(paths.corpus):
        for entry in corpus_file.entries:
            for item in [*entry.examples, *entry.tests]:
                owners.setdefault(normalized_question(item.text), entry.id)
            owners.setdefault(normalized_question(entry.question), entry.id)
    return owners


def _problems(paths: Paths, questions: List[str]) -> List[str]:
    owners = _faq_owners(paths)
    problems = []
    for text in questions:
        owner = owners.get(normalized_question(text))
        if owner:
            problems.append(
                f"「{text}」はエントリ '{owner}' の質問です。"
                "対象外にすると学習データが矛盾するため、除外できません"
            )
        if "](" in text:
            problems.append(
                f"「{text}」はエンティティの記法 '[..](..)' に見えます。言い換えてください"
            )
    return problems


def _appended(text: str, questions: List[str]) -> str:
    """The file's text with `questions` added to its out-of-scope examples, layout kept."""
    data = round_trip_yaml(sequence=2, offset=0).load(text)
    if isinstance(data, CommentedMap) and data.get("nlu") is None:
        data["nlu"] = CommentedSeq()
    items = data.get("nlu") if isinstance(data, CommentedMap) else None
    if not isinstance(items, CommentedSeq):
        raise EditRejected([f"{FILES[1]}: 'nlu:' のリストが見つかりません"])
    target = next(
        (i for i in items if isinstance(i, CommentedMap) and i.get("intent") == INTENT), None
    )
    if target is None:
        target = CommentedMap([("intent", INTENT), ("examples", "")])
        items.append(target)
    block = str(target.get("examples") or "")
    if block and not block.endswith("\n"):
        block += "\n"
    target["examples"] = LiteralScalarString(block + "".join(f"- {q}\n" for q in questions))
    out = io.StringIO()
    round_trip_yaml(sequence=2, offset=0).dump(data, out)
    return out.getvalue()


def _checked(paths: Paths, text: str, expected: List[str]) -> None:
    """The new text, read back from a scratch file as Rasa would, says exactly `expected`."""
    with tempfile.TemporaryDirectory(prefix="scope-edit-") as scratch:
        copy = Path(scratch) / paths.out_of_scope.name
        copy.write_text(text, encoding="utf-8")
        try:
            found = _examples_of(copy.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise EditRejected(
                [f"{FILES[1]}: 書き込む内容を YAML として読めません: {error}"]
            ) from None
    if found != expected:
        raise EditRejected([f"{FILES[1]}: 書き込む内容を読み直すと例文が一致しません"])


def dismiss_questions(paths: Paths, questions: List[str]) -> List[str]:
    """Appends the questions the shop does not have yet as out-of-scope examples; returns them.

    Raises EditRejected (nothing written) for an imported corpus or a question of an entry.
    """
    if not paths.shop:
        raise EditRejected([NOT_THE_SHOP])
    with EDIT_LOCK:
        problems = _problems(paths, questions)
        if problems:
            raise EditRejected(problems)
        known = {normalized_question(q) for q in out_of_scope_examples(paths.project)}
        new: List[str] = []
        for text in questions:
            key = normalized_question(text)
            if key and key not in known:
                known.add(key)
                new.append(text)
        if not new:
            return []
        path = paths.out_of_scope
        before = path.read_text(encoding="utf-8") if path.exists() else 'version: "3.1"\nnlu:\n'
        text = _appended(before, new)
        _checked(paths, text, _examples_of(before) + new)
        write_atomically(path, text)
    return new
