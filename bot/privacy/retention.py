"""Retention: conversation log rows and Rasa tracker events older than the retention age go.

`python -m bot data purge` runs it by hand; `make run` runs it at start-up and then daily.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Dict, Optional

from sqlalchemy.engine import Engine

from bot.store.conversations import ConversationLog
from bot.store.trackers import TrackerEvents

log = logging.getLogger(__name__)
DEFAULT_RETENTION_DAYS = 90
ENV = "BOT_RETENTION_DAYS"
DAY_S = 24 * 3600
RETRY_S = 3600  # after a failed run (the database was down), try again in an hour
_AGE = re.compile(r"\s*(\d+)\s*d?\s*", re.IGNORECASE)


class RetentionError(ValueError):
    """A retention age that is not a whole number of days, at least 1."""


def parse_age(text: str) -> timedelta:
    """`90d` or `90` → 90 days."""
    match = _AGE.fullmatch(str(text))
    if not match or int(match.group(1)) < 1:
        raise RetentionError(
            f"retention age {text!r}: write a whole number of days, at least 1 (for example 90d)"
        )
    return timedelta(days=int(match.group(1)))


def retention_age(env: Optional[Dict[str, str]] = None) -> timedelta:
    """BOT_RETENTION_DAYS (default 90) as a timedelta."""
    env = os.environ if env is None else env
    try:
        return parse_age(env.get(ENV) or str(DEFAULT_RETENTION_DAYS))
    except RetentionError as error:
        raise RetentionError(f"{ENV}: {error}") from None


@dataclass(frozen=True)
class PurgeReport:
    """What a purge deleted (or, on a dry run, would delete)."""

    cutoff: datetime
    turns: int
    events: int
    dry_run: bool

    def describe(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        return (
            f"purge (older than {self.cutoff:%Y-%m-%d %H:%M} UTC): {verb} {self.turns} turn(s) "
            f"from the conversation log and {self.events} event(s) from Rasa's tracker store"
        )

    def as_detail(self) -> dict:
        return {
            "cutoff": self.cutoff.isoformat(),
            "turns": self.turns,
            "events": self.events,
            "dry_run": self.dry_run,
        }


def purge(
    store: Engine,
    trackers: Engine,
    older_than: timedelta,
    dry_run: bool = False,
    now: Optional[datetime] = None,
) -> PurgeReport:
    """Deletes turns and tracker events from before `now - older_than`, in both stores."""
    cutoff = (now or datetime.now(timezone.utc)) - older_than
    turns, events = ConversationLog(store), TrackerEvents(trackers)
    if dry_run:
        counted = turns.count_before(cutoff), events.count_before(cutoff.timestamp())
        return PurgeReport(cutoff, *counted, True)
    return PurgeReport(
        cutoff, turns.delete_before(cutoff), events.delete_before(cutoff.timestamp()), False
    )


class DailyPurge:
    """Runs `job` now and then every day in a background thread, until `stop()`."""

    def __init__(self, job: Callable[[], PurgeReport], every_s: float = DAY_S) -> None:
        self.job, self.every_s = job, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)

    def start(self) -> DailyPurge:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                print(f"retention: {self.job().describe()}", flush=True)
                wait = self.every_s
            except Exception as error:  # the database may be down: the bot keeps serving
                log.error("retention purge failed (%s); trying again in an hour", error)
                wait = min(RETRY_S, self.every_s)
            self._stop.wait(wait)
