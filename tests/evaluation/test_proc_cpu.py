"""`make bench`'s CPU per turn: /proc's CPU time of a process and its descendants."""

from __future__ import annotations

import subprocess
import sys

from bot.evaluation import proc_cpu

# Burns 0.3 s of CPU (its own clock, not the wall's), says so, then waits to be stopped.
BURN = (
    "import sys, time\n"
    "while time.process_time() < 0.3: pass\n"
    "print('burnt', flush=True)\n"
    "sys.stdin.read()\n"
)
# The same, after starting one child that does the same: a worker below its main process.
PARENT = (
    "import subprocess, sys\n"
    f"child = subprocess.Popen([sys.executable, '-c', {BURN!r}], stdout=subprocess.PIPE, stdin=subprocess.PIPE)\n"
    "child.stdout.readline()\n" + BURN
)


def test_a_process_counts_with_its_children():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout.readline().strip() == "burnt"
        family = proc_cpu.descendants(parent.pid)
        assert len(family) == 2 and family[0] == parent.pid
        assert proc_cpu.cpu_seconds(parent.pid) >= 0.6 - 2 / proc_cpu.TICKS_PER_S
        alone = proc_cpu.cpu_seconds(family[1])
        assert 0.3 - 2 / proc_cpu.TICKS_PER_S <= alone < proc_cpu.cpu_seconds(parent.pid)
    finally:
        parent.kill()
        parent.wait()


def test_per_turn_is_the_difference_over_the_turns():
    before, after = {"web": 1.0, "rasa": 2.0}, {"web": 1.5, "rasa": 4.0}
    assert proc_cpu.per_turn_ms(before, after, 100) == {"web": 5.0, "rasa": 20.0}
    assert proc_cpu.per_turn_ms(before, after, 0) == {}
