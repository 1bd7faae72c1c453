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


def test_two_processes_one_conversation_do_not_interleave(tmp_path):
    log = tmp_path / "log.txt"
    workers = [
        multiprocessing.Process(target=_turn, args=(tmp_path / "locks", log, n)) for n in "ab"
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(10)
        assert w.exitcode == 0
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
