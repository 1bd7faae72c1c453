"""The production profile: PostgreSQL trackers and Redis locks and sessions, several servers.

Two Rasa servers of two workers each pull their model from the first web app's model server.
They answer one conversation alternately and keep its state; a Rasa server restarted in the
middle of a conversation loses no turn; two web apps share their customers' sessions; a
published model reaches all four workers while customers chat, without one failed request.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import create_engine, text

from bot.identity import mint_token
from bot.serving.actions_server import free_port, health_url, start_action_server, wait_for
from bot.serving.profile import MODEL_PATH, endpoints
from bot.serving.publish import publish
from bot.serving.serve import rasa_command, stop_group, web_command
from tests.web.conftest import ROOT, Client, copy_project

POSTGRES = os.environ.get(
    "STORE_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("SCALE_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
TOKEN = uuid.uuid4().hex
ACTIONS_TOKEN = uuid.uuid4().hex
MODEL_TOKEN = uuid.uuid4().hex
WORKERS = 2
PULL_S = 2


def pulled(web: str) -> dict[str, str]:
    """{worker: model} as the model server saw the workers' pulls lately."""
    response = httpx.get(f"{web}/internal/workers", params={"token": MODEL_TOKEN}, timeout=30)
    response.raise_for_status()
    return response.json()["workers"]


def wait_for_model(web: str, name: str, timeout: float, count: int, exclude=()) -> set[str]:
    """The workers (not in `exclude`) once `count` of them answer with model `name`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        seen = {w for w, m in pulled(web).items() if m == name and w not in exclude}
        if len(seen) >= count:
            return seen
        time.sleep(0.5)
    raise AssertionError(f"fewer than {count} workers have {name} after {timeout} s: {pulled(web)}")


@pytest.fixture(scope="module")
def cluster(trained_model, tmp_path_factory):
    """One action server, two Rasa servers and two web apps on one PostgreSQL and one Redis."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    name = f"faqbot_scale_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = admin.url.set(database=name).render_as_string(hide_password=False)
    folder = tmp_path_factory.mktemp("scale")
    project = copy_project(trained_model, folder / "project")  # the model server's models/
    web_ports = [free_port(), free_port()]
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "BOT_PROFILE": "production",
        "DATABASE_URL": database,
        "REDIS_URL": REDIS_URL,
        "BOT_TOKEN_SECRET": uuid.uuid4().hex * 2,  # this test mints tokens with it too
        "ACTIONS_TOKEN": ACTIONS_TOKEN,  # the action server's, in Rasa's endpoints too
        "RASA_AUTH_TOKEN": TOKEN,  # the web channel asks for it, like Rasa's API
        "MODEL_SERVER_URL": f"http://127.0.0.1:{web_ports[0]}{MODEL_PATH}",
        "MODEL_SERVER_TOKEN": MODEL_TOKEN,
        "MODEL_PULL_S": str(PULL_S),
        "RASA_WORKERS": str(WORKERS),
        "CHAT_RATE_LIMIT": "100000/60",  # the publish test's customers chat without pause
        "CLIENT_RATE_LIMIT": "100000/60",
    }
    secret_before = os.environ.get("BOT_TOKEN_SECRET")
    os.environ["BOT_TOKEN_SECRET"] = env["BOT_TOKEN_SECRET"]
    from bot.store import ensure_seeded

    ensure_seeded(database)
    actions_port = free_port()
    config = endpoints(f"http://127.0.0.1:{actions_port}/webhook", env)
    endpoints_file = folder / "endpoints.yml"
    endpoints_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    processes: dict[str, subprocess.Popen] = {}
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        processes["actions"] = start_action_server(actions_port)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    rasa_ports = [free_port(), free_port()]

    def start_rasa(i: int) -> subprocess.Popen:
        command = rasa_command(rasa_ports[i], endpoints_file, trained_model, TOKEN)
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env={**env, "SANIC_WORKERS": str(WORKERS)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its workers with it, as `bot serve` starts it
        )

    rasas = [f"http://127.0.0.1:{p}" for p in rasa_ports]
    for i in (0, 1):
        web_env = {
            **env,
            "RASA_URL": rasas[i],
            "RASA_SERVERS": ",".join(rasas),
            "ACTIONS_URL": f"http://127.0.0.1:{actions_port}",
            "RASA_AUTH_TOKEN": TOKEN,
            "PROJECT_DIR": str(project),
        }
        processes[f"web{i}"] = subprocess.Popen(
            web_command("127.0.0.1", web_ports[i]), cwd=ROOT, env=web_env
        )
    try:
        wait_for(health_url(actions_port, ACTIONS_TOKEN), 120, processes["actions"])
        for i in (0, 1):  # the model server first: the Rasa workers pull from it at start
            wait_for(f"http://127.0.0.1:{web_ports[i]}/", 120, processes[f"web{i}"])
        for i in (0, 1):
            processes[f"rasa{i}"] = start_rasa(i)
        for i in (0, 1):
            wait_for(f"{rasas[i]}/", 400, processes[f"rasa{i}"])
        wait_for_model(f"http://127.0.0.1:{web_ports[0]}", trained_model.name, 400, 2 * WORKERS)
        yield {
            "rasa": rasas,
            "project": project,
            "web": [f"http://127.0.0.1:{p}" for p in web_ports],
            "start_rasa": start_rasa,
            "processes": processes,
            "database": database,
        }
    finally:
        for process in processes.values():
            stop_group(process)
        if secret_before is None:
            os.environ.pop("BOT_TOKEN_SECRET", None)
        else:
            os.environ["BOT_TOKEN_SECRET"] = secret_before
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def say(rasa: str, sender: str, message: str, customer: str | None = None) -> list[dict]:
    metadata = {"token": mint_token(customer)} if customer else {}
    response = httpx.post(
        f"{rasa}/webhooks/web/webhook",
        params={"token": TOKEN},
        json={"sender": sender, "message": message, "metadata": metadata},
        timeout=60,
    )
    response.raise_for_status()
    return response.json()["messages"]


