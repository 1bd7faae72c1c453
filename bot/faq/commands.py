"""`python -m bot faq check|build|import`: the corpus commands, also run by `train` for a corpus
with its own data folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SHOP_CORPUS = Path("faq_corpus")
CATALOG = Path("faq_catalog.yml")


def _is_shop_corpus(corpus: Path) -> bool:
    return corpus.resolve() == SHOP_CORPUS.resolve()


def _catalog_for(corpus: Path):
    from bot.faq.catalog import load_catalog

    catalog = load_catalog(CATALOG)
    return (catalog if _is_shop_corpus(corpus) else None), catalog.contacts


def cmd_faq_check(args: argparse.Namespace) -> int:
    from bot.faq.check import Rules, check_corpus

    catalog, contacts = _catalog_for(args.corpus)
    rules = Rules() if _is_shop_corpus(args.corpus) else Rules(min_examples=0, min_tests=0)
    problems = check_corpus(args.corpus, catalog, contacts, rules)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {args.corpus}/", file=sys.stderr)
        return 1
    print(f"{args.corpus}/: OK")
    return 0


def cmd_faq_build(args: argparse.Namespace) -> int:
    from bot.faq.build import ordered_entries, render_training_data

    if cmd_faq_check(args) != 0:
        return 1
    catalog, contacts = _catalog_for(args.corpus)
    text = render_training_data(ordered_entries(args.corpus, catalog), contacts, str(args.corpus))
    output: Path = args.output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            print(
                f"{output} is not what `python -m bot faq build` makes from {args.corpus}/: "
                "run it and commit the result",
                file=sys.stderr,
            )
            return 1
        print(f"{output}: up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}")
    return 0


def cmd_faq_import(args: argparse.Namespace) -> int:
    from bot.faq.importer import run_import

    if _is_shop_corpus(args.into):
        print(
            f"{args.into}/ is the shop's corpus, checked against {CATALOG}: "
            "import into another folder",
            file=sys.stderr,
        )
        return 2
    contacts = _catalog_for(args.into)[1] if CATALOG.exists() else {}
    return run_import(args.file, args.into, args.dry_run, sys.stdout, sys.stderr, contacts)
