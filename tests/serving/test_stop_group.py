"""A Rasa server's workers outlive a killed main process; `stop_group` stops them too."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from bot.serving.serve import stop_group


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def test_the_workers_left_by_a_killed_leader_are_stopped():
    leader = subprocess.Popen(
        ["bash", "-c", "sleep 300 & echo $!; wait"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    worker = int(leader.stdout.readline())
    os.kill(leader.pid, signal.SIGKILL)  # the main process dies, its worker does not
    leader.wait()
    assert alive(worker)
    stop_group(leader)
    deadline = time.monotonic() + 10
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(worker)
