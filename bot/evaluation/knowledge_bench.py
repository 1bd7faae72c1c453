"""Edit to live for the content team: `python -m bot.evaluation.knowledge_bench [--retrain]
[--import-entries 2000]` → reports/knowledge_bench.{json,md}.

On a scratch copy of the project (`bot serve`, RASA_WORKERS workers) with 10 customers chatting:
an answer edit, a new example, a new entry and a rollback, each timed from the editor's save
(rollback: its click) until the publisher reports every worker serving the new snapshot, and
checked by a customer who gets the new answer. Every failed customer request is counted.
`--retrain` also times the old path in the same run: the same kind of edit, then "学習を開始"
(retrain, validate, publish the model) until customers get it. `--import-entries N` times, in
this process, a new example in an imported corpus of N entries (made from eval/byo_faq's rows
under N/rows product lines): the build from the live snapshot, its check, the publish, and a
worker's install of the file (the pull interval, 0.5 s, comes on top).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any, Dict

import httpx

from bot.evaluation.bench_stack import scratch_project, start_stack, stop_serve
from bot.evaluation.load import load, login
from bot.serving.actions_server import wait_for

ENTRY, QUESTION = "cancellation_method", "解約方法を教えてください。"
NEW_EXAMPLE = ("receipt", "経費精算に使える受け取りの証明書って出ます?")
NEW_ENTRY = {
    "id": "bench_receipt_reissue",
    "category": "invoices",
    "title": "領収書の再発行(ベンチ)",
    "question": "領収書は再発行できますか?",
    "answer": "【ベンチ新規】領収書の再発行は、{billing_center}までお問い合わせください。",
    "examples": [
        "領収書をもう一度発行してほしい", "領収書を再発行してもらえますか", "領収書 再発行",
        "なくした領収書をもう一度もらえますか", "領収書を紛失したので再発行したい",
        "りょうしゅうしょ さいはっこう", "領収書の再交付はできますか",
        "領収書を再度送ってもらうことは可能ですか", "捨ててしまった領収書を出し直してほしい",
        "領収書をなくしました。再発行の手続きは?", "再発行の領収書はどこに頼めばいいですか",
        "経理に出す領収書を紛失してしまいました",
    ],
    "tests": ["領収書をもう一回出してもらえる?", "紛失した領収書の再発行をお願いしたい",
              "領収書を出し直してもらうには"],
}  # fmt: skip


async def until_live(editor: httpx.AsyncClient, started: float) -> Dict[str, Any]:
    while time.monotonic() - started < 600:
        status = (await editor.get("/api/content/publish")).json()["publish"]
        if status.get("state") in ("live", "partial"):
            return {"s": round(time.monotonic() - started, 2), "state": status["state"],
                    "workers": f"{status.get('workers')}/{status.get('workers_expected')}"}  # fmt: skip
        await asyncio.sleep(0.1)
    return {"s": None, "state": "timeout"}


async def answered(url: str, question: str, marker: str, started: float) -> float | None:
    """Seconds from `started` until a new customer's first reply carries `marker`."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as visitor:
        while time.monotonic() - started < 900:
            reply = (await visitor.post("/api/chat", json={"text": question})).json()
            if any(marker in r["text"] for r in reply.get("replies", [])):
                return round(time.monotonic() - started, 2)
            await asyncio.sleep(0.2)
    return None


async def put_entry(editor: httpx.AsyncClient, faq_id: str, change) -> None:
    entry = (await editor.get(f"/api/content/entries/{faq_id}")).json()["entry"]
    body = {k: entry[k] for k in ("title", "question", "answer", "examples", "tests")}
    (
        await editor.put(f"/api/content/entries/{faq_id}", json={**body, **change(body)})
    ).raise_for_status()


async def publish(editor: httpx.AsyncClient, started: float) -> Dict[str, Any]:
    response = await editor.post("/api/content/publish", json={"confirm": True})
    response.raise_for_status()
    body = response.json()
    answered_s = round(time.monotonic() - started, 2)  # saved, built, checked and published
    live = await until_live(editor, started) if body["published"] else {"s": None}
    return {**live, "published_s": answered_s, "seconds": body.get("seconds"),
            "changes": body.get("changes")}  # fmt: skip


