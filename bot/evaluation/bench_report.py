"""`make bench`'s report: reports/bench.json, bench.md (tables, targets) and bench_curve.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

SESSIONS = (1, 5, 10, 25, 50)
RATES = (5, 10, 20)

# figure, target as written, check
TARGETS: List[Tuple[str, str, Callable[[float], bool]]] = [
    ("turns_per_s_at_10", "≥ 40 /s", lambda v: v >= 40),
    ("ratio_turns_per_s_at_10", "≥ 2.5 × stock Rasa", lambda v: v >= 2.5),
    ("turn_p95_ms_at_10", "≤ 300 ms", lambda v: v <= 300),
    ("turns_per_s_at_50", "≥ 40 /s", lambda v: v >= 40),
    ("turn_p95_ms_at_50", "≤ 1500 ms", lambda v: v <= 1500),
    ("turn_p95_ms_at_1", "≤ 80 ms", lambda v: v <= 80),
    ("open_p95_ms_at_10", "≤ 150 ms (10 turns/s arriving)", lambda v: v <= 150),
    ("errors_at_50", "0", lambda v: v == 0),
    ("swap_failed_requests", "0", lambda v: v == 0),
    ("knowledge_answer_edit_live_s", "≤ 5 s (answer edit → every worker)", lambda v: v <= 5),
    ("knowledge_new_example_live_s", "≤ 20 s (new example → every worker)", lambda v: v <= 20),
    ("knowledge_new_entry_live_s", "≤ 20 s (new entry → every worker)", lambda v: v <= 20),
    ("knowledge_rollback_live_s", "≤ 5 s (rollback → every worker)", lambda v: v <= 5),
    ("train_cold_s", "≤ 120 s (cold make train)", lambda v: v <= 120),
    ("long_ratio", "≤ 1.2 (last 8 of 40 turns / first 8)", lambda v: v <= 1.2),
    ("cpu_ms_per_turn_web_chat", "≤ 5 ms (web app's CPU per chat turn)", lambda v: v <= 5),
    ("cpu_ms_per_turn_web", "≤ 5 ms (the same, with each conversation's login)", lambda v: v <= 5),
]


def verdicts(result: Dict[str, Any]) -> List[Tuple[str, str, Any, str]]:
    rows = []
    for key, text, check in TARGETS:
        value = result.get(key)
        verdict = "not measured" if value is None else "met" if check(value) else "**missed**"
        rows.append((key, text, "—" if value is None else value, verdict))
    return rows


def _cell(result: Dict[str, Any], key: str) -> Any:
    value = result.get(key)
    return "—" if value is None else value


def curve_table(result: Dict[str, Any]) -> List[str]:
    lines = [
        "| sessions | ours turns/s | p50 ms | p95 ms | errors | stock turns/s | stock p95 ms "
        "| ratio turns/s | ratio p95 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n in result.get("curve_sessions", SESSIONS):
        keys = (
            f"turns_per_s_at_{n}", f"turn_p50_ms_at_{n}", f"turn_p95_ms_at_{n}",
            f"errors_at_{n}", f"stock_turns_per_s_at_{n}", f"stock_turn_p95_ms_at_{n}",
            f"ratio_turns_per_s_at_{n}", f"ratio_p95_at_{n}",
        )  # fmt: skip
        lines.append(f"| {n} | " + " | ".join(str(_cell(result, k)) for k in keys) + " |")
    return lines


def open_table(result: Dict[str, Any]) -> List[str]:
    lines = [
        "| arrivals/s | achieved turns/s | p50 ms | p95 ms | queued arrivals | errors |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in result.get("open_rates", RATES):
        keys = (
            f"open_achieved_per_s_at_{r}", f"open_p50_ms_at_{r}", f"open_p95_ms_at_{r}",
            f"open_queued_at_{r}", f"open_errors_at_{r}",
        )  # fmt: skip
        lines.append(f"| {r} | " + " | ".join(str(_cell(result, k)) for k in keys) + " |")
    return lines


SHOWN_ELSEWHERE = (
    "machine", "when", "rss_mib", "load_avg", "curve_sessions", "open_rates", "worker_counts",
)  # fmt: skip


def workers_table(result: Dict[str, Any]) -> List[str]:
    """The closed loop at 10 sessions for each count of Rasa workers (worker_sweep.py)."""
    if not result.get("worker_counts"):
        return ["- not measured"]
    lines = [
        "| Rasa workers | turns/s | p50 ms | p95 ms | errors |",
        "| --- | --- | --- | --- | --- |",
    ]
    for n in result["worker_counts"]:
        keys = (f"workers_{n}_turns_per_s", f"workers_{n}_p50_ms", f"workers_{n}_p95_ms",
                f"workers_{n}_errors")  # fmt: skip
        lines.append(f"| {n} | " + " | ".join(str(_cell(result, k)) for k in keys) + " |")
    return lines


def markdown(result: Dict[str, Any]) -> str:
    lines = [
        "# Benchmark",
        "",
        f"{result.get('machine', '')} — {result.get('when', '')}; "
        f"RASA_WORKERS={result.get('rasa_workers', 1)}"
        + ("; **quick run** (short points)" if result.get("quick") else ""),
        "",
    ]
    for note in result.get("skipped", []):
        lines.append(f"- skipped: {note}")
    lines += ["", "## Targets", "", "| figure | target | value | verdict |"]
    lines += ["| --- | --- | --- | --- |"]
    lines += [f"| `{k}` | {t} | {v} | {verdict} |" for k, t, v, verdict in verdicts(result)]
    lines += ["", "## Closed loop: chat turns at N concurrent sessions (8-turn conversations)", ""]
    lines += [
        "Ours: logged-in customers through the web app's `/api/chat` (web app, Rasa, actions, "
        "store). Stock: `rasa init`'s moodbot, one `rasa run` process, REST channel, in-memory "
        "trackers, measured in the same run. Ratio turns/s = ours / stock (higher is better), "
        "ratio p95 = ours / stock (lower is better).",
        "",
    ]
    lines += curve_table(result)
    per_turn = "cpu_ms_per_turn_"
    cpu = {k[len(per_turn) :]: v for k, v in result.items() if k.startswith(per_turn)}
    if cpu:
        lines += ["", "CPU per turn over ours' closed loop (all its points), from /proc:", ""]
        lines += ["| process | CPU ms per turn |", "| --- | --- |"]
        lines += [f"| {name} | {value} |" for name, value in sorted(cpu.items())]
        lines += [
            "",
            f"Each conversation logs in first ({_cell(result, 'conversations_per_turn')} per "
            f"turn); a login costs the web app {_cell(result, 'cpu_ms_per_login_web')} ms of "
            "CPU (scrypt), taken out of `web_chat`.",
        ]
    lines += ["", "## Open loop: turns arriving at a fixed rate, latency from the arrival", ""]
    lines += open_table(result)
    lines += ["", "## Long conversation", ""]
    if "long_ratio" in result:
        lines += [
            f"- {result['long_conversations']} conversations of {result['long_length']} turns, "
            "one turn in flight at a time, each next one starting when the one before has 8 "
            "turns left (the two taking turns about, so the windows compared ran at the same "
            "moments): median of the first 8 turns "
            f"{result['long_first8_p50_ms']} ms, of the last 8 {result['long_last8_p50_ms']} ms, "
            f"ratio **{result['long_ratio']}** ({result['long_errors']} errors).",
            f"- beside it, 8-turn conversations at 1 session: median turn "
            f"{_cell(result, 'turn_p50_ms_at_1')} ms.",
        ]
    else:
        lines.append("- not measured")
    lines += ["", "## Rasa workers at 10 sessions", ""] + workers_table(result)
    lines += ["", "## Machine load (1-minute load average)", ""]
    lines += ["| phase | at start | at end |", "| --- | --- | --- |"]
    for phase, (start, end) in result.get("load_avg", {}).items():
        lines.append(f"| {phase} | {start} | {end} |")
    lines += ["", "## All figures", "", "| figure | value |", "| --- | --- |"]
    for key, value in result.items():
        if key not in SHOWN_ELSEWHERE:
            lines.append(f"| `{key}` | {value} |")
    for name, value in result.get("rss_mib", {}).items():
        lines.append(f"| `rss_mib.{name}` | {value} |")
    lines += ["", "![curve](bench_curve.png)"]
    return "\n".join(lines) + "\n"


def _points(result: Dict[str, Any], xs, key: str) -> Tuple[List, List]:
    found = [(x, result[key.format(x)]) for x in xs if result.get(key.format(x)) is not None]
    return [x for x, _ in found], [y for _, y in found]


def chart(result: Dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    for name in ("Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic"):
        if any(f.name == name for f in font_manager.fontManager.ttflist):
            plt.rcParams["font.family"] = name
            break
    sessions = result.get("curve_sessions", SESSIONS)
    rates = result.get("open_rates", RATES)
    figure, (throughput, p95, arrivals) = plt.subplots(1, 3, figsize=(15, 4.2))
    for label, prefix, style in (("ours", "", "o-"), ("stock Rasa", "stock_", "s--")):
        throughput.plot(
            *_points(result, sessions, prefix + "turns_per_s_at_{}"), style, label=label
        )
        p95.plot(*_points(result, sessions, prefix + "turn_p95_ms_at_{}"), style, label=label)
    throughput.set(title="closed loop: throughput", xlabel="sessions", ylabel="turns/s")
    p95.set(title="closed loop: p95 turn", xlabel="sessions", ylabel="ms", yscale="log")
    for axes in (throughput, p95):
        axes.set_xscale("log")
        axes.set_xticks(list(sessions), [str(n) for n in sessions])
    arrivals.plot(*_points(result, rates, "open_p95_ms_at_{}"), "o-", label="p95 ms")
    arrivals.plot(*_points(result, rates, "open_p50_ms_at_{}"), "^:", label="p50 ms")
    arrivals.set(title="open loop (ours)", xlabel="arrivals/s", ylabel="ms", yscale="log")
    achieved = arrivals.twinx()
    achieved.plot(*_points(result, rates, "open_achieved_per_s_at_{}"), "x--", color="grey")
    achieved.set_ylabel("achieved turns/s (x)")
    for axes in (throughput, p95, arrivals):
        axes.grid(alpha=0.3)
        axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_report(result: Dict[str, Any], reports: Path) -> str:
    """Writes bench.json, bench.md and bench_curve.png into `reports`; returns the markdown."""
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "bench.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    text = markdown(result)
    (reports / "bench.md").write_text(text, encoding="utf-8")
    chart(result, reports / "bench_curve.png")
    return text
