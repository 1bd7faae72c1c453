"""Retention: rows older than the retention age go from both stores, younger ones stay."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.privacy.retention import (
    DEFAULT_RETENTION_DAYS,
    DailyPurge,
    PurgeReport,
    RetentionError,
    parse_age,
    purge,
    retention_age,
)
from bot.store.conversations import ConversationLog
from bot.store.trackers import TrackerEvents
from tests.privacy.conftest import DAY


def test_the_default_retention_is_90_days():
    assert DEFAULT_RETENTION_DAYS == 90
    assert retention_age({}) == timedelta(days=90)
    assert retention_age({"BOT_RETENTION_DAYS": "30"}) == timedelta(days=30)


@pytest.mark.parametrize("text, days", [("90d", 90), ("90", 90), (" 7D ", 7), ("365d", 365)])
def test_ages_are_whole_days(text, days):
    assert parse_age(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["0d", "-1d", "90h", "ninety", "", "1.5d", "90 days"])
def test_a_bad_age_is_refused_with_what_to_write(text):
    with pytest.raises(RetentionError, match="whole number of days"):
        parse_age(text)
    with pytest.raises(RetentionError, match="BOT_RETENTION_DAYS"):
        retention_age({"BOT_RETENTION_DAYS": text or "x"})


def _fill(stores, now):
    """Turns at 91 and 89 days in two conversations, plus one of today."""
    stores.turn("old", "yamada", "91日前の質問", now - 91 * DAY)
    stores.turn("recent", "sato", "89日前の質問", now - 89 * DAY)
    stores.turn("old", "yamada", "同じ会話の89日前の質問", now - 89 * DAY)
    stores.turn("today", None, "今日の質問", now)


def _texts(stores):
    log = ConversationLog(stores.store)
    turns = sorted(t.text for user in ("yamada", "sato") for t in log.turns_of(user))
    events = TrackerEvents(stores.trackers).conversations(["old", "recent", "today"])
    said = sorted(e["text"] for es in events.values() for e in es if e.get("event") == "user")
    return turns, said


def test_purge_deletes_what_is_older_than_the_age_in_both_stores(stores, now):
    _fill(stores, now)
    report = purge(stores.store, stores.trackers, timedelta(days=90), now=now)
    assert report.turns == 1
    assert report.events == 3  # the user's message, the action, the bot's answer
    turns, said = _texts(stores)
    assert turns == ["89日前の質問", "同じ会話の89日前の質問"]
    assert said == ["89日前の質問", "今日の質問", "同じ会話の89日前の質問"]
    assert ConversationLog(stores.store).count_before(now + DAY) == 3  # and the visitor's of today
    again = purge(stores.store, stores.trackers, timedelta(days=90), now=now)
    assert (again.turns, again.events) == (0, 0)


def test_a_dry_run_counts_and_deletes_nothing(stores, now):
    _fill(stores, now)
    before = _texts(stores)
    report = purge(stores.store, stores.trackers, timedelta(days=90), dry_run=True, now=now)
    assert (report.turns, report.events, report.dry_run) == (1, 3, True)
    assert "would delete 1 turn(s)" in report.describe()
    assert _texts(stores) == before


def test_a_shorter_age_takes_the_89_day_old_rows_too(stores, now):
    _fill(stores, now)
    report = purge(stores.store, stores.trackers, timedelta(days=30), now=now)
    assert (report.turns, report.events) == (3, 9)
    assert _texts(stores) == ([], ["今日の質問"])


def test_purge_before_rasa_made_its_table_deletes_turns_only(stores, now, tmp_path):
    from bot.store import make_engine

    stores.log("c", "yamada", "古い質問", now - 100 * DAY)
    missing = make_engine(f"sqlite:///{tmp_path / 'no' / 'trackers.sqlite3'}")
    report = purge(stores.store, missing, timedelta(days=90), now=now)
    assert (report.turns, report.events) == (1, 0)
    assert not (tmp_path / "no").exists()  # asking never creates Rasa's file
    missing.dispose()


def test_the_daily_job_runs_at_once_then_again_and_survives_a_failure(now):
    runs = []
    done = threading.Event()

    def job():
        runs.append(len(runs))
        if len(runs) == 1:
            raise OSError("database is down")
        if len(runs) == 3:
            done.set()
        return PurgeReport(now, 0, 0, False)

    daily = DailyPurge(job, every_s=0.05).start()
    try:
        assert done.wait(10), runs
    finally:
        daily.stop()
    assert runs[:3] == [0, 1, 2]
