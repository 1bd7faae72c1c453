"""Bad input, generated: random Unicode, control characters, lone surrogates, 100 kB strings,
emoji and kaomoji, HTML and script, invalid JSON and wrong types.

No crash, a clear error, nothing stored half-written: for the chat API (against the stack), for
the Sudachi tokenizer and for the FAQ compiler (`bot faq check` + `bot faq build`).
tests/nlu/test_sudachi_tokenizer.py and tests/faq/ cover fixed examples; these are properties.
"""

from __future__ import annotations

import json
import re
import tempfile
import unicodedata
from pathlib import Path

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from bot.faq.build import render_answer, render_training_data
from bot.faq.catalog import load_catalog
from bot.faq.check import Rules, check_corpus
from bot.faq.corpus import load_corpus, normalized_question

ROOT = Path(__file__).resolve().parents[2]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ALLOWED = {200, 400, 413, 415, 422, 429, 503}
EMOJI_AND_KAOMOJI = [
    "😀",
    "👨‍👩‍👧‍👦",
    "🇯🇵",
    "( ̄^ ̄)ゞ",
    "(´・ω・`)",
    "m(_ _)m",
    "＼(^o^)／",
    "ヽ(*´∀`)ノ",
    "(╯°□°）╯︵ ┻━┻",
    "☺︎",
    "1️⃣",
]
MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"'><svg/onload=alert(1)>",
    "javascript:alert(1)",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "'; DROP TABLE turns; --",
    "[解約](faq)",
    "/check_order_status",
    '/check_order_status{"order_number": "ORD-10000001"}',
    "/greet",
]
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


# ---------------------------------------------------------------- the FAQ compiler


CONTACTS = load_catalog(ROOT / "faq_catalog.yml").contacts
# What a YAML file can hold (YAML 1.1 and 1.2 printable characters): the property is about
# what the compiler does with any text the content team can save in a corpus file.
printable = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters="\ufffe\uffff"
)
TRICKY = ["\n", "\t", " ", "\u3000", "\u2028", "{contact_center}", "#", ": ", "- ", "|", "'", '"']
pieces = st.one_of(printable, printable, printable, st.sampled_from(TRICKY))


def texts(max_pieces: int):
    """Text that is not blank (blank fields are reported, which tests/faq already covers)."""
    return st.lists(pieces, min_size=1, max_size=max_pieces).map("".join).filter(str.strip)


entries = st.lists(
    st.fixed_dictionaries(
        {
            "title": texts(30),
            "question": texts(30),
            "answer": texts(100),
            "examples": st.lists(texts(30), max_size=4),
            "tests": st.lists(texts(30), max_size=2),
        }
    ),
    min_size=1,
    max_size=4,
)


def write_corpus(folder: Path, items) -> None:
    data = {
        "category": "shop",
        "entries": [{"id": f"entry_{i}", **item} for i, item in enumerate(items)],
    }
    writer = YAML(typ="rt")
    writer.allow_unicode = True
    with (folder / "shop.yml").open("w", encoding="utf-8") as out:
        writer.dump(data, out)


def examples_of(block: str):
    lines = block.splitlines()
    assert all(line.startswith("- ") for line in lines), lines
    return [line[2:] for line in lines]


def check_compiled(folder: Path) -> None:
    problems = check_corpus(folder, None, CONTACTS, Rules(min_examples=0, min_tests=0))
    if problems:
        assert all(isinstance(p, str) and re.match(r".+:\d+: ", p) for p in problems), problems
        return
    entries = [e for f in load_corpus(folder) for e in f.entries]
    text = render_training_data(entries, CONTACTS, "mini")
    data = yaml.safe_load(text)  # valid YAML ...
    trained = {item["intent"]: examples_of(item["examples"]) for item in data["nlu"]}
    assert list(trained) == [f"faq/{e.id}" for e in entries]
    for entry in entries:  # ... that gives back every question, once, on one line
        expected, seen = [], set()
        for question in [entry.question] + [item.text for item in entry.examples]:
            key = normalized_question(question)
            if key and key not in seen:
                seen.add(key)
                expected.append(" ".join(question.split()))
        assert trained[f"faq/{entry.id}"] == expected
        answer = data["responses"][f"utter_faq/{entry.id}"][0]["text"]
        rendered = render_answer(entry.answer, CONTACTS).strip()
        assert answer == "\n".join(line.rstrip() for line in rendered.splitlines())


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(items=entries)
@example(items=[{"title": "t", "question": "q", "answer": "a", "examples": [], "tests": []}])
@example(
    items=[
        {
            "title": "記号",
            "question": "#注文: - | > {contact_center}",
            "answer": "  先頭の空白\n\n\t タブ\n{contact_center}\n- 箇条書き\n# 見出し\u2028行\ufeff\n",
            "examples": ["!!!", "  前後の空白  ", "改行\nを含む", "'引用'", '"二重"'],
            "tests": ["[a](b)"],
        }
    ]
)
def test_the_compiler_reports_problems_or_builds_valid_yaml(items):
    with tempfile.TemporaryDirectory(prefix="faq-prop-") as scratch:
        folder = Path(scratch) / "mini"
        folder.mkdir()
        write_corpus(folder, items)
        check_compiled(folder)


@pytest.mark.parametrize("character", ["\x01", "\x07", "\x1b", "\x7f", "\x9f"])
def test_a_control_character_is_a_problem_not_broken_training_data(tmp_path, character):
    folder = tmp_path / "mini"
    folder.mkdir()
    item = {
        "title": "t",
        "question": f"注文{character}の流れ",
        "answer": "a",
        "examples": [],
        "tests": [],
    }
    write_corpus(folder, [item])
    try:
        check_compiled(folder)
    except yaml.YAMLError as error:
        raise AssertionError(f"the build output is not YAML: {error}") from None


def test_a_raw_control_character_in_a_corpus_file_is_reported_with_its_file(tmp_path):
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "shop.yml").write_text(
        "category: shop\nentries:\n  - id: a\n    title: t\n    question: q\x07\n    answer: a\n",
        encoding="utf-8",
    )
    try:
        problems = check_corpus(folder, None, CONTACTS, Rules(min_examples=0, min_tests=0))
    except Exception as error:  # noqa: BLE001 - any exception is the bug
        raise AssertionError(f"check_corpus raised {type(error).__name__}: {error}") from None
    assert problems and "shop.yml" in problems[0]
