"""Command line: `python -m bot faq check|build`, `train`, `ask`, `serve`, `eval`, `data`,
`knowledge`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bot.faq.commands import SHOP_CORPUS, cmd_faq_build, cmd_faq_check, cmd_faq_import  # noqa: E402


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.ask import run_batch
    from bot.models import NoModelError, latest_model
    from bot.serving.quiet import quiet_rasa

    quiet_rasa()
    if not args.jsonl:
        print(
            "only --jsonl is supported: questions on stdin, JSON lines on stdout", file=sys.stderr
        )
        return 2
    from bot.corpora import workspace

    space = workspace(args.corpus)
    os.environ["FAQ_CORPUS"] = str(args.corpus)  # the action server's button titles
    try:
        model = args.model or str(latest_model(space.models))
    except NoModelError as error:
        print(f"{error} (train it: python -m bot train --corpus {args.corpus})", file=sys.stderr)
        return 1
    if args.as_user:
        from bot.store import Store, ensure_seeded, make_engine

        engine = make_engine()
        ensure_seeded(engine)
        if Store(engine).user(args.as_user) is None:
            print(
                f"no demo user '{args.as_user}' in the store (see data/demo_store.yml)",
                file=sys.stderr,
            )
            return 2
    # stdout carries the JSON lines only: anything libraries print goes to stderr instead.
    out, sys.stdout = sys.stdout, sys.stderr
    try:
        run_batch(model, args.action_url, sys.stdin, out, top=args.top, as_user=args.as_user)
    finally:
        sys.stdout = out
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.privacy.retention import RetentionError
    from bot.serving.profile import ProfileError
    from bot.serving.serve import serve

    try:
        return serve(
            rasa_port=args.rasa_port,
            actions_port=args.actions_port,
            web_port=args.web_port,
            host=args.host,
        )
    except (RetentionError, ProfileError) as error:
        print(error, file=sys.stderr)
        return 2


def cmd_eval(args: argparse.Namespace) -> int:
    if args.compare:
        from bot.evaluation.compare import compare

        return compare(args.compare, args.corpus, args.reports, args.cold_embeddings)
    from bot.corpora import workspace
    from bot.evaluation.evaluate import evaluate
    from bot.models import NoModelError, latest_model
    from bot.serving.quiet import quiet_rasa

    quiet_rasa()
    try:
        model = args.model or str(latest_model(workspace(args.corpus).models))
    except NoModelError as error:
        print(f"{error} (train it: python -m bot train --corpus {args.corpus})", file=sys.stderr)
        return 1
    return evaluate(corpus=args.corpus, reports=args.reports, model=model, folds=args.folds)


def cmd_bench(args: argparse.Namespace) -> int:
    if args.soak:
        from bot.evaluation.soak import run_soak

        return run_soak(Path.cwd(), args.reports, args.soak)
    from bot.evaluation.bench import bench

    return bench(
        Path.cwd(), args.reports, train=not args.no_train, quick=args.quick, stock=not args.no_stock
    )


def cmd_embeddings_prune(args: argparse.Namespace) -> int:
    from bot.nlu.embedding_prune import prune

    print("\n".join(prune(args.max_mb, args.folder)))
    return 0


def cmd_insights(args: argparse.Namespace) -> int:
    from bot.evaluation.insights import write_insights

    report = write_insights(args.reports)
    print(
        f"{report['turns']} turns, fallback rate {report['fallback_rate'] * 100:.1f} %, "
        f"{len(report['groups'])} question groups shown: "
        f"{args.reports}/insights.md, insights.png"
    )
    return 0


def cmd_data_purge(args: argparse.Namespace) -> int:
    from bot.privacy.commands import run_purge
    from bot.privacy.retention import RetentionError

    try:
        return run_purge(args.older_than, args.dry_run, args.by)
    except RetentionError as error:
        print(error, file=sys.stderr)
        return 2


def _for_customer(run, *args) -> int:
    from bot.privacy.rights import UnknownCustomer

    try:
        return run(*args)
    except UnknownCustomer as error:
        print(
            f"no customer {error} in the store and nothing stored under that name", file=sys.stderr
        )
        return 2


def cmd_data_export(args: argparse.Namespace) -> int:
    from bot.privacy.commands import run_export

    return _for_customer(run_export, args.user, args.out, args.by)


def cmd_data_erase(args: argparse.Namespace) -> int:
    from bot.privacy.commands import run_erase

    return _for_customer(run_erase, args.user, args.dry_run, args.by)


def _add_data_commands(sub) -> None:
    data = sub.add_parser("data", help="customers' personal data: retention, export, erasure")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    by = {"help": "who runs the command, for the audit log (default: the login name)"}
    purge = data_sub.add_parser(
        "purge", help="delete conversation log rows and Rasa tracker events past the retention age"
    )
    purge.add_argument(
        "--older-than", metavar="AGE", help="for example 90d (default: BOT_RETENTION_DAYS, else 90)"
    )
    purge.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    purge.add_argument("--by", **by)
    purge.set_defaults(func=cmd_data_purge)
    export = data_sub.add_parser("export", help="everything stored about one customer, as JSON")
    export.add_argument("--user", required=True, metavar="NAME")
    export.add_argument(
        "--out", type=Path, help="the JSON file (default: var/exports/NAME-<time>.json)"
    )
    export.add_argument("--by", **by)
    export.set_defaults(func=cmd_data_export)
    erase = data_sub.add_parser(
        "erase", help="delete one customer's conversations from both conversation stores"
    )
    erase.add_argument("--user", required=True, metavar="NAME")
    erase.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    erase.add_argument("--by", **by)
    erase.set_defaults(func=cmd_data_erase)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    faq = sub.add_parser("faq", help="check or build the FAQ corpus")
    faq_sub = faq.add_subparsers(dest="faq_command", required=True)
    for name, func in (("check", cmd_faq_check), ("build", cmd_faq_build)):
        p = faq_sub.add_parser(name)
        p.add_argument(
            "--corpus", type=Path, default=Path(os.environ.get("FAQ_CORPUS", SHOP_CORPUS))
        )
        p.set_defaults(func=func)
        if name == "build":
            p.add_argument("--output", type=Path, default=Path("data/nlu/faq.yml"))
            p.add_argument("--check", action="store_true", help="fail if the output would change")
    imp = faq_sub.add_parser("import", help="turn an FAQ export (CSV, Excel, JSON) into a corpus")
    imp.add_argument("file", type=Path, help="the export: .csv, .tsv, .xlsx or .json")
    imp.add_argument(
        "--into", type=Path, required=True, help="the corpus folder (one YAML file per category)"
    )
    imp.add_argument(
        "--dry-run", action="store_true", help="list what would be added, changed or removed"
    )
    imp.set_defaults(func=cmd_faq_import)

    from bot.training import cmd_train

    train = sub.add_parser("train", help="train a model into models/")
    train.add_argument(
        "--config",
        type=Path,
        default=None,
        help="default: config.yml, or config_few_examples.yml for a corpus with few examples",
    )
    train.add_argument(
        "--out", type=Path, default=None, help="default: models/ (models/<name>/ for --corpus)"
    )
    train.add_argument(
        "--corpus", type=Path, default=Path(os.environ.get("FAQ_CORPUS", SHOP_CORPUS))
    )
    train.add_argument("--force", action="store_true")
    train.add_argument(
        "--finetune",
        action="store_true",
        help="continue training the newest model (same labels only): minutes instead of ~8",
    )
    train.add_argument(
        "--epoch-fraction", type=float, default=0.1, help="share of the epochs when fine-tuning"
    )
    train.add_argument(
        "--validate", action="store_true", help="load the model, ask the canonical questions"
    )
    train.add_argument(
        "--no-publish", action="store_true", help="do not make it the model Rasa servers pull"
    )
    train.set_defaults(func=cmd_train)

    ask = sub.add_parser("ask", help="answer questions from stdin, one JSON line each")
    ask.add_argument("--jsonl", action="store_true")
    ask.add_argument("--model", help="model archive (default: the newest in models/)")
    ask.add_argument("--corpus", type=Path, default=Path(os.environ.get("FAQ_CORPUS", SHOP_CORPUS)))
    ask.add_argument("--top", type=int, default=3, help="how many candidates in 'ranking'")
    ask.add_argument(
        "--as", dest="as_user", metavar="USERNAME", help="answer as this demo customer"
    )
    ask.add_argument(
        "--action-url",
        default=os.environ.get("ACTION_ENDPOINT_URL"),
        help="a running action server's webhook (default: start one)",
    )
    ask.set_defaults(func=cmd_ask)

    serve = sub.add_parser("serve", help="run the web app, the Rasa server and the action server")
    serve.add_argument("--rasa-port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    serve.add_argument(
        "--actions-port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055))
    )
    serve.add_argument("--web-port", type=int, default=int(os.environ.get("PORT", 8000)))
    serve.add_argument(
        "--host",
        default=os.environ.get("HOST", "127.0.0.1"),
        help="address of the web app (Rasa and the action server stay on 127.0.0.1)",
    )
    serve.set_defaults(func=cmd_serve)

    ev = sub.add_parser("eval", help="accuracy report into reports/")
    ev.add_argument("--corpus", type=Path, default=Path(os.environ.get("FAQ_CORPUS", SHOP_CORPUS)))
    ev.add_argument("--reports", type=Path, default=Path("reports"))
    ev.add_argument("--model", help="model archive (default: the newest in models/)")
    ev.add_argument("--folds", type=int, default=0, help="also run rasa cross-validation")
    ev.add_argument(
        "--compare",
        type=Path,
        nargs="+",
        metavar="CONFIG",
        help="train each config from cold and compare them (reports/pipelines.md)",
    )
    ev.add_argument(
        "--cold-embeddings",
        action="store_true",
        help="with --compare: start each training with an empty sentence-embedding cache",
    )
    ev.set_defaults(func=cmd_eval)

    bench = sub.add_parser("bench", help="latency, throughput, memory, training times")
    bench.add_argument("--reports", type=Path, default=Path("reports"))
    bench.add_argument("--no-train", action="store_true", help="skip the two timed trainings")
    bench.add_argument(
        "--quick",
        action="store_true",
        help="4 s a point, no edit-to-live: to try the whole path",
    )
    bench.add_argument(
        "--no-stock", action="store_true", help="skip the stock `rasa init` reference"
    )
    bench.add_argument(
        "--soak",
        type=float,
        metavar="MINUTES",
        help="instead: 10 customers chatting for MINUTES, memory, files and latency per window",
    )
    bench.set_defaults(func=cmd_bench)

    embeddings = sub.add_parser("embeddings", help="the on-disk sentence-embedding cache")
    prune = embeddings.add_subparsers(dest="action", required=True).add_parser(
        "prune", help="delete the oldest cached vectors until each file fits in --max-mb"
    )
    prune.add_argument("--max-mb", type=float, default=None, help="default: 200")
    prune.add_argument("--folder", type=Path, default=None, help="default: the cache in use")
    prune.set_defaults(func=cmd_embeddings_prune)

    insights = sub.add_parser(
        "insights",
        help="fallback, low-confidence and unhelpful questions from the log, grouped by meaning",
    )
    insights.add_argument("--reports", type=Path, default=Path("reports"))
    insights.set_defaults(func=cmd_insights)
    _add_data_commands(sub)
    from bot.knowledge.commands import add_knowledge_commands

    add_knowledge_commands(sub, SHOP_CORPUS)
    return parser


def main(argv: List[str] | None = None) -> int:
    """Entry point of `python -m bot`."""
    args = build_parser().parse_args(argv)
    return args.func(args)