async def edits(url: str, retrain: bool) -> Dict[str, Any]:
    result: Dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=url, timeout=600) as editor:
        await login(editor, "editor")
        await publish(editor, time.monotonic())  # the shop as it is (bot serve published it)

        marker = f"【ベンチ {uuid.uuid4().hex[:6]}】"
        started = time.monotonic()
        await put_entry(editor, ENTRY, lambda e: {"answer": marker + "\n" + e["answer"]})
        result["answer_edit"] = await publish(editor, started)
        result["answer_edit"]["customer_s"] = await answered(url, QUESTION, marker, started)

        faq_id, example = NEW_EXAMPLE
        started = time.monotonic()
        await put_entry(editor, faq_id, lambda e: {"examples": e["examples"] + [example]})
        result["new_example"] = await publish(editor, started)
        result["new_example"]["customer_s"] = await answered(url, example, "領収書", started)

        started = time.monotonic()
        (await editor.post("/api/content/entries", json=NEW_ENTRY)).raise_for_status()
        result["new_entry"] = await publish(editor, started)
        result["new_entry"]["customer_s"] = await answered(
            url, NEW_ENTRY["tests"][1], "【ベンチ新規】", started
        )

        started = time.monotonic()
        (await editor.post("/api/content/rollback", json={})).raise_for_status()
        result["rollback"] = await until_live(editor, started)

        if retrain:  # the old path, same run: an answer edit, then retrain → validate → publish
            marker = f"【再学習 {uuid.uuid4().hex[:6]}】"
            started = time.monotonic()
            await put_entry(editor, ENTRY, lambda e: {"answer": marker + "\n" + e["answer"]})
            (await editor.post("/api/content/train", json={})).raise_for_status()
            while (await editor.get("/api/content/train")).json()["training"]["state"] == "running":
                await asyncio.sleep(1)
            result["retrain_answer_edit"] = {
                "customer_s": await answered(url, QUESTION, marker, started)
            }
    return result


async def under_load(url: str, retrain: bool) -> Dict[str, Any]:
    halt = asyncio.Event()
    background = asyncio.create_task(load(url, 10, 7200, halt))
    await asyncio.sleep(3)
    try:
        result = await edits(url, retrain)
    finally:
        await asyncio.sleep(2)
        halt.set()
        latencies, errors, _ = await background
    result["customer_requests"] = len(latencies) + len(errors)
    result["failed_requests"] = len(errors)
    return result


def mixed_turns(work: Path) -> Dict[str, Any]:
    """FAQ answers in the trackers whose reply came from another snapshot than the ranking (or
    whose text is not that snapshot's answer): the count must be 0."""
    import sqlite3

    database = sqlite3.connect(work / "var" / "trackers.sqlite3")
    rows = database.execute(
        "SELECT sender_id, type_name, data FROM events WHERE type_name IN ('user', 'bot') "
        "ORDER BY sender_id, id"
    )
    answers, mixed, snapshots = 0, 0, set()
    parse: Dict[str, Any] | None = None
    for _sender, kind, data in rows:
        event = json.loads(data)
        if kind == "user":
            response = (
                ((event.get("parse_data") or {}).get("response_selector") or {}).get("faq") or {}
            ).get("response") or {}
            parse = response if response.get("knowledge") else None
            continue
        metadata = event.get("metadata") or {}
        if parse is None or not str(metadata.get("utter_action", "")).startswith("utter_faq/"):
            continue
        answers += 1
        snapshots.add(parse["knowledge"])
        text = (parse.get("responses") or [{}])[0].get("text")
        mixed += metadata.get("knowledge") != parse["knowledge"] or event.get("text") != text
        parse = None
    database.close()
    return {"faq_answers": answers, "mixed": mixed, "snapshots": len(snapshots)}  # fmt: skip


def imported_corpus(root: Path, folder: Path, entries: int) -> Path:
    """An imported corpus of `entries` entries: eval/byo_faq's rows under product lines."""
    rows = list(csv.DictReader((root / "eval/byo_faq/faq.csv").open(encoding="utf-8")))
    lines = ["法人向け", "個人向け", "店舗向け", "海外拠点向け", "代理店向け"]
    out = []
    for i in range(entries):
        row, line = rows[i % len(rows)], lines[i // len(rows)]
        out.append({"id": f"{row['id']}_{i // len(rows)}", "category": row["category"],
                    "question": f"{line}: {row['question']}", "answer": row["answer"]})  # fmt: skip
    table = folder / "faq.csv"
    folder.mkdir(parents=True, exist_ok=True)
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "category", "question", "answer"])
        writer.writeheader()
        writer.writerows(out)
    return table