def user_turns(rasa: str, sender: str) -> list[str]:
    tracker = httpx.get(
        f"{rasa}/conversations/{sender}/tracker", params={"token": TOKEN}, timeout=30
    ).json()
    return [event["text"] for event in tracker["events"] if event["event"] == "user"]


def test_two_rasa_servers_answer_one_conversation_alternately(cluster):
    a, b = cluster["rasa"]
    sender = f"scale-{uuid.uuid4().hex}"
    turns = ["注文の状況を知りたい", "/check_order_status{\"order_number\": \"ORD-10000001\"}",
             "解約方法を教えてください", "支払い方法を教えて"]  # fmt: skip
    answers = []
    for i, message in enumerate(turns):
        answers.append(say((a, b)[i % 2], sender, message, customer="yamada"))
    assert "ORD-10000005" in answers[0][0]["text"]  # server A lists the orders
    assert "ORD-10000001" in answers[1][0]["text"]  # server B answers the button of A's list
    assert user_turns(a, sender) == turns
    assert user_turns(b, sender) == turns


def test_a_restarted_rasa_server_loses_no_turn(cluster):
    a, b = cluster["rasa"]
    sender = f"restart-{uuid.uuid4().hex}"
    say(a, sender, "解約方法を教えてください")
    before = set(pulled(cluster["web"][0]))
    process = cluster["processes"]["rasa0"]
    os.killpg(process.pid, signal.SIGKILL)  # the whole server dies, workers included
    process.wait()
    say(b, sender, "支払い方法を教えて")  # the other server carries on meanwhile
    cluster["processes"]["rasa0"] = cluster["start_rasa"](0)
    wait_for(f"{a}/", 400, cluster["processes"]["rasa0"])
    web = cluster["web"][0]  # the restarted server's new workers pull the model the others have
    wait_for_model(web, next(iter(pulled(web).values())), 400, WORKERS, exclude=before)
    say(a, sender, "請求書はいつ届きますか")
    assert user_turns(a, sender) == [
        "解約方法を教えてください", "支払い方法を教えて", "請求書はいつ届きますか",
    ]  # fmt: skip


