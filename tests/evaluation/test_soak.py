"""The soak (`python -m bot bench --soak MINUTES`) on a 1-minute run against a stack: it reports
every figure of every window. The figures themselves are for the report. The soak is bench code
and runs in Rasa's Python (`make soak`), so does this test, with the web tests' stack."""

from __future__ import annotations

import asyncio
import json

from bot.evaluation.soak import soak
from bot.evaluation.soak_report import write_soak_report
from tests.web.conftest import stack  # noqa: F401 - the fixture, in Rasa's Python too


def test_a_one_minute_soak_reports_every_figure(stack, tmp_path):  # noqa: F811
    result = asyncio.run(soak(stack.url, stack.process.pid, stack.project, minutes=1))
    assert result["window_s"] == 20 and len(result["windows"]) == 3
    for window in result["windows"]:
        assert window["turns"] > 0 and window["p50_ms"] and window["p95_ms"]
        assert window["errors"] == 0 or window["error_kinds"]
        roles = set(window["rss_mib"])
        assert {"serve", "web", "actions", "rasa main", "rasa worker 1", "rasa worker 2"} <= roles
        assert all(window["rss_mib"][r] > 0 and window["open_files"][r] > 0 for r in roles)
        assert window["var"]["files"] > 0 and window["var"]["lock_files"] >= 0
    for key in ("rss_growth_pct", "p95_last_over_first", "errors", "turns"):
        assert result[key] is not None, key
    write_soak_report(result, tmp_path)
    assert json.loads((tmp_path / "soak.json").read_text())["windows"]
    text = (tmp_path / "soak.md").read_text()
    for title in ("rss_growth_pct", "Resident memory", "Open files", "Files under var/", "p95 ms"):
        assert title in text
    assert (tmp_path / "soak.png").stat().st_size > 10_000
