"""A snapshot is plain data, content-addressed, and the same FAQ index the model was trained with."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from bot.knowledge.build import build_snapshot
from bot.knowledge.snapshot import Snapshot, SnapshotError

from .conftest import ROOT


def test_the_same_corpus_gives_the_same_id(shop_snapshot):
    again = build_snapshot(ROOT / "faq_corpus", project_dir=ROOT)
    assert again.id == shop_snapshot.id
    assert again.content() == shop_snapshot.content()  # only the build time differs


def test_a_snapshot_file_holds_json_and_arrays_only(shop_snapshot):
    with zipfile.ZipFile(io.BytesIO(shop_snapshot.to_bytes())) as archive:
        names = set(archive.namelist())
        document = json.loads(archive.read("snapshot.json"))
    assert names == {"snapshot.json"} | {f"{n}.npy" for n in shop_snapshot.arrays}
    assert document["id"] == shop_snapshot.id
    entry = next(e for e in document["entries"] if e["id"] == "receipt")
    assert entry["title"] and entry["answer"] and entry["examples"] and entry["tests"]
    assert "{" not in entry["answer"]  # the catalog's placeholders are expanded
    read = Snapshot.from_bytes(shop_snapshot.to_bytes(), shop_snapshot.id)
    assert read.id == shop_snapshot.id
    assert np.array_equal(read.arrays["examples"], shop_snapshot.arrays["examples"])


def test_a_damaged_or_substituted_file_is_refused(shop_snapshot):
    data = bytearray(shop_snapshot.to_bytes())
    with pytest.raises(SnapshotError):
        Snapshot.from_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(SnapshotError, match="does not match"):
        Snapshot.from_bytes(bytes(data), expected_id="0" * 16)
    # content changed under the same stated id
    other = Snapshot(
        dict(shop_snapshot.meta),
        [dict(e) for e in shop_snapshot.entries],
        shop_snapshot.documents,
        shop_snapshot.names,
        dict(shop_snapshot.arrays),
    )
    other.entries[0]["answer"] += "(改ざん)"
    other.id = shop_snapshot.id
    with pytest.raises(SnapshotError, match="does not match"):
        Snapshot.from_bytes(other.to_bytes())


def test_an_answer_edit_changes_the_id_and_only_that_answer(project):
    first = build_snapshot(project / "faq_corpus", project_dir=project)
    path = project / "faq_corpus" / "invoices.yml"
    text = path.read_text(encoding="utf-8")
    first_line = "お支払い方法により、領収書のお渡し方法が異なります。"
    assert text.count(first_line) == 1
    path.write_text(text.replace(first_line, "【改定】" + first_line), encoding="utf-8")
    second = build_snapshot(project / "faq_corpus", project_dir=project, base=first)
    assert second.id != first.id
    changed = [e["id"] for e, f in zip(second.entries, first.entries) if e["answer"] != f["answer"]]
    assert len(changed) == 1
    # no example changed: the classifier's fit starting from the live weights did not move them
    assert np.array_equal(second.arrays["coef"], first.arrays["coef"])


def test_the_snapshot_is_the_index_the_model_was_trained_with(shop_snapshot, agent):
    """Built without Rasa, from the corpus: the same examples, vectors, words and weights as
    the trained FAQ ranker's (so a publish answers as the model would)."""
    from bot.evaluation.context_methods import faq_ranker

    ranker = faq_ranker(agent)
    assert shop_snapshot.keys == ranker._keys  # noqa: SLF001
    assert shop_snapshot.documents == ranker._documents  # noqa: SLF001
    assert np.allclose(shop_snapshot.arrays["examples"], ranker._examples, atol=1e-6)  # noqa: SLF001
    assert np.array_equal(shop_snapshot.arrays["starts"], ranker._starts)  # noqa: SLF001
    assert np.allclose(shop_snapshot.arrays["coef"], ranker._coef, atol=1e-3)  # noqa: SLF001
