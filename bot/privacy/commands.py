"""`python -m bot data purge|export|erase`: the work behind the commands, each run audited.

Both stores come from the environment as `make run` uses them: the store at DATABASE_URL (else
var/store.sqlite3) and Rasa's tracker store of the profile (var/trackers.sqlite3, or PostgreSQL
with BOT_PROFILE=production).
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, Optional, TextIO, Tuple

from sqlalchemy.engine import Engine

from bot.privacy.retention import PurgeReport, parse_age, purge, retention_age
from bot.privacy.rights import erase_customer, export_customer
from bot.serving.profile import tracker_store_url
from bot.store import make_engine, upgrade
from bot.store.audit import AuditLog

EXPORTS = Path("var") / "exports"


def _actor(by: Optional[str]) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except Exception:  # no login name in a container: still a row that says so
        return "unknown"


def _client() -> str:
    return f"cli@{socket.gethostname()}"


@contextmanager
def stores() -> Iterator[Tuple[Engine, Engine]]:
    """The store (migrated, so the audit log exists) and Rasa's tracker store."""
    store = make_engine()
    trackers = make_engine(tracker_store_url())
    try:
        upgrade(store)
        yield store, trackers
    finally:
        store.dispose()
        trackers.dispose()


def run_purge(
    older_than: Optional[str], dry_run: bool, by: Optional[str], out: TextIO = sys.stdout
) -> int:
    age: timedelta = parse_age(older_than) if older_than else retention_age()
    with stores() as (store, trackers):
        report = purge(store, trackers, age, dry_run=dry_run)
        AuditLog(store).record(_actor(by), "purge", None, _client(), report.as_detail())
    print(report.describe(), file=out)
    return 0


def scheduled_purge() -> PurgeReport:
    """The daily job of `make run`: the retention age of BOT_RETENTION_DAYS, audited."""
    with stores() as (store, trackers):
        report = purge(store, trackers, retention_age())
        AuditLog(store).record(
            "retention job", "purge", None, f"serve@{socket.gethostname()}", report.as_detail()
        )
    return report


def _export_path(user: str) -> Path:
    EXPORTS.mkdir(parents=True, exist_ok=True)
    EXPORTS.chmod(0o700)
    return EXPORTS / f"{user}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"


def _write_private(path: Path, text: str) -> None:
    # For the operator alone: the file holds one customer's personal data.
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def run_export(user: str, into: Optional[Path], by: Optional[str], out: TextIO = sys.stdout) -> int:
    """Writes the customer's export; raises UnknownCustomer for a name nothing is stored under."""
    with stores() as (store, trackers):
        document = export_customer(store, trackers, user)
        path = into or _export_path(user)
        _write_private(path, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        counts = {
            "turns": len(document["conversation_log"]),
            "conversations": len(document["tracker_store"]),
            "events": sum(len(c["events"]) for c in document["tracker_store"]),
            "orders": len(document["orders"]),
            "judgements": len(document["judgements"]),
        }
        try:
            AuditLog(store).record(
                _actor(by), "export", user, _client(), {"file": str(path), **counts}
            )
        except Exception:
            path.unlink(missing_ok=True)  # an export nobody could audit is not handed out
            raise
    print(
        f"exported {user} to {path}: {counts['turns']} turn(s), {counts['conversations']} "
        f"tracker conversation(s) with {counts['events']} event(s), {counts['orders']} order(s), "
        f"{len(document['contracts'])} contract(s), {len(document['invoices'])} invoice(s), "
        f"{counts['judgements']} judgement(s)",
        file=out,
    )
    return 0


def run_erase(user: str, dry_run: bool, by: Optional[str], out: TextIO = sys.stdout) -> int:
    """Erases the customer's conversations; raises UnknownCustomer like run_export."""
    with stores() as (store, trackers):
        report = erase_customer(store, trackers, user, dry_run=dry_run)
        AuditLog(store).record(_actor(by), "erase", user, _client(), report.as_detail())
    print(report.describe(), file=out)
    return 0
