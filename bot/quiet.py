"""Rasa, TensorFlow and structlog at WARNING for the batch commands (their stdout is data)."""

from __future__ import annotations

import logging
import os
import warnings


def quiet_rasa(level: int = logging.WARNING) -> None:
    """Keeps library chatter out of the output of `bot ask` and `bot eval`."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(log_level=level, warn_only_once=True)
    configure_structlog(level)
    for name in ("tensorflow", "absl", "matplotlib", "rasa", "sanic", "aiohttp"):
        logging.getLogger(name).setLevel(level)
    warnings.filterwarnings("ignore")
