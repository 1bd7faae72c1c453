"""Another corpus never writes over the shop's generated data or models."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.corpora import prepare, workspace
from bot.faq.commands import cmd_faq_build

ROOT = Path(__file__).resolve().parents[2]


def test_the_shop_corpus_uses_data_and_models():
    space = workspace(Path("faq_corpus"))
    assert space.shop and space.data == Path("data") and space.models == Path("models")
    assert space.faq_data == Path("data/nlu/faq.yml")


def test_another_corpus_gets_a_workspace_of_its_own(tmp_path):
    corpus = tmp_path / "my_faq"
    corpus.mkdir()
    (corpus / "general.yml").write_text(
        "category: general\nentries:\n"
        "  - id: opening_hours\n    title: 営業時間\n    question: 営業時間は?\n"
        "    answer: 平日9時から17時です。\n",
        encoding="utf-8",
    )
    space = workspace(corpus)
    assert not space.shop
    assert space.models.parent == Path("models") and space.models.name.startswith("my_faq-")
    assert space.data.parts[:2] == ("var", "corpora")
    assert workspace(corpus) == space  # the same folder, the same workspace
    shop_before = (ROOT / "data/nlu/faq.yml").read_bytes()
    try:
        args = argparse.Namespace(corpus=corpus, output=space.faq_data, check=False)
        assert cmd_faq_build(args) == 0
        prepare(space)
        built = space.faq_data.read_text(encoding="utf-8")
        assert "faq/opening_hours" in built and "営業時間は?" in built
        intents = (space.data / "nlu" / "intents.yml").read_text(encoding="utf-8")
        assert "intent: greet" in intents and "out_of_scope" not in intents
        assert (space.data / "rules").is_dir() and (space.data / "stories").is_dir()
        assert (ROOT / "data/nlu/faq.yml").read_bytes() == shop_before
    finally:
        import shutil

        shutil.rmtree(space.data.parent, ignore_errors=True)
