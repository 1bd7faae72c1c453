"""The Sudachi tokenizer: offsets, normalisation, variants, odd and long input."""

from __future__ import annotations

import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.sudachi_tokenizer import SudachiSegmenter, SudachiTokenizer


@pytest.fixture(scope="module")
def segmenter() -> SudachiSegmenter:
    return SudachiSegmenter("C")


def _assert_offsets_cover_surface(text, tokens):
    previous_end = 0
    for token in tokens:
        assert 0 <= token.start < token.end <= len(text)
        assert token.start >= previous_end
        previous_end = token.end


def test_offsets_come_from_sudachi_even_for_repeated_words(segmenter):
    text = "請求書の請求書番号を請求書で確認"
    tokens = segmenter.tokens(text)
    starts = [t.start for t in tokens if t.text == "請求書"]
    assert starts == [0, 4, 10]
    for token in tokens:
        assert text[token.start : token.end] == token.text


def test_half_width_kana_keeps_original_offsets_and_full_width_text(segmenter):
    text = "ｸﾚｼﾞｯﾄｶｰﾄﾞで払えますか"
    first = segmenter.tokens(text)[0]
    assert (first.start, first.end) == (0, 10)
    assert first.text == "クレジットカード"
    assert text[first.start : first.end] == "ｸﾚｼﾞｯﾄｶｰﾄﾞ"


def test_full_width_alphanumerics_are_normalised(segmenter):
    text = "ＯＣＮ光の請求は１２月"
    tokens = segmenter.tokens(text)
    assert tokens[0].text == "ocn"
    assert text[tokens[0].start : tokens[0].end] == "ＯＣＮ"
    assert any(t.text == "12" for t in tokens)


@pytest.mark.parametrize("variant", ["申込", "申し込み", "申込み"])
def test_spelling_variants_share_one_lemma(segmenter, variant):
    tokens = segmenter.tokens(f"{variant}をキャンセルしたい")
    assert tokens[0].lemma == "申し込み"


def test_punctuation_and_spaces_are_not_tokens(segmenter):
    texts = [t.text for t in segmenter.tokens("支払い方法は?　教えて!")]
    assert "?" not in texts and "!" not in texts and " " not in texts
    assert texts == ["支払い方法", "は", "教え", "て"]


@pytest.mark.parametrize("text", ["( ̄^ ̄)ゞ", "😀😀😀", "了解( ̄^ ̄)ゞです😀", "！？", "\u200b"])
def test_emoji_and_kaomoji_are_safe(segmenter, text):
    tokens = segmenter.tokens(text)
    _assert_offsets_cover_surface(text, tokens)


def test_kaomoji_alone_still_yields_tokens(segmenter):
    # A message of symbols only must not reach the featurizers with zero tokens.
    assert segmenter.tokens("( ̄^ ̄)ゞ")


def test_empty_text_gives_no_tokens(segmenter):
    assert segmenter.tokens("") == []
    assert segmenter.tokens("   \n") == []


def test_five_thousand_characters(segmenter):
    text = ("注文の流れを教えてください。" * 400)[:5000]
    tokens = segmenter.tokens(text)
    _assert_offsets_cover_surface(text, tokens)
    assert tokens[-1].end <= 5000
    assert len(tokens) > 1000


def test_input_beyond_sudachis_own_limit_is_chunked(segmenter):
    # Sudachi rejects ~49 KB inputs on its own; the segmenter splits them.
    text = "あ" * 30000
    tokens = segmenter.tokens(text)
    _assert_offsets_cover_surface(text, tokens)
    assert tokens[-1].end == 30000


def test_split_mode_is_configurable():
    assert [t.text for t in SudachiSegmenter("A").tokens("請求書払い")] == ["請求", "書", "払い"]
    assert [t.text for t in SudachiSegmenter("C").tokens("請求書払い")] == ["請求書払い"]


def test_unknown_split_mode_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="split_mode"):
        SudachiSegmenter("D")


def test_component_sets_tokens_on_rasa_messages():
    tokenizer = SudachiTokenizer({**SudachiTokenizer.get_default_config(), "split_mode": "C"})
    message = Message(data={TEXT: "口座振替の申込みは何日かかる?"})
    tokenizer.process([message])
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert [t.lemma for t in tokens][:3] == ["口座振替", "の", "申し込み"]
    assert all(message.get(TEXT)[t.start : t.end] for t in tokens)
