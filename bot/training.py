"""`python -m bot train`: check and build a corpus, train, then validate and publish the model.

Which config a corpus gets, the training itself (bot/models.py), and what `--validate` and
`--no-publish` do (bot/serving/publish.py): the content editor trains with both, and publishes
only a model that passed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FEW_EXAMPLES = 3  # median examples per entry below which a corpus counts as "one question each"


def default_config(corpus: Path) -> Path:
    """config.yml, or config_few_examples.yml for another corpus with few examples per entry."""
    from statistics import median

    from bot.corpora import is_shop
    from bot.faq.corpus import load_corpus

    if is_shop(corpus):
        return Path("config.yml")
    counts = [len(e.examples) for f in load_corpus(corpus) for e in f.entries]
    few = not counts or median(counts) < FEW_EXAMPLES
    return Path("config_few_examples.yml" if few else "config.yml")


def cmd_train(args: argparse.Namespace) -> int:
    from bot.corpora import prepare, workspace
    from bot.models import train_model

    space = workspace(args.corpus)
    out = args.out or space.models
    if not space.shop:  # its own data folder: check, build, then train into models/<name>/
        from bot.faq.commands import cmd_faq_build

        build = argparse.Namespace(corpus=args.corpus, output=space.faq_data, check=False)
        if cmd_faq_build(build) != 0:
            return 1
        prepare(space)

    finetune = None
    if args.finetune:  # from the model customers get now
        from bot.models import NoModelError, published_model

        try:
            finetune = published_model(out)
        except NoModelError as error:
            print(error, file=sys.stderr)
            return 1
    config = args.config or default_config(args.corpus)
    print(f"config: {config}")
    model = train_model(
        config=config,
        data=space.data,
        out=out,
        force=args.force,
        finetune=finetune,
        epoch_fraction=args.epoch_fraction,
    )
    return _validate_and_publish(args, model)


def _validate_and_publish(args: argparse.Namespace, model: Path) -> int:
    """--validate: load the model and check the canonical questions (rejected if it fails);
    then publish it, unless --no-publish (the content editor publishes after validating)."""
    import json

    from bot.serving.publish import publish, reject, validate_model

    validation = None
    if args.validate:
        validation = validate_model(model, args.corpus)
        print("validation: " + json.dumps(validation, ensure_ascii=False), flush=True)
        if not validation["ok"]:
            print(f"rejected: {reject(model, Path.cwd())}", file=sys.stderr)
            return 3
    if not args.no_publish:
        publish(model, validation)
        # The FAQ content for this model's config (bot/knowledge/): live without a new model.
        from bot.knowledge.commands import publish_corpus

        publish_corpus(args.corpus, "bot train", confirm=True)
    print(f"model: {model}")
    return 0