def import_timing(root: Path, entries: int) -> Dict[str, Any]:
    import subprocess
    import sys

    from bot.knowledge.build import build_snapshot, ranking_config
    from bot.knowledge.check import check_snapshot, corpus_reader
    from bot.knowledge.live import LiveKnowledge
    from bot.knowledge.store import KnowledgeStore

    work = root / "var" / "bench" / "import"
    table = imported_corpus(root, work, entries)
    corpus = work / "corpus"
    if not corpus.exists():
        subprocess.run([sys.executable, "-m", "bot", "faq", "import", str(table), "--into", str(corpus)],
                       cwd=root, check=True)  # fmt: skip
    started = time.monotonic()
    live = build_snapshot(corpus, project_dir=root)
    first_build = time.monotonic() - started
    store = KnowledgeStore(corpus, root)
    store.publish(live, "bench", expected=None)
    path = next(corpus.glob("*.yml"))
    text = path.read_text(encoding="utf-8")
    empty = "    examples: []\n"
    assert empty in text, f"no entry without examples in {path}"
    added = f"    examples:\n      - ベンチで足した例文 {uuid.uuid4().hex[:6]}\n"
    path.write_text(text.replace(empty, added, 1), "utf-8")
    started = time.monotonic()
    draft = build_snapshot(corpus, project_dir=root, base=live)
    built = time.monotonic() - started
    ranking = ranking_config(draft, root)
    reader = corpus_reader(draft)
    result = check_snapshot(draft, draft.index(ranking), reader, live, live.index(ranking))
    checked = time.monotonic() - started
    store.publish(draft, "bench", expected=live.id)
    published = time.monotonic() - started
    data = store.path_of(draft.id).read_bytes()
    from bot.knowledge.snapshot import Snapshot

    worker = LiveKnowledge("-")
    worker.register(ranking, draft.meta["builder"])  # a worker's ranker config
    worker.install(Snapshot.from_bytes(data, draft.id))
    installed = time.monotonic() - started
    path.write_text(text, encoding="utf-8")
    return {
        "entries": len(draft.entries), "examples": draft.meta["examples"],
        "first_build_s": round(first_build, 1), "build_s": round(built, 2),
        "build_and_check_s": round(checked, 2), "published_s": round(published, 2),
        "installed_on_a_worker_s": round(installed, 2), "snapshot_mib": round(len(data) / 2**20, 1),
        "check_passed": result.passed, "canonical_wrong": len(result.canonical_wrong),
    }  # fmt: skip


def report(result: Dict[str, Any]) -> str:
    lines = [
        "# Edit to live (knowledge snapshots)",
        "",
        f"{result['machine']}, {result['when']}",
        "",
    ]
    lines += [
        "| step | live on every worker (s) | a customer gets it (s) | workers |",
        "| --- | --- | --- | --- |",
    ]
    for name in ("answer_edit", "new_example", "new_entry", "rollback", "retrain_answer_edit"):
        item = result.get(name)
        if item:
            lines.append(
                f"| {name} | {item.get('s')} | {item.get('customer_s', '–')} | {item.get('workers', '')} |"
            )
    if "failed_requests" in result:
        lines += [
            "",
            f"Customer requests meanwhile: {result['customer_requests']}, failed: {result['failed_requests']}.",
        ]
    if "import" in result:
        lines += [
            "",
            "Imported corpus, a new example (in process): "
            + json.dumps(result["import"], ensure_ascii=False),
        ]
    return "\n".join(lines) + "\n"  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--retrain", action="store_true", help="also time the old retrain path")
    parser.add_argument("--import-entries", type=int, default=0)
    parser.add_argument("--no-stack", action="store_true")
    parser.add_argument("--reports", type=Path, default=Path("reports"))
    args = parser.parse_args(argv)
    root = Path.cwd()
    result: Dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores",
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    if not args.no_stack:
        work = scratch_project(root, root / "var" / "bench" / "knowledge")
        token = uuid.uuid4().hex
        server, url, _ = start_stack(work, token)
        try:
            wait_for(f"{url}/healthz", timeout=600, process=server)
            result.update(asyncio.run(under_load(url, args.retrain)))
        finally:
            stop_serve(server)
        result["turns_of_one_snapshot"] = mixed_turns(work)
    if args.import_entries:
        result["import"] = import_timing(root, args.import_entries)
    args.reports.mkdir(exist_ok=True)
    (args.reports / "knowledge_bench.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1)
    )
    text = report(result)
    (args.reports / "knowledge_bench.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
