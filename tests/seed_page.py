"""The seed FAQ page (seed/faq_page.txt) every answer must be true to, and how tests look passages up in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_PAGE = ROOT / "seed" / "faq_page.txt"
SEED_TEXT = SEED_PAGE.read_text(encoding="utf-8")


def squash(text: str) -> str:
    """The text without any whitespace: the page wraps and spaces its sentences freely."""
    return re.sub(r"\s+", "", text)


SQUASHED_SEED = squash(SEED_TEXT)
# What a reply may state only in the seed's words: a date rule, a time, an amount, a phone number,
# a categorical 「できません」.
FACT = re.compile(
    r"0\d{2,3}-[\d-]*\d|\d{1,2}:\d{2}|\d+万円|\d+カ月|翌営業日|営業日|\d+時|月末|末日|翌月中旬"
    r"|\d{1,2}/\d{1,2}|年末年始|土日祝|土・日・祝日|できません|いただけません|いたしかねます|できかねます"
    r"|おりません"
)


def in_seed(passage: str) -> bool:
    """Whether `passage` is on the seed page word for word (whitespace aside)."""
    return bool(squash(passage)) and squash(passage) in SQUASHED_SEED


def seed_words_around(text: str, start: int, end: int) -> str:
    """The longest stretch of `text` (squashed) around text[start:end] that is on the seed page."""
    if text[start:end] not in SQUASHED_SEED:
        return ""
    while True:
        if start > 0 and text[start - 1 : end] in SQUASHED_SEED:
            start -= 1
        elif end < len(text) and text[start : end + 1] in SQUASHED_SEED:
            end += 1
        else:
            return text[start:end]
