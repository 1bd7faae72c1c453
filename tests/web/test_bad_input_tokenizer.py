"""Bad input for the Sudachi tokenizer, generated: any Unicode, emoji, kaomoji, markup, 100 kB
of text. Tokens stay ordered, non-overlapping and within the text.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.web.bad_text import EMOJI_AND_KAOMOJI, MARKUP

# ---------------------------------------------------------------- the Sudachi tokenizer


@pytest.fixture(scope="module")
def segmenter():
    from bot.nlu.segmenter import SudachiSegmenter

    return SudachiSegmenter("C")


def check_tokens(text: str, tokens) -> None:
    end = 0
    for token in tokens:
        assert end <= token.start < token.end <= len(text), (token.start, token.end, end)
        assert text[token.start : token.end].strip(), (token.start, token.end)
        assert token.text and token.lemma is not None
        end = token.end
    if any(not ch.isspace() for ch in text):
        assert tokens, "a message with any visible character must get a token"


# Text Python can hold in a str that came from UTF-8 (no surrogates).
unicode_text = st.text(st.characters(codec="utf-8"), max_size=200)


@settings(max_examples=200, deadline=None, database=None)
@given(
    text=unicode_text
    | st.lists(
        st.sampled_from(EMOJI_AND_KAOMOJI + MARKUP + ["ｶｲﾔｸ", "ＯＣＮ", "\u3000", "\n"])
    ).map("".join)
)
@example(text="")
@example(text="\x00\x01\x7f")
@example(text="\u200b\u200d\ufeff")
@example(text="\U0010ffff\U000e0001")
@example(text="a\u0301\u0301\u0301")
@example(text="\ufffd\ufffe\uffff")
def test_tokens_are_ordered_non_overlapping_and_within_the_text(segmenter, text):
    check_tokens(text, segmenter.tokens(text))


@settings(
    max_examples=5,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.data_too_large],
)
@given(unit=st.text(st.characters(codec="utf-8"), min_size=1, max_size=12))
@example(unit="解約😀( ̄^ ̄)ゞ")
@example(unit="あ")
def test_100_kb_of_text_is_tokenized_within_bounds(segmenter, unit):
    text = (unit * (100_000 // len(unit) + 1))[:100_000]
    tokens = segmenter.tokens(text)
    check_tokens(text, tokens)
