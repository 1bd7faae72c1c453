"""The current time, in one place so tests can set it."""

from __future__ import annotations

from datetime import datetime

from bot.rules import JST


def now() -> datetime:
    """Now, in Japan time."""
    return datetime.now(JST)
