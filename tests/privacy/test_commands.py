"""`python -m bot data purge|export|erase` as an operator runs them: output, files, audit rows."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store import ensure_seeded, make_engine
from bot.store.audit import AuditLog
from bot.store.conversations import ConversationLog
from bot.store.trackers import TrackerEvents
from tests.privacy.conftest import DAY, Stores, rasa_tracker_store


@pytest.fixture
def project(tmp_path, now):
    """A folder laid out like `make run`'s embedded profile: var/trackers.sqlite3 and a store."""
    (tmp_path / "var").mkdir()
    store = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    ensure_seeded(store)
    trackers = make_engine(f"sqlite:///{tmp_path / 'var' / 'trackers.sqlite3'}")
    rasa = rasa_tracker_store(f"sqlite:///{tmp_path / 'var' / 'trackers.sqlite3'}")
    stores = Stores(store, trackers, rasa)
    stores.turn("y-1", "yamada", "注文の状況を知りたい", now - 91 * DAY)
    stores.turn("y-2", "yamada", "解約したい", now - 89 * DAY)
    stores.turn("s-1", "sato", "支払い方法を教えて", now)
    yield tmp_path, stores
    rasa.engine.dispose()
    store.dispose()
    trackers.dispose()


def data(folder: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'store.sqlite3'}",
        "RASA_TELEMETRY_ENABLED": "false",
        **(env or {}),
    }
    for name in ("BOT_PROFILE", "BOT_RETENTION_DAYS", "TRACKER_DATABASE_URL"):
        if name not in (env or {}):
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "data", *args],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def audit_rows(stores):
    return list(reversed(AuditLog(stores.store).entries()))


def test_export_then_erase_one_customer_with_one_command_each(project):
    folder, stores = project
    out = folder / "yamada.json"
    exported = data(folder, "export", "--user", "yamada", "--out", str(out), "--by", "森")
    assert exported.returncode == 0, exported.stderr
    assert f"exported yamada to {out}: 2 turn(s), 2 tracker conversation(s)" in exported.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    document = json.loads(out.read_text("utf-8"))
    assert [t["text"] for t in document["conversation_log"]] == [
        "注文の状況を知りたい",
        "解約したい",
    ]

    erased = data(folder, "erase", "--user", "yamada", "--by", "森")
    assert erased.returncode == 0, erased.stderr
    assert "deleted 2 turn(s) from the conversation log and 6 event(s)" in erased.stdout
    assert ConversationLog(stores.store).turns_of("yamada") == []
    assert TrackerEvents(stores.trackers).counts_of(["y-1", "y-2"]) == {}
    assert len(ConversationLog(stores.store).turns_of("sato")) == 1

    again = data(folder, "erase", "--user", "yamada")
    assert again.returncode == 0 and "nothing to erase for yamada" in again.stdout

    rows = audit_rows(stores)
    assert [(r.action, r.customer, r.actor) for r in rows[:2]] == [
        ("export", "yamada", "森"),
        ("erase", "yamada", "森"),
    ]
    assert rows[0].detail["file"] == str(out) and rows[0].client.startswith("cli@")
    assert rows[1].detail == {"turns": 2, "conversations": 2, "events": 6, "dry_run": False}
    assert rows[2].detail["turns"] == 0 and len(rows) == 3  # one row per command


def test_the_default_export_goes_to_var_exports(project):
    folder, _ = project
    result = data(folder, "export", "--user", "sato")
    assert result.returncode == 0, result.stderr
    (written,) = (folder / "var" / "exports").glob("sato-*.json")
    assert json.loads(written.read_text("utf-8"))["customer"] == "sato"
    assert stat.S_IMODE((folder / "var" / "exports").stat().st_mode) == 0o700


def test_purge_by_hand_with_the_default_and_a_given_age(project):
    folder, stores = project
    dry = data(folder, "purge", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would delete 1 turn(s) from the conversation log and 3 event(s)" in dry.stdout
    purged = data(folder, "purge", env={"BOT_RETENTION_DAYS": "90"})
    assert "deleted 1 turn(s)" in purged.stdout
    assert [t.text for t in ConversationLog(stores.store).turns_of("yamada")] == ["解約したい"]
    shorter = data(folder, "purge", "--older-than", "30d")
    assert "deleted 1 turn(s) from the conversation log and 3 event(s)" in shorter.stdout
    rows = audit_rows(stores)
    assert [r.action for r in rows] == ["purge"] * 3
    assert [r.detail["dry_run"] for r in rows] == [True, False, False]
    assert all(r.customer is None for r in rows)


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["purge", "--older-than", "0d"], {}, "at least 1"),
        (["purge"], {"BOT_RETENTION_DAYS": "soon"}, "BOT_RETENTION_DAYS"),
        (["export", "--user", "nobody"], {}, "no customer"),
        (["erase", "--user", "nobody"], {}, "no customer"),
    ],
)
def test_a_bad_age_or_an_unknown_customer_is_exit_2_and_audits_nothing(project, args, env, message):
    folder, stores = project
    result = data(folder, *args, env=env)
    assert result.returncode == 2 and message in result.stderr, result
    assert "Traceback" not in result.stderr
    assert audit_rows(stores) == []