def healthz(web: str) -> dict:
    response = httpx.get(f"{web}/healthz", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_killed_worker_of_either_server_is_replaced_and_reported(cluster):
    """Web app 1 talks to Rasa server 1 and knows server 0 from RASA_SERVERS: both web apps
    say degraded, naming the server that is a worker short, until the replacement answers."""
    main = cluster["processes"]["rasa1"].pid
    pids = subprocess.run(["pgrep", "-P", str(main)], capture_output=True, text=True).stdout
    os.kill(int(pids.split()[0]), signal.SIGKILL)
    own, other = cluster["web"][1], cluster["web"][0]
    started = time.monotonic()
    seen: dict[str, list[str]] = {}
    while time.monotonic() - started < 300:
        for web in (own, other):
            body = healthz(web)
            if body["degraded"]:
                seen[web] = body["degraded"]
        if len(seen) == 2 and all(healthz(w)["status"] == "ok" for w in (own, other)):
            break
        time.sleep(0.2)
    assert seen[own] == ["rasa: 1 of 2 workers answer"]
    assert seen[other] == [f"rasa {cluster['rasa'][1]}: 1 of 2 workers answer"]
    assert healthz(own)["rasa"]["workers"] == {"expected": 2, "answering": 2}
    assert say(cluster["rasa"][1], f"after-{uuid.uuid4().hex}", "支払い方法を教えて")


def test_two_web_apps_share_the_customers_session(cluster):
    one, two = cluster["web"]
    with Client(base_url=one, timeout=120, trust_env=False) as first:
        login = first.post("/api/login", json={"username": "yamada", "password": "yamada-demo"})
        assert login.status_code == 200
        cookie = first.cookies.get("faqbot_session")
    with Client(base_url=two, timeout=120, trust_env=False) as second:
        second.cookies.set("faqbot_session", cookie)
        reply = second.post("/api/chat", json={"text": "注文の状況を知りたい"})
        assert reply.status_code == 200
        assert "ORD-10000005" in reply.json()["replies"][0]["text"]
        assert second.get("/api/session").json()["user"]["username"] == "yamada"
        second.post("/api/logout", json={})
    with Client(base_url=one, timeout=120, trust_env=False) as first:
        first.cookies.set("faqbot_session", cookie)
        assert first.get("/api/session").json()["user"] is None  # logged out everywhere


def test_the_production_profile_refuses_to_start_half_configured():
    from bot.serving.profile import ProfileError

    with pytest.raises(ProfileError, match="REDIS_URL"):
        endpoints("http://x/webhook", {"BOT_PROFILE": "production", "DATABASE_URL": POSTGRES})
    with pytest.raises(ProfileError, match="PostgreSQL"):
        endpoints(
            "http://x/webhook",
            {"BOT_PROFILE": "production", "DATABASE_URL": "sqlite:///x", "REDIS_URL": REDIS_URL},
        )
    embedded = endpoints("http://x/webhook", {})
    assert embedded["tracker_store"]["dialect"] == "sqlite"
    assert embedded["lock_store"]["type"] == "bot.serving.file_lock_store.FileLockStore"
    assert Path(ROOT / "endpoints.yml").exists()


def test_a_published_model_reaches_every_worker_of_both_servers_while_customers_chat(cluster):
    models = cluster["project"] / "models"
    before = next(iter(pulled(cluster["web"][0]).values()))
    new = models / f"20991231-000000-{uuid.uuid4().hex[:6]}.tar.gz"
    shutil.copy(models / before, models / ".copying")  # same content, a new model to pull
    os.replace(models / ".copying", new)
    stop, sent, failed = threading.Event(), [], []

    def customer(web: str) -> None:
        with Client(base_url=web, timeout=120, trust_env=False) as client:
            while not stop.is_set():
                response = client.post("/api/chat", json={"text": "支払い方法を教えて"})
                sent.append(response.status_code)
                if response.status_code != 200:
                    failed.append(response.status_code)

    chatting = [threading.Thread(target=customer, args=(w,)) for w in cluster["web"]]
    for thread in chatting:
        thread.start()
    try:
        time.sleep(1)
        publish(new)
        # Within the pull interval plus the load time (generous: the machine is shared).
        workers = wait_for_model(cluster["web"][0], new.name, PULL_S + 300, 2 * WORKERS)
        time.sleep(1)
    finally:
        stop.set()
        for thread in chatting:
            thread.join(timeout=120)
    assert len(sent) > 10 and failed == []
    assert len(workers) == 4  # two servers, two workers each, every one on the new model
    for web in cluster["web"]:
        assert httpx.get(f"{web}/healthz", timeout=30).json()["rasa"]["model"] == new.name


def test_a_published_answer_reaches_every_worker_of_both_servers_and_rolls_back(cluster):
    """Live knowledge at scale: 2 Rasa servers x 2 workers pull the snapshot from web0."""
    from tests.web.test_live_knowledge import LINE, QUESTION, edit_answer, wait_live

    web = cluster["web"][0]
    path = cluster["project"] / "faq_corpus" / "invoices.yml"
    original = path.read_bytes()
    with Client(base_url=web, timeout=120, trust_env=False) as editor:
        login = {"username": "editor", "password": "editor-demo"}
        assert editor.post("/api/login", json=login).status_code == 200
        editor.post("/api/content/publish", json={"confirm": True})  # the shop as it is
        first = wait_live(editor)["live"]["id"]
        try:
            edit_answer(
                editor,
                "receipt",
                lambda e: {"answer": e["answer"].replace(LINE, "【全体】" + LINE)},
            )
            assert editor.post("/api/content/publish", json={"base": first}).json()["published"]
            status = wait_live(editor)
            assert (
                status["state"] == "live" and status["workers"] == 4
            )  # every worker, both servers
            for server in cluster["web"]:  # each web app talks to its own Rasa server
                for _ in range(4):
                    with Client(base_url=server, timeout=120, trust_env=False) as customer:
                        reply = customer.post("/api/chat", json={"text": QUESTION}).json()
                    assert reply["replies"][0]["text"].startswith("【全体】" + LINE)
            assert editor.post("/api/content/rollback", json={}).status_code == 200
            status = wait_live(editor)
            assert status["live"]["id"] == first and status["workers"] == 4
            for server in cluster["web"]:
                with Client(base_url=server, timeout=120, trust_env=False) as customer:
                    reply = customer.post("/api/chat", json={"text": QUESTION}).json()
                assert reply["replies"][0]["text"].startswith(LINE)
        finally:
            path.write_bytes(original)


def test_the_model_server_answers_only_with_the_token(cluster):
    url = cluster["web"][0] + MODEL_PATH
    assert httpx.get(url, timeout=30).status_code == 404
    assert (
        httpx.get(url, params={"token": TOKEN}, timeout=30).status_code == 404
    )  # Rasa's API token
    current = next(iter(pulled(cluster["web"][0]).values()))
    unchanged = httpx.get(
        url, params={"token": MODEL_TOKEN}, headers={"If-None-Match": f'"{current}"'}, timeout=30
    )
    assert unchanged.status_code == 304  # what every worker's pull gets between publishes
