"""`python -m bot eval --compare CONFIG ...`: shop pipelines side by side, each trained from cold.

Every config is trained with `rasa train --force` in its own process, with an empty Rasa cache
(and, with `--cold-embeddings`, an empty sentence-embedding cache), under `/usr/bin/time -v`;
then the model is measured like `make eval` does (held-out FAQ and intent questions, the
out-of-scope lists, parse latency in process). Writes <reports>/pipelines.json and .md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

from bot.evaluation.retrieval_scale import parse_time_v

WORK = Path("var/compare")


def _env(work: Path, cold_embeddings: bool) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_MAX_CACHE_SIZE": "0",
            "RASA_CACHE_DIRECTORY": str(work / "rasa_cache"),
        }
    )
    if cold_embeddings:
        env["BOT_EMBEDDING_CACHE"] = str(work / "embeddings")
    return env


def run_config(config: Path, corpus: Path, work: Path, cold_embeddings: bool) -> Dict[str, Any]:
    """Trains one config (timed, in a subprocess) and measures the model it made."""
    name = config.stem
    folder = work / name
    if folder.exists():
        subprocess.run(["rm", "-rf", str(folder)], check=True)
    folder.mkdir(parents=True)
    log, timing = folder / "train.log", folder / "train.time"
    command = ["/usr/bin/time", "-v", "-o", str(timing), sys.executable, "-m", "bot", "train",
               "--config", str(config), "--corpus", str(corpus), "--out", str(folder / "models"),
               "--force"]  # fmt: skip
    with open(log, "w", encoding="utf-8") as handle:
        code = subprocess.call(
            command, stdout=handle, stderr=subprocess.STDOUT, env=_env(folder, cold_embeddings)
        )
    if code != 0:
        raise SystemExit(f"training with {config} failed (exit {code}); see {log}")
    timed = parse_time_v(timing.read_text(encoding="utf-8"))
    model = sorted((folder / "models").glob("*.tar.gz"))[-1]
    out = folder / "measure.json"
    subprocess.run(
        [sys.executable, "-m", "bot.evaluation.compare", "--measure", str(model), str(corpus),
         str(out)],
        check=True, env=_env(folder, False),
    )  # fmt: skip
    measured = json.loads(out.read_text(encoding="utf-8"))
    return {
        "config": str(config),
        "train_s": round(timed.get("wall_s", 0.0), 1),
        "train_rss_mib": round(timed.get("max_rss_mib", 0.0)),
        "cold_embeddings": cold_embeddings,
        **measured,
    }


def summary_row(result: Dict[str, Any]) -> Dict[str, Any]:
    """The figures of one pipeline that the table shows."""
    held, oos = result["held_out"], result["out_of_scope"]
    return {
        "config": result["config"],
        "faq_top1": held["faq_top1"],
        "faq_sent_to_fallback": held["faq_sent_to_fallback"],
        "intent_top1": held["intent_top1"],
        "oos_not_answered": oos["not_answered"],
        "oos_shop_words": (oos.get("lists", {}).get("shop_words") or {}).get("not_answered"),
        "train_s": result["train_s"],
        "parse_p50": result["parse_ms"]["p50"],
        "parse_p95": result["parse_ms"]["p95"],
    }


def markdown(rows: List[Dict[str, Any]]) -> str:
    """The comparison as a Markdown table."""
    lines = [
        "# Shop pipelines compared",
        "",
        "Each trained from cold (`rasa train --force`, empty Rasa cache) on this machine, then "
        "measured on the held-out questions and the out-of-scope lists, in process.",
        "",
        "| config | FAQ top-1 | FAQ → fallback | intents top-1 | out of scope kept out | "
        "… shop's words | train s | parse p50 / p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        shop_words = "" if r["oos_shop_words"] is None else f"{r['oos_shop_words']:.1%}"
        lines.append(
            f"| `{r['config']}` | {r['faq_top1']:.1%} | {r['faq_sent_to_fallback']:.1%} | "
            f"{r['intent_top1']:.1%} | {r['oos_not_answered']:.1%} | {shop_words} | "
            f"{r['train_s']:.0f} | {r['parse_p50']:.1f} / {r['parse_p95']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def compare(configs: List[Path], corpus: Path, reports: Path, cold_embeddings: bool = False) -> int:
    """Trains and measures every config; writes pipelines.json and pipelines.md."""
    results = []
    for config in configs:
        print(f"training {config} ...", file=sys.stderr, flush=True)
        results.append(run_config(config, corpus, WORK, cold_embeddings))
        print(json.dumps(summary_row(results[-1])), file=sys.stderr, flush=True)
    rows = [summary_row(r) for r in results]
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "pipelines.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (reports / "pipelines.md").write_text(markdown(rows), encoding="utf-8")
    print(markdown(rows))
    return 0


def _measure_main(model: str, corpus: str, out: str) -> int:
    from bot.evaluation.evaluate import measure
    from bot.serving.quiet import quiet_rasa

    quiet_rasa()
    result, _, _ = measure(model, Path(corpus))
    Path(out).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--measure":
        sys.exit(_measure_main(*sys.argv[2:]))
    sys.exit("usage: python -m bot eval --compare CONFIG ... (see python -m bot eval --help)")
