"""`python -m bot knowledge build|publish|list|show|diff|rollback`: the snapshots from a terminal.

`publish` and `rollback` run the same check as the content editor and write the same audit
row (the only place this package touches the store: the command line, not the library).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.knowledge.snapshot import Snapshot, SnapshotError
from bot.knowledge.store import KnowledgeStore, NothingToRollBack, PublishConflict


def _store(args: argparse.Namespace) -> KnowledgeStore:
    return KnowledgeStore(args.corpus, Path.cwd())


def _audit(by: str, action: str, detail: Dict[str, Any]) -> None:
    from bot.store import ensure_seeded, make_engine
    from bot.store.audit import AuditLog

    engine = make_engine()
    ensure_seeded(engine)  # the embedded store is made on first use, as `make run` does
    AuditLog(engine).record(by, action, None, "command line", detail)


def publish_corpus(
    corpus: Path,
    by: str,
    confirm: bool = False,
    quiet: bool = False,
    audit: bool = True,
    if_missing: bool = False,
) -> int:
    """Builds the corpus's snapshot, checks it against the live one and publishes it.
    0: published or unchanged; 1: the check failed; 4: regressions and no `confirm`.
    `if_missing`: only when nothing is published, or the published snapshot was built for
    another FAQ ranker config than the corpus's now (`make run`: a rollback stays rolled back)."""
    from bot.knowledge.build import build_snapshot, ranking_config
    from bot.knowledge.check import changes_between, check_snapshot, corpus_reader

    store = KnowledgeStore(corpus, Path.cwd())
    try:
        live = store.current()
    except SnapshotError:
        live = None
    say = (lambda *a: None) if quiet else print
    if if_missing and live is not None and _fits(live, corpus):
        say(f"knowledge {live.id} is published (publish the corpus's edits at /content)")
        return 0
    draft = build_snapshot(corpus, built_by=by, base=live)
    if live is not None and live.id == draft.id:
        say(f"knowledge {draft.id}: unchanged, already published")
        return 0
    ranking = ranking_config(draft)
    result = check_snapshot(
        draft,
        draft.index(ranking),
        corpus_reader(draft),
        live,
        live.index(ranking) if live else None,
    )
    for wrong in result.canonical_wrong:
        print(
            f"canonical question {wrong['question']!r} finds {wrong['answered_as']}, "
            f"not {wrong['expected']}",
            file=sys.stderr,
        )
    if not result.passed:
        print(f"knowledge {draft.id} not published: its check failed", file=sys.stderr)
        return 1
    for item in result.regressions:
        print(
            f"test question {item['question']!r}: {item['expected']} before, {item['new']} now",
            file=sys.stderr,
        )
    if result.regressions and not confirm:
        print(
            f"knowledge {draft.id} not published: {len(result.regressions)} test question(s) "
            "answered right before are answered wrong now (--confirm publishes anyway)",
            file=sys.stderr,
        )
        return 4
    changes = changes_between(live, draft)
    try:
        record = store.publish(draft, by, changes, live.id if live else "")
    except PublishConflict as conflict:
        print(f"not published: {conflict} (published meanwhile); run again", file=sys.stderr)
        return 5
    if audit:
        _audit(by, "knowledge_publish", {"snapshot": record.id, "previous": record.previous})
    say(
        f"knowledge {record.id} published ({len(draft.entries)} entries, "
        f"{draft.meta['build_seconds']} s to build, tests right {result.tests_right}/"
        f"{result.tests_total}): " + "; ".join(changes[:5])
    )
    return 0


def _fits(snapshot: Snapshot, corpus: Path) -> bool:
    """Whether `snapshot` was built with the FAQ ranker config the corpus gets now."""
    from bot.knowledge.build import builder_config, pipeline_config

    config_file = Path(str(snapshot.meta.get("config_file") or "config.yml"))
    if not config_file.exists():
        return False
    config, split_mode = pipeline_config(config_file)
    return snapshot.meta.get("builder") == builder_config(config, split_mode)


def cmd_build(args: argparse.Namespace) -> int:
    from bot.knowledge.build import build_snapshot

    store = _store(args)
    snapshot = build_snapshot(args.corpus, built_by=args.by, base=store.current())
    path = store.put(snapshot)
    print(f"knowledge {snapshot.id}: {path} ({snapshot.meta['build_seconds']} s)")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    return publish_corpus(args.corpus, args.by, args.confirm, if_missing=args.if_missing)


