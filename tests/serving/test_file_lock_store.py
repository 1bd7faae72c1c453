"""The file lock store serializes one conversation's turns across processes."""

import asyncio
import multiprocessing
import time

from bot.serving.file_lock_store import FileLockStore


def _turn(folder, log, name):
    async def run():
        store = FileLockStore(folder=str(folder))
        async with store.lock("顧客-1"):
            with open(log, "a") as f:
                f.write(f"{name} start\n")
            time.sleep(0.3)
            with open(log, "a") as f:
                f.write(f"{name} end\n")

    asyncio.run(run())


def _run_all(target, argument_lists, timeout: float) -> None:
    """One process per argument list, all at once; each must finish well within `timeout`."""
    workers = [multiprocessing.Process(target=target, args=args) for args in argument_lists]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout)
        assert w.exitcode == 0


def test_two_processes_one_conversation_do_not_interleave(tmp_path):
    log = tmp_path / "log.txt"
    _run_all(_turn, [(tmp_path / "locks", log, n) for n in "ab"], timeout=10)
    lines = log.read_text().splitlines()
    assert len(lines) == 4
    assert lines[0].split()[0] == lines[1].split()[0]
    assert lines[1].endswith("end") and lines[2].endswith("start")


def test_other_conversations_are_not_blocked(tmp_path):
    async def run():
        store = FileLockStore(folder=str(tmp_path))
        async with store.lock("a"):
            async with store.lock("b"):
                return True

    assert asyncio.run(asyncio.wait_for(run(), 5))


def test_rasa_allows_several_workers_with_the_embedded_lock_store(monkeypatch):
    from rasa.core.utils import number_of_sanic_workers
    from rasa.utils.endpoints import EndpointConfig

    from bot.serving.profile import endpoints

    monkeypatch.setenv("SANIC_WORKERS", "2")
    config = endpoints("http://a", {})["lock_store"]
    lock_store = EndpointConfig(type=config["type"], folder=config["folder"])
    assert number_of_sanic_workers(lock_store) == 2


def _many_turns(folder, log, name, turns):
    async def run():
        store = FileLockStore(folder=str(folder))
        for _ in range(turns):
            async with store.lock("顧客-2", wait_time_in_seconds=0.001):
                with open(log, "a") as f:
                    f.write(f"{name} start\n")
                    f.flush()
                    time.sleep(0.002)
                    f.write(f"{name} end\n")

    asyncio.run(run())


def test_unlinked_lock_files_never_let_two_turns_interleave(tmp_path):
    """Each turn unlinks its file: a waiter on the old file must not get in beside the next."""
    log, folder = tmp_path / "log.txt", tmp_path / "locks"
    _run_all(_many_turns, [(folder, log, n, 60) for n in "abcd"], timeout=60)
    lines = log.read_text().splitlines()
    assert len(lines) == 4 * 60 * 2
    for start, end in zip(lines[::2], lines[1::2]):
        assert start.endswith("start") and end == start.replace("start", "end")
    assert list(folder.iterdir()) == []  # the finished conversation's file went away


def test_files_of_finished_conversations_go_away(tmp_path):
    async def run():
        store = FileLockStore(folder=str(tmp_path))
        for n in range(50):
            async with store.lock(f"会話-{n}"):
                assert len(list(tmp_path.glob("*.lock"))) == 1  # the turn's own, held
        return list(tmp_path.iterdir())

    assert asyncio.run(run()) == []


def test_a_killed_workers_stale_file_is_reaped_unless_held(tmp_path):
    import fcntl
    import os

    store = FileLockStore(folder=str(tmp_path))
    stale, held = store._path("killed"), store._path("busy")
    for path in (stale, held):
        path.touch()
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    holder = os.open(held, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        assert store.reap() == 1
        assert not stale.exists() and held.exists()
        assert FileLockStore(folder=str(tmp_path)).reap() == 0  # new stores reap at start
    finally:
        os.close(holder)
    FileLockStore(folder=str(tmp_path))
    assert not held.exists()


def test_a_waiter_that_opened_the_unlinked_file_starts_over(tmp_path, monkeypatch):
    """B opens the file, A ends its turn (unlinks it), C locks the path's new file, then B's
    flock on the old file succeeds: B must see that the path moved on, and not go in."""
    import fcntl

    from bot.serving import file_lock_store

    path = tmp_path / "one.lock"
    a = file_lock_store._try_lock(path)
    real_flock, held = fcntl.flock, {}

    def flock(fd, operation):
        if not held:  # between B's open and B's flock
            held["c"] = None
            file_lock_store._release(a, path)
            held["c"] = file_lock_store._try_lock(path)
        return real_flock(fd, operation)

    monkeypatch.setattr(file_lock_store.fcntl, "flock", flock)
    assert file_lock_store._try_lock(path) is None  # B waits: C has the turn
    assert held["c"] is not None
    file_lock_store._release(held["c"], path)
    b = file_lock_store._try_lock(path)
    assert b is not None
    file_lock_store._release(b, path)
