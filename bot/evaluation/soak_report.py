"""The soak's report: reports/soak.json, soak.md (a table per figure) and soak.png (the windows)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

# figure, target as written (issue 24), check
TARGETS = [
    ("rss_growth_pct", "≤ 10 % (all processes, last window over the first)", lambda v: v <= 10),
    ("p95_last_over_first", "≤ 1.2", lambda v: v <= 1.2),
    ("errors", "0", lambda v: v == 0),
]


def _names(windows: List[Dict[str, Any]], key: str) -> List[str]:
    return sorted({name for w in windows for name in w[key]})


def markdown(result: Dict[str, Any]) -> str:
    windows = result["windows"]
    length = result["window_s"]
    lines = [
        "# Soak",
        "",
        f"{result.get('when', '')}, {result.get('machine', '')}: {result['sessions']} customers "
        f"chatting back to back (8 turns, then a new session) for {result['minutes']} min, "
        f"in windows of {length / 60:g} min"
        + (" (a short run: 3 windows instead of 5-minute ones)." if length < 300 else "."),
        "",
        "| figure | target | value | verdict |",
        "| --- | --- | --- | --- |",
    ]
    for key, text, check in TARGETS:
        value = result.get(key)
        verdict = "not measured" if value is None else "met" if check(value) else "**missed**"
        lines.append(f"| {key} | {text} | {'—' if value is None else value} | {verdict} |")
    lines += ["", "## Turns", "", "| window | end s | turns | turns/s | p50 ms | p95 ms | errors "
              "| load avg |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for w in windows:
        lines.append(
            f"| {w['window']} | {w['end_s']} | {w['turns']} | {w['turns_per_s']} | {w['p50_ms']} "
            f"| {w['p95_ms']} | {w['errors']} | {w['load_avg']} |"
        )
    for key, title in (("rss_mib", "Resident memory (MiB)"), ("open_files", "Open files (fds)")):
        names = _names(windows, key)
        lines += ["", f"## {title}", "", "| window | " + " | ".join(names) + " |",
                  "| --- " * (len(names) + 1) + "|"]  # fmt: skip
        for w in windows:
            cells = [str(w[key].get(name, "—")) for name in names]
            lines.append(f"| {w['window']} | " + " | ".join(cells) + " |")
    lines += ["", "## Files under var/", "", "| window | files | MiB | lock files |",
              "| --- | --- | --- | --- |"]  # fmt: skip
    for w in windows:
        var = w["var"]
        lines.append(
            f"| {w['window']} | {var['files']} | {var['bytes'] / 2**20:.1f} | {var['lock_files']} |"
        )
    return "\n".join(lines) + "\n"


def chart(result: Dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    windows = result["windows"]
    xs = [w["end_s"] / 60 for w in windows]
    figure, (memory, latency, files) = plt.subplots(1, 3, figsize=(15, 4.5))
    for name in _names(windows, "rss_mib"):
        memory.plot(xs, [w["rss_mib"].get(name) for w in windows], marker="o", label=name)
    memory.set(title="resident memory (MiB)", xlabel="minutes")
    memory.legend(fontsize=7)
    latency.plot(xs, [w["p50_ms"] for w in windows], marker="o", label="p50")
    latency.plot(xs, [w["p95_ms"] for w in windows], marker="o", label="p95")
    latency.plot(xs, [w["errors"] for w in windows], marker="x", label="errors")
    latency.set(title="turn latency (ms), errors", xlabel="minutes")
    latency.legend(fontsize=7)
    files.plot(xs, [w["var"]["files"] for w in windows], marker="o", label="files under var/")
    files.plot(xs, [w["var"]["lock_files"] for w in windows], marker="o", label="lock files")
    for name in _names(windows, "open_files"):
        files.plot(xs, [w["open_files"].get(name) for w in windows], ls="--", label=f"fds {name}")
    files.set(title="files", xlabel="minutes")
    files.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_soak_report(result: Dict[str, Any], reports: Path) -> str:
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "soak.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    (reports / "soak.md").write_text(markdown(result), encoding="utf-8")
    chart(result, reports / "soak.png")
    return f"{reports}/soak.md, soak.json, soak.png"
