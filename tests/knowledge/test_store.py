"""Publishing is one atomic step: a publish cut short changes nothing, two at once never both win,
and every earlier snapshot can come back."""

from __future__ import annotations

import os

import pytest

from bot.knowledge.snapshot import Snapshot
from bot.knowledge.store import KnowledgeStore, NothingToRollBack, PublishConflict


def variant(snapshot: Snapshot, marker: str) -> Snapshot:
    """The same snapshot with one answer changed (a new id)."""
    entries = [dict(e) for e in snapshot.entries]
    entries[0]["answer"] = marker + entries[0]["answer"]
    return Snapshot(
        dict(snapshot.meta), entries, snapshot.documents, snapshot.names, snapshot.arrays
    ).sealed()


@pytest.fixture
def store(tmp_path, shop_snapshot) -> KnowledgeStore:
    (tmp_path / "faq_corpus").mkdir()
    return KnowledgeStore("faq_corpus", tmp_path)


def test_publish_names_the_snapshot_and_keeps_who_and_what(store, shop_snapshot):
    assert store.published_id() is None and store.current() is None
    record = store.publish(shop_snapshot, "editor", ["初回"], expected="")
    assert store.published_id() == shop_snapshot.id == record.id
    assert store.current().id == shop_snapshot.id
    assert store.folder.name == "shop"
    [line] = store.history()
    assert (line["by"], line["action"], line["changes"]) == ("editor", "publish", ["初回"])


def test_a_publish_checked_against_an_older_snapshot_is_refused(store, shop_snapshot):
    first = store.publish(shop_snapshot, "a", expected="")
    store.publish(variant(shop_snapshot, "B:"), "b", expected=first.id)
    with pytest.raises(PublishConflict):
        store.publish(variant(shop_snapshot, "A:"), "a", expected=first.id)  # overtaken by b
    assert store.current().entries[0]["answer"].startswith("B:")


def test_a_publish_cut_short_leaves_the_old_snapshot_serving(store, shop_snapshot, monkeypatch):
    store.publish(shop_snapshot, "a", expected="")
    new = variant(shop_snapshot, "NEW:")
    real_replace = os.replace

    def crash(source, target):
        if str(target).endswith("published.json"):
            raise KeyboardInterrupt("killed before the rename")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        store.publish(new, "a", expected=shop_snapshot.id)
    monkeypatch.setattr(os, "replace", real_replace)
    assert store.published_id() == shop_snapshot.id  # the old one serves
    assert not list(store.folder.glob(".published.json-*"))  # no half-written pointer left
    store.publish(new, "a", expected=shop_snapshot.id)  # and the next publish works
    assert store.published_id() == new.id


def test_rollback_brings_the_previous_snapshot_back_and_says_so(store, shop_snapshot):
    with pytest.raises(NothingToRollBack):
        store.rollback("a")
    store.publish(shop_snapshot, "a", expected="")
    second = variant(shop_snapshot, "2:")
    store.publish(second, "b", expected=shop_snapshot.id)
    record = store.rollback("c")
    assert store.published_id() == shop_snapshot.id
    assert (record.action, record.previous, record.by) == ("rollback", second.id, "c")
    assert [h["action"] for h in store.history()] == ["publish", "publish", "rollback"]


def test_old_snapshots_are_pruned_but_never_the_live_one_or_its_predecessor(store, shop_snapshot):
    ids = []
    previous = ""
    for i in range(6):
        snapshot = variant(shop_snapshot, f"{i}:")
        store.publish(snapshot, "a", expected=previous)
        previous = snapshot.id
        ids.append(snapshot.id)
    store.prune(keep=2)
    kept = {p.stem for p in store.snapshots.glob("*.zip")}
    assert kept == set(ids[-2:])
    assert store.current().id == ids[-1]
