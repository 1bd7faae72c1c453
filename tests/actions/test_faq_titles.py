"""Button titles follow the corpus files while the action server runs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from actions.faq_titles import faq_titles

ROOT = Path(__file__).resolve().parents[2]


def test_titles_are_read_again_after_an_edit(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "faq_corpus", corpus)
    before = faq_titles(str(corpus))
    assert before["receipt"][0] == "領収書の発行"
    path = corpus / "invoices.yml"
    path.write_text(
        path.read_text("utf-8").replace("title: 領収書の発行", "title: 領収書がほしい"), "utf-8"
    )
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert faq_titles(str(corpus))["receipt"][0] == "領収書がほしい"
