"""The web app's settings, from the environment (`python -m bot serve` sets them for its child)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from bot.pythons import rasa_python


def _rate(text: str, default: tuple[int, float]) -> tuple[int, float]:
    """'20/60' -> (20, 60.0): at most 20 in 60 seconds."""
    try:
        count, seconds = text.split("/")
        return int(count), float(seconds)
    except (ValueError, AttributeError):
        return default


def _positive(text: Optional[str], default: int) -> int:
    try:
        value = int(text or default)
    except ValueError:
        return default
    return value if value >= 1 else default


@dataclass
class Settings:
    rasa_url: str = "http://127.0.0.1:5005"
    actions_url: str = "http://127.0.0.1:5055"
    rasa_token: Optional[str] = None  # Rasa's --auth-token for its HTTP API
    actions_token: Optional[str] = None  # the action server's (bot/serving/actions_app.py)
    project_dir: Path = field(default_factory=Path.cwd)
    corpus: Path = Path("faq_corpus")
    database_url: Optional[str] = None
    redis_url: Optional[str] = None  # sessions and rate limits shared by several web apps
    secure_cookies: bool = False  # Secure flag on the session cookie (production: HTTPS)
    chat_rate: tuple[int, float] = (20, 60.0)  # turns per session
    client_rate: tuple[int, float] = (300, 60.0)  # turns per client address (cookie droppers)
    login_failures: tuple[int, float] = (5, 600.0)  # failures per username and per client
    session_idle_s: float = 8 * 3600
    rasa_timeout_s: float = 30.0  # a model swap blocks Rasa for some seconds: wait, do not fail
    # training runs in Rasa's Python, never in the web app's (bot/pythons.py)
    train_command: List[str] = field(default_factory=lambda: [rasa_python(), "-m", "bot", "train"])
    # The model server (bot/web/model_server.py): the token Rasa servers pull with; no token,
    # no model server. After a publish the editor waits until every worker of every Rasa server
    # answers with the new model: RASA_SERVERS (default: RASA_URL), RASA_WORKERS each.
    model_server_token: Optional[str] = None
    rasa_servers: List[str] = field(default_factory=list)
    rasa_workers: int = 1
    model_pull_s: float = 5.0  # Rasa's wait_time_between_pulls

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        project = Path(env.get("PROJECT_DIR") or Path.cwd()).resolve()
        train = [rasa_python(), "-m", "bot", "train"]
        if env.get("BOT_TRAIN_CONFIG"):
            train += ["--config", env["BOT_TRAIN_CONFIG"]]
        rasa_url = env.get("RASA_URL", cls.rasa_url).rstrip("/")
        servers = [u.strip().rstrip("/") for u in env.get("RASA_SERVERS", "").split(",")]
        return cls(
            rasa_url=rasa_url,
            actions_url=env.get("ACTIONS_URL", cls.actions_url).rstrip("/"),
            rasa_token=env.get("RASA_AUTH_TOKEN") or None,
            actions_token=env.get("ACTIONS_TOKEN") or None,
            project_dir=project,
            corpus=Path(env.get("FAQ_CORPUS", "faq_corpus")),
            database_url=env.get("DATABASE_URL") or None,
            redis_url=env.get("REDIS_URL") or None,
            secure_cookies=env.get("BOT_ENV") == "production",
            chat_rate=_rate(env.get("CHAT_RATE_LIMIT", ""), cls.chat_rate),
            client_rate=_rate(env.get("CLIENT_RATE_LIMIT", ""), cls.client_rate),
            login_failures=_rate(env.get("LOGIN_FAILURE_LIMIT", ""), cls.login_failures),
            train_command=train,
            model_server_token=env.get("MODEL_SERVER_TOKEN") or None,
            rasa_servers=[u for u in servers if u] or [rasa_url],
            rasa_workers=_positive(env.get("RASA_WORKERS"), 1),
            model_pull_s=float(_positive(env.get("MODEL_PULL_S"), 5)),
        )

    @property
    def corpus_dir(self) -> Path:
        return self.corpus if self.corpus.is_absolute() else self.project_dir / self.corpus

    @property
    def is_shop_corpus(self) -> bool:
        return self.corpus_dir.resolve() == (self.project_dir / "faq_corpus").resolve()
