"""Bad input for the chat API (against the stack), generated: random Unicode, control characters,
lone surrogates, 100 kB strings, emoji and kaomoji, HTML and script, invalid JSON and wrong types.

No crash, a clear error, nothing stored half-written. The same properties for the Sudachi
tokenizer: test_bad_input_tokenizer.py; for the FAQ compiler: test_bad_input_compiler.py.
tests/nlu/test_sudachi_tokenizer.py and tests/faq/ cover fixed examples; these are properties.
"""

from __future__ import annotations

import json
import re
import unicodedata

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.web.bad_text import EMOJI_AND_KAOMOJI, MARKUP

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ALLOWED = {200, 400, 413, 415, 422, 429, 503}
# Rasa commands a visitor can type: Rasa runs them and says nothing.
SILENT_COMMANDS = ["/restart", "/session_start", "/back", "/faq"]
FAST = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Any code point, lone surrogates included (json.dumps escapes them as \udXXX).
any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
any_text = st.text(any_char, max_size=60)
questions = st.one_of(
    any_text,
    st.lists(st.sampled_from(EMOJI_AND_KAOMOJI + MARKUP + ["解約", "注文", "\x00", "\u200b"]))
    .map("".join)
    .filter(bool),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=20).map(lambda s: s * 30),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=10,
)


# ---------------------------------------------------------------- the chat API


def check_answer(response: httpx.Response) -> None:
    """A status the page understands and a JSON body: replies, or a Japanese error."""
    assert response.status_code in ALLOWED, (response.status_code, response.text[:300])
    body = response.json()
    assert isinstance(body, dict)
    if response.status_code == 200:
        assert body["replies"] and all(isinstance(r["text"], str) for r in body["replies"])
        return
    assert isinstance(body["error"], str) and JAPANESE.search(body["error"]), body
    if response.status_code == 429:
        assert int(response.headers["retry-after"]) > 0


def check_history(client: httpx.Client) -> None:
    """The session still reads back, and holds only what was cleaned and answered."""
    response = client.get("/api/session")
    assert response.status_code == 200, response.text[:300]
    history = response.json()["history"]
    for entry in history:
        assert entry["from"] in ("user", "bot") and isinstance(entry["text"], str)
        if entry["from"] == "user":
            text = entry["text"]
            assert text and text == text.strip() and len(text) <= 500
            assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)
            assert not any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text)


def post_json_bytes(client: httpx.Client, body: bytes, content_type="application/json"):
    return client.post("/api/chat", content=body, headers={"content-type": content_type})


@pytest.fixture(scope="module")
def chat(stack):
    with stack.client() as client:
        yield client


@FAST
@given(text=questions)
@example(text="\ud800")
@example(text="\udfff解約")
@example(text="\x00\x01\x1b[31m解約\x7f")
@example(text="<script>alert(1)</script>")
@example(text="( ̄^ ̄)ゞ😀👨‍👩‍👧‍👦")
@example(text="あ" * 500)
def test_any_text_gets_replies_or_a_clear_error(chat, text):
    response = post_json_bytes(chat, json.dumps({"text": text}).encode())
    check_answer(response)
    if "<script" in text.lower():
        assert "<script" not in response.text.lower()
    check_history(chat)


@FAST
@given(value=json_values)
@example(value=[])
@example(value={"text": None})
@example(value={"text": {"text": "解約"}})
@example(value={"text": 1e308})
@example(value={"text": "解約", "display": ["x"]})
def test_any_json_value_gets_replies_or_a_clear_error(chat, value):
    for body in (value, {"text": value}):
        check_answer(post_json_bytes(chat, json.dumps(body).encode()))
    check_history(chat)


@FAST
@given(body=st.binary(max_size=200))
@example(body=b"")
@example(body=b"\xef\xbb\xbf{}")
@example(body=b'{"text": "\xff"}')
@example(body=b'{"text": NaN}')
@example(body=b'{"text": ' + b"9" * 5000 + b"}")
@example(body=b"[" * 50 + b"]" * 50)
def test_any_bytes_get_a_clear_error_or_replies(chat, body):
    check_answer(post_json_bytes(chat, body))
    check_history(chat)


@FAST
@given(
    content_type=st.sampled_from(
        ["", "text/plain", "application/xml", "multipart/form-data", "application/json5", "*/*"]
    )
    | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30).map(str.strip)
)
def test_any_content_type_but_json_is_415(stack, content_type):
    with stack.client() as client:
        response = post_json_bytes(client, '{"text": "解約"}'.encode(), content_type)
        check_answer(response)
        if content_type.split(";")[0].strip().lower() != "application/json":
            assert response.status_code == 415


@pytest.mark.parametrize(
    "text, status",
    [
        ("a" * 100_000, 422),  # 100 kB of ASCII: under the body limit, over 500 characters
        ("あ" * 100_000, 413),  # 300 kB of UTF-8: over the body limit
        ("😀" * 25_000, 422),  # 100 kB of emoji
        ("<b>" * 40_000, 422),
    ],
    ids=["ascii", "kana", "emoji", "html"],
)
def test_100_kb_strings_get_a_clear_error(stack, text, status):
    with stack.client() as client:
        body = json.dumps({"text": text}, ensure_ascii=False).encode()
        response = post_json_bytes(client, body)
        assert response.status_code == status
        check_answer(response)
        check_history(client)


@pytest.mark.parametrize("text", EMOJI_AND_KAOMOJI + MARKUP)
def test_emoji_kaomoji_and_markup_are_answered(stack, text):
    with stack.client() as client:
        response = client.post("/api/chat", json={"text": text})
        assert response.status_code == 200, response.text
        check_answer(response)
        check_history(client)


@pytest.mark.parametrize("command", SILENT_COMMANDS)
def test_a_typed_rasa_command_is_not_reported_as_an_outage(stack, command):
    with stack.client() as client:
        response = client.post("/api/chat", json={"text": command})
        check_answer(response)
        assert client.get("/healthz").json()["down"] == []
    assert response.status_code == 200, response.text


def test_deeply_nested_json_is_a_400_not_a_500(stack):
    with stack.client() as client:  # a 500 closes the connection: a client of its own
        response = post_json_bytes(client, b"[" * 100_000 + b"]" * 100_000)
    check_answer(response)
    assert response.status_code == 400


def test_a_lone_surrogate_in_display_never_breaks_the_session(stack):
    with stack.client() as client:
        response = post_json_bytes(client, b'{"text": "\\u89e3\\u7d04", "display": "\\ud800"}')
        check_answer(response)
        check_history(client)
