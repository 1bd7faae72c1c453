"""Rasa, TensorFlow and structlog at WARNING for the batch commands (their stdout is data)."""

from __future__ import annotations

import logging
import os
import sys
import warnings


def quiet_rasa(level: int = logging.WARNING) -> None:
    """Keeps library chatter out of the output of `bot ask` and `bot eval`."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(log_level=level, warn_only_once=True)
    configure_structlog(level)
    for name in ("bm25s", "tensorflow", "absl", "matplotlib", "rasa", "sanic", "aiohttp"):
        logging.getLogger(name).setLevel(level)
    warnings.filterwarnings("ignore")
    # Library log handlers write to stderr: stdout is reserved for the command's data.
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
    ]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and handler.stream in (
                sys.stdout,
                sys.__stdout__,
            ):
                handler.setStream(sys.stderr)
