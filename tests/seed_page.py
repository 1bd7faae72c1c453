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


def in_seed(passage: str) -> bool:
    """Whether `passage` is on the seed page word for word (whitespace aside)."""
    return bool(squash(passage)) and squash(passage) in SQUASHED_SEED
