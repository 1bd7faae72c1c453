"""What the content editor's saving tests share: a small corpus of another shop, and helpers to
read, diff, check and build a scratch project's corpus (its fixtures `shop` and `mini`: conftest.py)."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Dict, List

from bot.faq.build import ordered_entries, render_training_data
from bot.faq.catalog import load_catalog
from bot.faq.check import Rules, check_corpus
from bot.web.corpus_edit import Paths

MINI = """\
# A small corpus of another shop: no catalog ids, no minimum of examples.
category: shop
entries:
  - id: opening_hours
    title: 営業時間
    question: 営業時間は?
    answer: 平日9時から17時です。  # short answer
    examples: []
    tests: []
"""


def files_of(paths: Paths) -> Dict[Path, bytes]:
    found = [p for p in paths.corpus.iterdir() if p.is_file()]
    found += [paths.catalog, paths.training_data]
    return {p: p.read_bytes() for p in sorted(found) if p.exists()}


def changed_lines(before: bytes, after: bytes) -> List[str]:
    diff = difflib.ndiff(before.decode().splitlines(), after.decode().splitlines())
    return [line for line in diff if line[:1] in "+-"]


def problems(paths: Paths) -> List[str]:
    catalog = load_catalog(paths.catalog)
    rules = Rules() if paths.shop else Rules(min_examples=0, min_tests=0)
    return check_corpus(paths.corpus, catalog if paths.shop else None, catalog.contacts, rules)


def built(paths: Paths) -> str:
    catalog = load_catalog(paths.catalog)
    entries = ordered_entries(paths.corpus, catalog if paths.shop else None)
    return render_training_data(entries, catalog.contacts, paths.corpus.name)


def new_entry(**fields) -> dict:
    data = {
        "title": "領収書の再発行",
        "question": "領収書は再発行できますか?",
        "answer": "領収書の再発行は、{billing_center}までお問い合わせください。",
        "examples": [
            "領収書をもう一度発行してほしい",
            "領収書を再発行してもらえますか",
            "領収書 再発行",
            "なくした領収書をもう一度もらえますか",
            "領収書を紛失したので再発行したい",
            "りょうしゅうしょ さいはっこう",
            "領収書の再交付はできますか",
            "領収書を再度送ってもらうことは可能ですか",
            "捨ててしまった領収書を出し直してほしい",
            "領収書をなくしました。再発行の手続きは?",
            "再発行の領収書はどこに頼めばいいですか",
            "経理に出す領収書を紛失してしまいました",
        ],
        "tests": [
            "領収書をもう一回出してもらえる?",
            "紛失した領収書の再発行をお願いしたい",
            "領収書を出し直してもらうには",
        ],
    }
    data.update(fields)
    return data