def _rows(store: KnowledgeStore) -> List[Dict[str, Any]]:
    live = store.published_id()
    rows = []
    for item in reversed(store.history()):
        rows.append({**item, "live": item.get("id") == live, "kept": store.has(item["id"])})
    return rows


def cmd_list(args: argparse.Namespace) -> int:
    rows = _rows(_store(args))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("no knowledge snapshot published yet (python -m bot knowledge publish)")
    seen = set()
    for row in rows:
        mark = "*" if row["live"] and row["id"] not in seen else " "
        seen.add(row["id"])
        changes = "; ".join(row.get("changes") or [])[:100]
        print(
            f"{mark} {row['id']}  {row.get('published_at', '')}  {row.get('action', ''):8}  "
            f"{row.get('by', '')}  {changes}"
        )
    return 0


def _load(store: KnowledgeStore, snapshot_id: Optional[str]) -> Snapshot:
    snapshot_id = snapshot_id or store.published_id()
    if not snapshot_id:
        raise SnapshotError("no knowledge snapshot published yet")
    return store.load(snapshot_id)


def cmd_show(args: argparse.Namespace) -> int:
    snapshot = _load(_store(args), args.id)
    if args.entry:
        entry = snapshot.entry(args.entry)
        if entry is None:
            print(f"no entry {args.entry} in knowledge {snapshot.id}", file=sys.stderr)
            return 2
        print(json.dumps(entry, ensure_ascii=False, indent=1))
        return 0
    meta = {k: v for k, v in snapshot.meta.items()}
    arrays = {name: list(array.shape) for name, array in snapshot.arrays.items()}
    print(json.dumps({"id": snapshot.id, **meta, "arrays": arrays}, ensure_ascii=False, indent=1))
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from bot.knowledge.check import changes_between

    store = _store(args)
    old = store.load(args.old)
    new = _load(store, args.new)
    changes = changes_between(old, new)
    print("\n".join(changes) if changes else f"{old.id} and {new.id}: no difference")
    if args.entry:
        for name in ("title", "question", "answer", "examples", "tests"):
            before, after = (
                (old.entry(args.entry) or {}).get(name),
                (new.entry(args.entry) or {}).get(name),
            )
            if before != after:
                print(f"--- {name} ({old.id})\n{before}\n+++ {name} ({new.id})\n{after}")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    store = _store(args)
    try:
        record = store.rollback(args.by)
    except (NothingToRollBack, PublishConflict) as error:
        print(f"not rolled back: {error}", file=sys.stderr)
        return 1
    _audit(args.by, "knowledge_rollback", {"snapshot": record.id, "previous": record.previous})
    print(f"knowledge {record.id} is live again (was {record.previous})")
    return 0


def add_knowledge_commands(sub: Any, default_corpus: Path) -> None:
    knowledge = sub.add_parser(
        "knowledge", help="knowledge snapshots: build, publish, list, show, diff, roll back"
    )
    commands = knowledge.add_subparsers(dest="knowledge_command", required=True)

    def command(name: str, func: Any, help_text: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text)
        parser.add_argument("--corpus", type=Path, default=default_corpus)
        parser.set_defaults(func=_guarded(func))
        return parser

    by = getpass.getuser()
    command("build", cmd_build, "build the corpus's snapshot (not published)").add_argument(
        "--by", default=by
    )
    publish = command("publish", cmd_publish, "build, check and publish the corpus's snapshot")
    publish.add_argument("--by", default=by)
    publish.add_argument("--confirm", action="store_true", help="publish despite regressions")
    publish.add_argument(
        "--if-missing",
        action="store_true",
        help="only when nothing is published, or it was built for another config",
    )
    listing = command("list", cmd_list, "the published snapshots, newest first")
    listing.add_argument("--json", action="store_true")
    show = command("show", cmd_show, "a snapshot's summary, or one of its entries")
    show.add_argument("id", nargs="?", help="default: the published one")
    show.add_argument("--entry")
    diff = command("diff", cmd_diff, "what changed between two snapshots")
    diff.add_argument("old")
    diff.add_argument("new", nargs="?", help="default: the published one")
    diff.add_argument("--entry", help="also print this entry's changed fields")
    command("rollback", cmd_rollback, "make the previous snapshot live again").add_argument(
        "--by", default=by
    )


def _guarded(func: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except SnapshotError as error:
            print(error, file=sys.stderr)
            return 2

    return run
