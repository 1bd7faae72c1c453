"""A worker's copy of the published snapshot: pulled, verified, swapped whole."""

from __future__ import annotations

import json

from bot.knowledge.build import RANKER_DEFAULTS
from bot.knowledge.live import LiveKnowledge, knowledge_url

from .test_store import variant

RANKING = {**RANKER_DEFAULTS, "weights": {"bm25": 0.25, "classifier": 1.0}}


def served(snapshot, status=200):
    calls = []

    def fetch(current):
        calls.append(current)
        if status != 200 or current == snapshot.id:
            return (304 if status == 200 else status), {}, b""
        return 200, {"etag": f'"{snapshot.id}"'}, snapshot.to_bytes()

    return fetch, calls


def test_a_pull_installs_the_published_snapshot_and_its_index(shop_snapshot):
    live = LiveKnowledge("http://web/internal/knowledge")
    builder = shop_snapshot.meta["builder"]
    assert live.index_for(RANKING, builder) is None  # nothing pulled yet: the model's index
    fetch, calls = served(shop_snapshot)
    assert live.pull_once(fetch) is True
    assert calls == ["", shop_snapshot.id]  # asked again at once: the web app sees the swap
    index = live.index_for(RANKING, builder)
    assert index.snapshot_id == shop_snapshot.id and index.keys == shop_snapshot.keys
    assert live.serving == shop_snapshot.id  # what its next pull tells the web app
    assert live.pull_once(fetch) is False  # 304: unchanged
    assert live.index_for(RANKING, builder) is index


def test_a_new_snapshot_replaces_the_index_in_one_swap(shop_snapshot):
    live = LiveKnowledge("http://web/internal/knowledge")
    builder = shop_snapshot.meta["builder"]
    live.pull_once(served(shop_snapshot)[0])
    old = live.index_for(RANKING, builder)
    edited = variant(shop_snapshot, "【改定】")
    live.pull_once(served(edited)[0])
    new = live.index_for(RANKING, builder)
    assert new is not old and new.snapshot_id == edited.id
    key = f"faq/{edited.entries[0]['id']}"
    assert new.answer_of(key).startswith("【改定】")
    assert not old.answer_of(key).startswith("【改定】")  # a turn holding the old one keeps it


def test_a_damaged_download_keeps_the_current_snapshot(shop_snapshot):
    live = LiveKnowledge("http://web/internal/knowledge")
    live.pull_once(served(shop_snapshot)[0])
    edited = variant(shop_snapshot, "x")

    def damaged(current):
        return 200, {"etag": f'"{edited.id}"'}, edited.to_bytes()[:-100]

    assert live.pull_once(damaged) is False
    assert live.snapshot.id == shop_snapshot.id


def test_a_snapshot_built_with_another_config_is_not_used(shop_snapshot):
    live = LiveKnowledge("http://web/internal/knowledge")
    live.pull_once(served(shop_snapshot)[0])
    other = json.loads(json.dumps(shop_snapshot.meta["builder"]))
    other["classifier_c"] = 1
    assert live.index_for(RANKING, other) is None
    assert live.serving == ""  # its pulls say it answers from its model's own index


def test_the_knowledge_url_follows_the_model_server():
    assert knowledge_url({"MODEL_SERVER_URL": "http://127.0.0.1:8000/internal/model"}) == (
        "http://127.0.0.1:8000/internal/knowledge"
    )
    assert knowledge_url({"KNOWLEDGE_URL": "http://x/k"}) == "http://x/k"
    assert knowledge_url({}) == ""
